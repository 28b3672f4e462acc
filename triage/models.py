"""Triage nouns. Category is the editable, translated taxonomy (docs/triage.md)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from reporting.i18n import pick_translation


class Category(models.Model):
    slug = models.SlugField(_("slug"), max_length=50, unique=True)
    # {"en": "...", "es": "...", ...}: written by supervisors, with English as the fallback.
    names = models.JSONField(_("names"), default=dict)
    descriptions = models.JSONField(_("descriptions"), default=dict, blank=True)
    active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "slug"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.name()

    def name(self, language: str | None = None) -> str:
        return pick_translation(self.names, language) or self.slug

    def description(self, language: str | None = None) -> str:
        return pick_translation(self.descriptions, language)
