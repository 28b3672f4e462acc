"""Load (or refresh) the default categories and staff roles. Safe to run on every start."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from triage.defaults import load_defaults


class Command(BaseCommand):
    help = "Create the default categories and staff roles where they are missing."

    def handle(self, *args: object, **options: object) -> None:
        categories, roles = load_defaults()
        self.stdout.write(f"defaults loaded: {categories} new categories, {roles} roles checked")
