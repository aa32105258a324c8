"""Every URL × every role: nobody reaches another unit's or organisation's objects or a
page their role does not allow, and anonymous users reach only public pages.

Kuulo views declare their rule with @requires/@public (organisations.access); this test
reads the rule and checks the server keeps it. A new view without a rule, or a URL
parameter this test cannot fill, fails the test, so nothing is left unchecked.
"""

from typing import Any

import pytest
from django.urls import reverse

from kuulo.feedback import invitations, services
from kuulo.feedback.models import Complaint, HeldAnswer, Invitation, ResponseImport
from kuulo.feedback.testing import make_publication, make_survey, make_touchpoint
from kuulo.improvements.models import Action
from kuulo.insights.models import Report, ReportStatus
from kuulo.organisations import services as org_services
from kuulo.organisations.access import Permission, role_permissions
from kuulo.organisations.models import Role, RoleAssignment, UnitType
from kuulo.organisations.testing import World, client_for
from kuulo.webhooks import services as webhooks

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
# The API's operations and the permission each needs (None: any member).
API_OPERATIONS: dict[str, Permission | None] = {
    "api:me": None,
    "api:list_units": Permission.VIEW_UNITS,
    "api:get_unit": Permission.VIEW_UNITS,
    "api:post_responses": Permission.SUBMIT_RESPONSES,
    "api:post_service_volumes": Permission.RECORD_VOLUMES,
    "api:unit_figures": Permission.VIEW_INSIGHTS,
}
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


def holds(role: str, permission: Permission | None) -> bool:
    if role == ANONYMOUS:
        return False
    return permission is None or permission in role_permissions(role)


def url_kwargs(route: Route, world: World, role: str, in_scope: bool) -> dict[str, Any]:
    """Values for the route's parameters: objects the role may reach (in_scope) or must not."""
    unit = world.in_scope_unit(role) if in_scope else world.out_of_scope_unit(role)
    organisation = unit.organisation
    person = world.users[Role.STAFF] if in_scope else world.users["other_admin"]
    made: dict[str, Any] = {}

    def webhook() -> Any:
        if "webhook" not in made:
            made["webhook"] = webhooks.create_endpoint(
                organisation=world.org if in_scope else world.other_org,
                name="Jira",
                url="https://hooks.example.fi/",
                topics=["responses"],
            )[0]
        return made["webhook"]

    def survey() -> Any:
        if "survey" not in made:
            made["survey"] = make_survey(organisation)
        return made["survey"]

    values: dict[str, Any] = {
        "code": lambda: make_publication(unit).code,
        "unit_id": lambda: unit.pk,
        "type_id": lambda: UnitType.objects.filter(organisation=organisation).first().pk,  # type: ignore[union-attr]
        "user_id": lambda: person.pk,
        "assignment_id": lambda: RoleAssignment.objects.filter(membership__user=person).first().pk,  # type: ignore[union-attr]
        "survey_id": lambda: survey().pk,
        "question_id": lambda: survey().questions.first().pk,
        "publication_id": lambda: make_publication(unit).pk,
        "fmt": lambda: "svg",
        "token": lambda: invitations.token_for(
            Invitation.objects.create(
                publication=make_publication(unit), channel="email", address="x@example.test", language="fi"
            )
        ),
        "kiosk_id": lambda: (
            services.create_kiosk(make_publication(unit), name="Lobby", created_by=world.users[Role.ADMIN])[
                0
            ].pk
        ),
        "held_id": lambda: (
            HeldAnswer.objects.create(
                organisation=organisation,
                unit=unit,
                publication=make_publication(unit),
                source_key="kiosk-1",
                payload={"answers": {"csat": 4}},
            ).pk
        ),
        "complaint_id": lambda: (
            Complaint.objects.create(
                organisation=organisation,
                unit=unit,
                kind="complaint",
                case_number=f"C-{unit.pk}",
                received_on="2026-10-01",
            ).pk
        ),
        # Service paths belong to the organisation: out of scope means another organisation.
        "path_id": lambda: make_touchpoint(world.org if in_scope else world.other_org).service_path_id,
        "action_id": lambda: Action.objects.create(organisation=organisation, unit=unit, title="A").pk,
        # The public "you said, we did" page: any organisation's unit may be shown.
        "organisation": lambda: organisation.slug,
        "unit": lambda: unit.code,
        "import_id": lambda: (
            ResponseImport.objects.create(
                publication=make_publication(unit),
                file_name="export.csv",
                file_format="csv",
                columns=["csat"],
            ).pk
        ),
        "key_id": lambda: (
            org_services.create_api_key(
                organisation=organisation, name="k", permissions=["units.view"], whole_organisation=True
            )[0].pk
        ),
        # A report is its requester's: the role's own, of a unit in scope or out of it.
        "report_id": lambda: (
            Report.objects.create(
                organisation=organisation,
                unit=unit,
                period_start="2026-10-01",
                period_end="2026-10-31",
                language="fi",
                requested_by=world.users.get(role, world.users[Role.STAFF]),
                status=ReportStatus.DONE,
                content=b"%PDF-1.4",
            ).pk
        ),
        # Webhooks belong to the organisation: out of scope means another organisation's.
        "endpoint_id": lambda: webhook().pk,
        "delivery_id": lambda: webhooks.send_test_event(webhook()).pk,
        "item_id": lambda: (
            services.create_item(
                organisation=organisation, code="own", kind="yes_no", dimension="other", text_fi="?"
            ).pk
        ),
    }
    missing = [p for p in route.params if p not in values]
    assert not missing, f"{route.name}: teach the access-matrix test the parameter(s) {missing}"
    return {p: values[p]() for p in route.params}


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
