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


def test_a_key_reads_its_units_figures_rounded_with_small_groups_hidden(world: World) -> None:
    send(world, world.unit, [{"csat": 4}] * 7 + [{"csat": 5}] * 5)
    send(world, world.area, [{"csat": 2}] * 2)
    _, secret = org_services.create_api_key(
        organisation=world.org, name="Power BI", permissions=[Permission.VIEW_INSIGHTS], units=[world.area]
    )
    body = Client(headers={"authorization": f"Bearer {secret}"}).get(URL).json()
    units = {row["unit"]: row for row in body["units"]}
    assert set(units) == {"a-area", "a-unit"} and body["reporting_threshold"] == 5
    assert body["end"] == (timezone.localdate() - timedelta(days=1)).isoformat()  # complete days only
    # Rounded as the dashboards show it: 53 / 12 = 4.4166… is 4.4, never more decimals.
    assert units["a-unit"]["responses"]["value"] == 12.0
    assert units["a-unit"]["metrics"]["csat"]["value"] == 4.4
    # The area's own two answers are a small group on their day: the area holds them, so the
    # periods it is shown for are cut by that day (whole months or longer); nothing of it is
    # sent, not even how many.
    area = units["a-area"]
    assert area["metrics"]["csat"]["value"] is None and area["metrics"]["csat"]["hidden"]
    assert area["responses"] == {
        "value": None, "hidden": True, "shown_for": area["responses"]["shown_for"], "change": None,
        "significant": False, "target": None,
    }  # fmt: skip
    assert area["responses"]["shown_for"] in ("months", "quarters", "years", None)
    assert "n" not in area["metrics"]["csat"]


def test_a_period_ending_today_is_cut_to_yesterday(world: World) -> None:
    """Today's answers change the count one by one: two readings minutes apart would give
    each one away. They count from tomorrow."""
    send(world, world.unit, [{"csat": 4}] * 6)
    publication = make_publication(world.unit, items=("csat",))
    send_answers(world.users[Role.ADMIN], publication, [{"csat": 1}] * 6)  # now
    today = timezone.localdate()
    query = f"?start={today - timedelta(days=6)}&end={today}"
    client = client_for(world.users[Role.ADMIN])
    body = client.get(URL + query).json()
    unit = next(row for row in body["units"] if row["unit"] == "a-unit")
    assert body["end"] == str(today - timedelta(days=1)) and unit["responses"]["value"] == 6.0


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
