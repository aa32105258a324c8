"""Navigation shown in the page header, built from what the user may open."""

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kuulo.organisations.access import Permission, has_permission, organisation_for

# (label, url name, permission; None = any signed-in member)
NAVIGATION = [
    (_("Home"), "core:home", None),
    (_("Dashboards"), "insights:overview", Permission.VIEW_INSIGHTS),
    (_("Alerts"), "insights:notifications", Permission.VIEW_INSIGHTS),
    (_("Actions"), "improvements:board", Permission.VIEW_INSIGHTS),
    (_("Units"), "organisations:unit_list", Permission.VIEW_UNITS),
    (_("Surveys"), "feedback:survey_list", Permission.CONFIGURE_FEEDBACK),
    (_("Verbal feedback"), "feedback:verbal_feedback", Permission.RECORD_FEEDBACK),
    (_("Complaints"), "feedback:complaint_list", Permission.MANAGE_COMPLAINTS),
    (_("Service volumes"), "feedback:service_volumes", Permission.RECORD_VOLUMES),
    (_("Imports"), "feedback:import_list", Permission.IMPORT_RESPONSES),
    (_("People"), "organisations:people_list", Permission.MANAGE_ORGANISATION),
    (_("Audit log"), "audit:event_list", Permission.VIEW_AUDIT_LOG),
    (_("Settings"), "organisations:settings", Permission.MANAGE_ORGANISATION),
]

# Pages that live under another address but belong to an item's section (its subnav).
SECTION_PAGES = {
    "organisations:settings": [
        "organisations:unit_type_list",
        "organisations:api_key_list",
        "webhooks:endpoint_list",
        "privacy:retention",
        "privacy:data_subject",
    ],
}


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "current_organisation": None, "can_manage": False}
    items = []
    for label, url_name, permission in NAVIGATION:
        if has_permission(user, permission):
            url = reverse(url_name)
            matches = request.path == url if url == "/" else request.path.startswith(url)
            section = [reverse(name) for name in SECTION_PAGES.get(url_name, [])]
            matches = matches or any(request.path.startswith(prefix) for prefix in section)
            items.append({"label": label, "url": url, "current": matches})
    # One current item: the most specific match (/dashboards/alerts/ is Alerts, not Dashboards).
    best = max(
        (item for item in items if item["current"]), key=lambda item: len(str(item["url"])), default=None
    )
    for item in items:
        item["current"] = item is best
    return {
        "nav_items": items,
        "current_organisation": organisation_for(user),
        "can_manage": has_permission(user, Permission.MANAGE_ORGANISATION),
    }
