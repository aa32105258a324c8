"""What the improvements domain tells other apps.

Sent inside the transaction that saves the action, so what a listener writes (webhook
deliveries) commits or rolls back with it.
"""

from django.dispatch import Signal

# kwargs: action=Action, created=bool (sent by services.save_action and services.move_action)
action_changed = Signal()
