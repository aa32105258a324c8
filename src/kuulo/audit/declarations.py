"""What the audit app adds to the whole (core/registry.py)."""

from django.utils.translation import gettext_lazy as _

from kuulo.core.registry import audit_action, navigation, permission

# Organisation admins only (they hold every permission). A plain code: audit sits below
# the organisations app, whose Permission constants name it too.
VIEW_AUDIT_LOG = permission("audit.view")

audit_action("data.exported", _("Data exported"))
navigation(_("Audit log"), "audit:event_list", VIEW_AUDIT_LOG, order=110)
