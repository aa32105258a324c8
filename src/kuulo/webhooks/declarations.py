"""What the webhooks app adds to the whole (core/registry.py)."""

from django.utils.translation import gettext_lazy as _

from kuulo.core.registry import audit_action, permission, settings_page
from kuulo.organisations.access import Permission

# Organisation admins only: data leaves Kuulo.
permission(Permission.MANAGE_WEBHOOKS)

for code, label in [
    ("webhook.created", _("Webhook created")),
    ("webhook.updated", _("Webhook changed")),
    ("webhook.deleted", _("Webhook deleted")),
    ("webhook.secret_rotated", _("Webhook secret renewed")),
    ("webhook.tested", _("Webhook test event sent")),
    ("webhook.redelivered", _("Webhook event sent again")),
]:
    audit_action(code, label)

settings_page(_("Webhooks"), "webhooks:endpoint_list", "webhooks", Permission.MANAGE_WEBHOOKS, order=40)
