"""Every URL × every role: nobody reaches another unit's or organisation's objects or a
page their role does not allow, and anonymous users reach only public pages.

Kuulo views declare their rule with @requires/@public (organisations.access); this test
reads the rule and checks the server keeps it. A new view without a rule, or a URL
parameter this test cannot fill, fails the test, so nothing is left unchecked.
"""

import re
from typing import Any

import pytest
from django.urls import resolve, reverse

from kuulo.api import api
from kuulo.organisations.access import role_permissions
from kuulo.organisations.models import Role
from kuulo.organisations.testing import AccessScope, World, access_fixtures, client_for

from .routes import Route, all_routes

ANONYMOUS = "anonymous"
ROLES = [*Role.values, ANONYMOUS]

# Third-party pages that anonymous users may open: signing in and recovering a password.
PUBLIC_THIRD_PARTY = {
    "account_login",
    "account_logout",  # signed out already: it just goes to the home page
    "account_signup",  # shows "sign-up is closed"
    "account_inactive",
    "account_reset_password",
    "account_reset_password_done",
    "account_reset_password_from_key",
    "account_reset_password_from_key_done",
    "account_email_verification_sent",
    "account_confirm_email",
    "account_confirm_login_code",
    "mfa_authenticate",  # the second step of signing in
    "api:openapi-json",
    "api:api-root",
}


def api_operations() -> dict[str, str | None]:
    """The API's operations and the permission each declares in the schema (`needs()` in its
    app's api.py; None: any member). An operation that declares none fails here."""
    operations: dict[str, str | None] = {}
    for path, methods in api.get_openapi_schema()["paths"].items():
        for method, operation in methods.items():
            assert "x-kuulo-permission" in operation, f"{method.upper()} {path}: add openapi_extra=needs(...)"
            operations[resolve(re.sub(r"\{\w+\}", "1", path)).view_name] = operation["x-kuulo-permission"]
    return operations


API_OPERATIONS = api_operations()
# Operations that only take POST, with a well-formed body that names nothing the caller may reach.
API_POST_ONLY = {
    "api:post_responses": '{"link": "no-such-link", "answers": {"csat": 3}}',
    "api:post_service_volumes": (
        '{"volumes": [{"unit": "no-such-unit", "date": "2026-11-02", "customers_served": 1}]}'
    ),
}


ROUTES = all_routes()


def is_declared(route: Route) -> bool:
    if route.is_kuulo_view:
        return route.rule is not None
    # allauth's own pages are either public (listed) or must send anonymous users to sign in.
    allauth_page = route.name.startswith(("account_", "mfa_"))
    return allauth_page or route.name in PUBLIC_THIRD_PARTY or route.name in API_OPERATIONS


def test_every_route_declares_who_may_open_it() -> None:
    undeclared = [r.name for r in ROUTES if not is_declared(r)]
    assert undeclared == [], f"Routes without an access rule: {undeclared}"


def holds(role: str, permission: str | None) -> bool:
    if role == ANONYMOUS:
        return False
    return permission is None or permission in role_permissions(role)


FIXTURES = access_fixtures()


def url_kwargs(route: Route, world: World, role: str, in_scope: bool) -> dict[str, Any]:
    """Values for the route's parameters: objects the role may reach (in_scope) or must not,
    made by the owning app's `ACCESS_FIXTURES` (its testing.py)."""
    unit = world.in_scope_unit(role) if in_scope else world.out_of_scope_unit(role)
    scope = AccessScope(world=world, role=role, in_scope=in_scope, unit=unit)
    missing = [p for p in route.params if p not in FIXTURES]
    assert not missing, f"{route.name}: add ACCESS_FIXTURES for {missing} to the app's testing.py"
    return {p: FIXTURES[p](scope) for p in route.params}


def has_scoped_objects(route: Route) -> bool:
    return bool(route.params)


KUULO_ROUTES = [r for r in ROUTES if r.is_kuulo_view]
THIRD_PARTY = [r for r in ROUTES if not r.is_kuulo_view and r.name not in API_OPERATIONS]
API_ROUTES = [r for r in ROUTES if r.name in API_OPERATIONS]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", KUULO_ROUTES, ids=lambda r: r.name)
def test_kuulo_views(route: Route, role: str, world: World) -> None:
    rule = route.rule
    assert rule is not None
    user = None if role == ANONYMOUS else world.users[role]
    client = client_for(user)
    url = reverse(route.name, kwargs=url_kwargs(route, world, role, in_scope=True))
    response = client.get(url)
    if rule.public:
        assert response.status_code in (200, 302, 405), f"public page {url} gave {response.status_code}"
        if response.status_code == 302:
            assert "/accounts/login/" not in response["Location"]
        return
    if role == ANONYMOUS:
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url
        assert client.post(url).status_code == 302
        return
    if not holds(role, rule.permission):
        assert response.status_code == 403, f"{role} opened {url}: {response.status_code}"
        assert client.post(url).status_code == 403, f"{role} posted to {url}"
        return
    assert response.status_code in (200, 405), f"{role} could not open {url}: {response.status_code}"
    if has_scoped_objects(route):
        outside = reverse(route.name, kwargs=url_kwargs(route, world, role, in_scope=False))
        assert client.get(outside).status_code in (404, 405), f"{role} reached {outside}"
        assert client.post(outside).status_code == 404, f"{role} posted to {outside}"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", API_ROUTES, ids=lambda r: r.name)
def test_api_operations(route: Route, role: str, world: World) -> None:
    user = None if role == ANONYMOUS else world.users[role]
    client = client_for(user)
    url = reverse(route.name, kwargs=url_kwargs(route, world, role, in_scope=True))
    if route.name in API_POST_ONLY:
        response = client.post(url, data=API_POST_ONLY[route.name], content_type="application/json")
        if role == ANONYMOUS:
            assert response.status_code == 401
        elif not holds(role, API_OPERATIONS[route.name]):
            assert response.status_code == 403
        else:
            assert response.status_code == 422  # allowed; what the body names is refused
        return
    response = client.get(url)
    if role == ANONYMOUS:
        assert response.status_code == 401
        return
    if not holds(role, API_OPERATIONS[route.name]):
        assert response.status_code in (403, 404)
        return
    assert response.status_code == 200, f"{role} could not read {url}"
    if has_scoped_objects(route):
        outside = reverse(route.name, kwargs=url_kwargs(route, world, role, in_scope=False))
        assert client.get(outside).status_code == 404, f"{role} read {outside} through the API"


@pytest.mark.parametrize("route", THIRD_PARTY, ids=lambda r: r.name)
def test_anonymous_reach_only_public_third_party_pages(route: Route, world: World) -> None:
    kwargs = {p: "x" for p in route.params}
    response = client_for(None).get(reverse(route.name, kwargs=kwargs))
    if route.name in PUBLIC_THIRD_PARTY:
        assert response.status_code in (200, 302, 404, 405)
        if response.status_code == 302:
            assert response["Location"] in ("/", "/accounts/login/")
    else:
        assert response.status_code == 302, f"{route.name} is open to anonymous users"
        assert "/accounts/login/" in response["Location"]


def test_unit_list_shows_only_units_in_scope(world: World) -> None:
    content = client_for(world.users[Role.STAFF]).get(reverse("organisations:unit_list")).content.decode()
    assert world.unit.name_fi in content
    assert world.sibling.name_fi not in content
    assert world.root.name_fi not in content
    assert world.other_org_unit.name_fi not in content


def test_api_unit_list_is_scoped(world: World) -> None:
    codes = {u["code"] for u in client_for(world.users[Role.MANAGER]).get("/api/v1/units").json()}
    assert codes == {world.area.code, world.unit.code}
    admin_codes = {u["code"] for u in client_for(world.users[Role.ADMIN]).get("/api/v1/units").json()}
    assert admin_codes == {world.root.code, world.area.code, world.unit.code, world.sibling.code}
