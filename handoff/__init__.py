"""handoff: agencies, routing and signed packets (docs/handoff.md)."""
