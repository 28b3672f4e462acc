"""handoff: see docs/architecture.md; built in its own issue."""
