"""Sent after the transaction that created a handoff has committed; kwargs: handoff_id."""

from django.dispatch import Signal

handoff_created = Signal()
