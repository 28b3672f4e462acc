"""What intake announces. `reporting` knows no consumer; `triage` connects in its AppConfig."""

from django.dispatch import Signal

# Sent after the transaction that stored the tip has committed; kwargs: tip_id.
tip_received = Signal()
# Sent after a reporter's reply has been stored; kwargs: message_id.
reporter_replied = Signal()
