"""Signals other apps may listen to without accounts importing them."""

from django.dispatch import Signal

# Sent after commit when sessions end (logout, revocation, a disabled account):
# ``session_ids`` (strings) and ``user_id``. Open websockets of those sessions close.
sessions_ended = Signal()
