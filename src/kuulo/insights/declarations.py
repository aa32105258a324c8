"""What the insights app adds to the whole (core/registry.py)."""

from django.utils.translation import gettext_lazy as _

from kuulo.core.registry import audit_action, home_panel, navigation, permission
from kuulo.improvements import services as improvement_services
from kuulo.organisations.access import Permission
from kuulo.organisations.declarations import EVERY_ROLE
from kuulo.organisations.models import Role

from . import effects
from .home import comments_panel, figures_panel

permission(Permission.VIEW_INSIGHTS, roles=EVERY_ROLE, api_key_label=_("Read dashboard figures"))
permission(Permission.EXPORT_RESPONSES, roles=(Role.CX_LEAD,))

audit_action("report.requested", _("PDF report requested"))
audit_action("report.scheduled", _("Monthly PDF report subscribed"))
audit_action("report.unscheduled", _("Monthly PDF report cancelled"))

navigation(_("Dashboards"), "insights:overview", Permission.VIEW_INSIGHTS, order=10)
navigation(_("Alerts"), "insights:notifications", Permission.VIEW_INSIGHTS, order=20)

home_panel("insights/_home_figures.html", figures_panel, Permission.VIEW_INSIGHTS, order=10)
home_panel("insights/_home_comments.html", comments_panel, Permission.VIEW_INSIGHTS, order=20)

# An action's effect is measured from the figures this app reads (improvements sits below it).
improvement_services.EFFECT_CHECKS.append(effects.why_not_measured)
