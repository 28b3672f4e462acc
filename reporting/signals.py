"""What intake announces. `reporting` knows no consumer; `triage` connects in its AppConfig."""

from django.dispatch import Signal

# Sent after the transaction that stored the tip has committed; kwargs: tip_id.
tip_received = Signal()
# Sent after a reporter's reply has been stored; kwargs: message_id.
reporter_replied = Signal()
# Sent after a message to a reporter who can be pushed to has been stored; kwargs: message_id.
message_for_reporter = Signal()
# Sent after a status change a reporter hears about has committed; kwargs: event_id.
tip_status_changed = Signal()
