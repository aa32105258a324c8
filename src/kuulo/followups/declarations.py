"""What the follow-ups app adds to the whole (core/registry.py)."""

from typing import Any

from django.utils.translation import gettext_lazy as _

from kuulo.core.registry import audit_action, home_panel, navigation, permission, settings_page
from kuulo.organisations.access import Permission, restrict
from kuulo.organisations.models import Role

# Contact details are seen by those who answer people, in their own units: not by viewers,
# nor by account managers, whose customers are organisations.
HANDLE = permission("followups.handle", roles=(Role.CX_LEAD, Role.MANAGER, Role.STAFF))

for code, label in [
    ("follow_up.opened", _("Follow-up opened for a contact request")),
    ("follow_up.listed", _("Follow-up queue viewed")),
    ("follow_up.viewed", _("Follow-up with contact details viewed")),
    ("follow_up.assigned", _("Follow-up assigned")),
    ("follow_up.replied", _("Reply to a follow-up recorded")),
    ("follow_up.closed", _("Follow-up closed")),
    ("follow_up.erased", _("Follow-ups and their contact details erased")),
    ("follow_up.settings_updated", _("Follow-up promise changed")),
]:
    audit_action(code, label)


def _open_cases(user: Any) -> int:
    from .models import FollowUp

    return restrict(FollowUp.objects.open(), user, HANDLE).count()


navigation(_("Follow-ups"), "followups:queue", HANDLE, order=35, count=_open_cases, count_label=_("open"))
settings_page(_("Follow-ups"), "followups:settings", "follow_ups", Permission.MANAGE_ORGANISATION, order=45)


def _panel(request: Any) -> dict[str, Any] | None:
    from .home import open_follow_ups_panel

    return open_follow_ups_panel(request)


home_panel("followups/_home_follow_ups.html", _panel, HANDLE, order=25)
