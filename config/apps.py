from django.contrib.admin.apps import AdminConfig


class TiplineAdminConfig(AdminConfig):
    """admin.site is a StaffAdminSite: only staff verified by an authenticator get in
    (add one with `manage.py add_staff`)."""

    default_site = "config.admin_site.StaffAdminSite"
