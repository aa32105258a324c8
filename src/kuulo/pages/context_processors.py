"""Navigation shown in the page header and the Settings subnav, built from what the apps
declared (core/registry.py) and what the user may open."""

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from kuulo.core.registry import registry
from kuulo.organisations.access import Permission, has_permission, organisation_for


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "settings_pages": [], "current_organisation": None, "can_manage": False}
    settings_urls = [page.url_name for page in registry.settings_pages]
    items: list[dict[str, Any]] = []
    for declared in registry.navigation:
        if has_permission(user, declared.permission):
            url = reverse(declared.url_name)
            matches = request.path == url if url == "/" else request.path.startswith(url)
            # Pages under other addresses that belong to the item's section (its subnav).
            section = [*declared.section, *(settings_urls if declared.url_name in settings_urls else [])]
            matches = matches or any(request.path.startswith(reverse(name)) for name in section)
            count = declared.count(user) if declared.count else 0
            items.append(
                {
                    "label": declared.label,
                    "url": url,
                    "current": matches,
                    "count": count,
                    "count_label": declared.count_label,
                }
            )
    # One current item: the most specific match (/dashboards/alerts/ is Alerts, not Dashboards).
    best = max(
        (item for item in items if item["current"]), key=lambda item: len(str(item["url"])), default=None
    )
    for item in items:
        item["current"] = item is best
    settings_pages = [
        {"label": page.label, "url": reverse(page.url_name), "key": page.key}
        for page in registry.settings_pages
        if has_permission(user, page.permission)
    ]
    return {
        "nav_items": items,
        "settings_pages": settings_pages,
        "current_organisation": organisation_for(user),
        "can_manage": has_permission(user, Permission.MANAGE_ORGANISATION),
    }
