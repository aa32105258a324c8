"""GET /api/v1/insights/units: the overview's figures for other systems, with the same
scope and suppression, and never the counts behind hidden figures."""

from datetime import timedelta
from typing import Any

from django.test import Client
from django.utils import timezone

from kuulo.feedback.testing import make_publication, send_answers
from kuulo.organisations import services as org_services
from kuulo.organisations.access import Permission
from kuulo.organisations.models import Role
from kuulo.organisations.testing import World, client_for

URL = "/api/v1/insights/units"


def send(world: World, unit: Any, answers: list[dict[str, Any]]) -> None:
    publication = make_publication(unit, items=("csat",))
    when = timezone.now() - timedelta(days=2)
    send_answers(world.users[Role.ADMIN], publication, answers, when=when)


def test_a_key_reads_its_units_figures_with_small_groups_hidden(world: World) -> None:
    send(world, world.unit, [{"csat": 4}] * 12)
    send(world, world.area, [{"csat": 2}] * 2)
    _, secret = org_services.create_api_key(
        organisation=world.org, name="Power BI", permissions=[Permission.VIEW_INSIGHTS], units=[world.area]
    )
    body = Client(headers={"authorization": f"Bearer {secret}"}).get(URL).json()
    units = {row["unit"]: row for row in body["units"]}
    assert set(units) == {"a-area", "a-unit"} and body["reporting_threshold"] == 5
    # The area's own two answers are a small group: the unit below it is hidden with them,
    # or the area minus the unit would give them.
    assert units["a-area"]["responses"]["value"] == 14.0
    assert units["a-area"]["metrics"]["csat"]["value"] == (12 * 4 + 2 * 2) / 14
    assert (
        units["a-unit"]["metrics"]["csat"]["value"] is None and units["a-unit"]["metrics"]["csat"]["hidden"]
    )
    assert units["a-unit"]["responses"] == {
        "value": None, "hidden": True, "change": None, "significant": False, "target": None,
    }  # fmt: skip
    assert "n" not in units["a-unit"]["metrics"]["csat"]


def test_people_and_keys_without_the_right_are_refused(world: World) -> None:
    _, secret = org_services.create_api_key(
        organisation=world.org,
        name="E-service",
        permissions=[Permission.SUBMIT_RESPONSES],
        whole_organisation=True,
    )
    assert Client(headers={"authorization": f"Bearer {secret}"}).get(URL).status_code == 403
    assert client_for(world.users[Role.STAFF]).get(URL).status_code == 200
    bad = client_for(world.users[Role.ADMIN]).get(f"{URL}?start=2026-05-01&end=2026-04-01")
    assert bad.status_code == 422
    assert (
        "/api/v1/insights/units"
        in client_for(world.users[Role.ADMIN]).get("/api/openapi.json").json()["paths"]
    )
