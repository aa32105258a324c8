"""What the improvements app adds to the whole (core/registry.py)."""

from django.utils.translation import gettext_lazy as _

from kuulo.core.registry import audit_action, home_panel, navigation, permission
from kuulo.organisations.access import Permission
from kuulo.organisations.models import Role

from .home import actions_due_panel

permission(Permission.MANAGE_ACTIONS, roles=(Role.CX_LEAD, Role.MANAGER))

audit_action("action.saved", _("Improvement action saved"))
audit_action("action.moved", _("Improvement action moved on the board"))

navigation(_("Actions"), "improvements:board", Permission.VIEW_INSIGHTS, order=30)

home_panel("improvements/_home_actions.html", actions_due_panel, Permission.VIEW_INSIGHTS, order=30)
