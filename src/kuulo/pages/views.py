"""The signed-in home page, the public pages and the health check."""

import json

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from kuulo.accounts.models import User
from kuulo.core.registry import registry
from kuulo.organisations.access import Permission, access_for, has_permission, public, requires, units_for
from kuulo.organisations.models import Role


@requires(None)
def home(request: HttpRequest) -> HttpResponse:
    """Each person's own picture at once: the panels the apps declared (core/registry.py
    `home_panel`: figures against targets, new comments, actions due; a follow-up queue
    adds its open cases the same way), then their roles and units."""
    access = access_for(request.user)
    roles = sorted({Role(g.role).label for g in access.grants})
    units = list(units_for(request.user, Permission.VIEW_UNITS).active().select_related("unit_type"))
    visible_ids = {unit.pk for unit in units}
    # The top of each branch the user sees: its parent is outside their view.
    top_units = [unit for unit in units if unit.parent_id not in visible_ids]
    panels = []
    for panel in registry.home_panels:
        if has_permission(request.user, panel.permission):
            context = panel.build(request)
            if context is not None:
                panels.append({"template": panel.template, "context": context})
    return render(request, "pages/home.html", {"roles": roles, "top_units": top_units[:12], "panels": panels})


@public
def accessibility_statement(request: HttpRequest) -> HttpResponse:
    return render(request, "pages/accessibility.html")


@public
@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Django's language switch; a signed-in user's choice is also remembered on their account."""
    response = django_set_language(request)
    language = request.POST.get("language", "")
    if (
        isinstance(request.user, User)
        and language in dict(settings.LANGUAGES)
        and request.user.language != language
    ):
        request.user.language = language
        request.user.save(update_fields=["language"])
    return response


@public
@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness and database reachability, for load balancers and monitoring."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        database = "ok"
    except Exception:  # any database failure means "not healthy"
        database = "unavailable"
    status = 200 if database == "ok" else 503
    return JsonResponse({"status": "ok" if status == 200 else "error", "database": database}, status=status)


@public
def api_docs(request: HttpRequest) -> HttpResponse:
    """A readable, accessible reference of the HTTP API, generated from its OpenAPI schema."""
    from kuulo.api import api

    schema = api.get_openapi_schema(path_prefix="/api/")
    operations = []
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            operations.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": operation.get("summary", ""),
                    "description": operation.get("description", ""),
                    "parameters": operation.get("parameters", []),
                    "request_body": json.dumps(
                        operation.get("requestBody", {})
                        .get("content", {})
                        .get("application/json", {})
                        .get("schema"),
                        indent=2,
                    )
                    if "requestBody" in operation
                    else "",
                    "responses": {
                        code: json.dumps(
                            response.get("content", {}).get("application/json", {}).get("schema", {}),
                            indent=2,
                        )
                        for code, response in operation.get("responses", {}).items()
                    },
                }
            )
    context = {
        "info": schema["info"],
        "operations": operations,
        "schemas": {
            name: json.dumps(body, indent=2) for name, body in schema["components"]["schemas"].items()
        },
    }
    return render(request, "pages/api_docs.html", context)
