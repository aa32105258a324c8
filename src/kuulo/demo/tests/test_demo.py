"""The demo organisation that `make run` loads and the login details it prints."""

import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from kuulo.feedback.models import Complaint, HeldAnswer, Response, SurveyPublication
from kuulo.followups.models import FollowUp
from kuulo.improvements.models import Action, ActionStatus
from kuulo.insights.models import AlertSubscription, DailyItemStats
from kuulo.organisations.models import Organisation, Role, RoleAssignment, Unit
from kuulo.webhooks.models import Delivery, Endpoint


@pytest.fixture
def var_dir(settings: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    settings.VAR_DIR = tmp_path
    monkeypatch.setenv("KUULO_DEMO_PASSWORD", "demo-Password-2026")
    return tmp_path


def test_seed_demo_builds_a_realistic_organisation_and_prints_working_logins(db: Any, var_dir: Any) -> None:
    call_command("seed_demo", "--days", "20", stdout=StringIO())
    organisation = Organisation.objects.get()
    assert Unit.objects.filter(organisation=organisation).count() >= 20
    assert {"fi", "sv"} <= set(Unit.objects.values_list("language", flat=True))
    assert set(RoleAssignment.objects.values_list("role", flat=True)) == set(Role.values)
    assert Response.objects.filter(channel="verbal").exists() and Complaint.objects.exists()
    assert Response.objects.exclude(channel="verbal").count() > 300
    assert SurveyPublication.objects.count() >= 10
    # Later views look real: aggregates for the dashboards, actions on the board, a subscriber.
    assert DailyItemStats.objects.exists() and AlertSubscription.objects.exists()
    # Twenty days are too few to measure an action's effect (28 days before and after).
    statuses = set(Action.objects.values_list("status", flat=True))
    assert statuses == set(ActionStatus.values) - {ActionStatus.MEASURED}
    for action in Action.objects.select_related("unit"):  # in the unit's language
        assert (action.unit.language == "sv") == ("svenska" in action.unit.code)
        assert not any(word in action.title for word in ("the ", "for ", "instead"))
    # An example webhook to look at, switched off: seeding calls no other system.
    assert Endpoint.objects.filter(organisation=organisation, active=False).exists()
    assert not Delivery.objects.exists()
    # A kiosk with an answer on hold, for trying the CX lead's accept.
    assert HeldAnswer.objects.filter(kiosk__publication__unit__code="kuopio-students").count() == 1
    # People who asked to be contacted: new, overdue, answered and closed, in the unit's language.
    cases = FollowUp.objects.select_related("response", "unit")
    assert cases.open().filter(due_on__lt=timezone.localdate()).count() == 1
    assert cases.closed().count() == 2 and cases.open().filter(assignee=None).count() == 2
    assert {case.response.language for case in cases if case.unit.code == "svenska-students"} == {"sv"}

    output = StringIO()
    call_command("demo_info", "--port", "8123", stdout=output)
    printed = output.getvalue()
    assert "http://127.0.0.1:8123/" in printed and "demo-Password-2026" in printed
    for username in ["admin", "cxlead", "manager", "staff", "accounts", "viewer"]:
        assert f"    {username} " in printed
        client = Client()
        assert (
            client.post("/accounts/login/", {"login": username, "password": "demo-Password-2026"}).status_code
            == 302
        )
    key = (var_dir / "demo-api-key").read_text()
    assert key in printed
    link = printed.split('"link": "')[1].split('"')[0]
    response = Client(headers={"authorization": f"Bearer {key}"}).post(
        "/api/v1/responses",
        data=json.dumps({"link": link, "answers": {"csat": 5}}),
        content_type="application/json",
    )
    assert response.status_code == 201

    call_command("seed_demo", "--if-empty", stdout=StringIO())  # a second `make run` changes nothing
    assert Organisation.objects.count() == 1
