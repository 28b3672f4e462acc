"""Staff login hardening without keeping anyone's address (docs/privacy.md)."""

from __future__ import annotations

from django.http import HttpRequest


def login_client_str(username: str, ip_address: str, user_agent: str, path_info: str, request: HttpRequest) -> str:
    """What django-axes writes in its log lines: the username tried, nothing about the client."""
    return f"username={username!r}"


def no_client_ip(request: HttpRequest) -> str:
    """django-axes asks for the client address; lockouts are per username, so it gets none."""
    return ""
