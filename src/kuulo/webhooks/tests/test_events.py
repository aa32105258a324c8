"""Which events become deliveries, for which endpoints, with what in them."""

import json
from datetime import date, timedelta
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from kuulo.feedback import services as feedback
from kuulo.feedback.models import Complaint, SurveyPublication
from kuulo.feedback.testing import make_publication, send_answers
from kuulo.improvements import services as improvements
from kuulo.improvements.models import Action
from kuulo.organisations import services as org_services
from kuulo.organisations.access import Permission
from kuulo.organisations.models import Role
from kuulo.organisations.testing import World
from kuulo.webhooks import events, services
from kuulo.webhooks.models import Delivery, DeliveryStatus, Endpoint, Event, Topic
from kuulo.webhooks.testing import Receiver

ALL_TOPICS = list(Topic.values)


def endpoint(world: World, url: str = "https://hooks.example.fi/kuulo", **fields: Any) -> Endpoint:
    fields.setdefault("topics", ALL_TOPICS)
    fields.setdefault("name", "Jira")
    return services.create_endpoint(organisation=world.org, url=url, **fields)[0]


@pytest.fixture
def publication(world: World) -> SurveyPublication:
    return make_publication(world.unit, items=("csat", "open"))


def api_key(world: World) -> str:
    return org_services.create_api_key(
        organisation=world.org,
        name="E-service",
        permissions=[Permission.SUBMIT_RESPONSES],
        whole_organisation=True,
    )[1]


YESTERDAY = timedelta(days=1)


def yesterdays(
    world: World, publication: SurveyPublication, answers: list[dict[str, Any]], **fields: Any
) -> None:
    """Responses given yesterday: a day that is over, so the row-level policy may release it."""
    send_answers(api_key_owner(world), publication, answers, when=timezone.now() - YESTERDAY, **fields)


def test_a_days_responses_reach_the_receiver_once_the_day_is_over(
    world: World,
    publication: SurveyPublication,
    receiver: Receiver,
    django_capture_on_commit_callbacks: Any,
) -> None:
    endpoint(world, url=receiver.url, topics=[Topic.RESPONSES])
    comments = ["Soita 040 123 4567, kiitos"] + [f"Kommentti {n}" for n in range(9)]
    yesterdays(
        world, publication, [{"csat": 4, "open": text} for text in comments], respondent_type="employer"
    )
    send_answers(api_key_owner(world), publication, [{"csat": 1}] * 12)  # today: not yet
    assert not Delivery.objects.exists()  # nothing is sent as it arrives
    with django_capture_on_commit_callbacks(execute=True):
        assert events.release_responses() == 1
    [request] = receiver.received
    assert request.headers["X-Kuulo-Event"] == "responses.released"
    payload = request.payload
    day = timezone.localdate() - YESTERDAY
    assert payload["event"] == "responses.released" and payload["data"]["day"] == day.isoformat()
    sent = payload["data"]["responses"]
    assert len(sent) == 10 and {r["answers"]["csat"] for r in sent} == {4}
    first = sent[0]
    assert first["unit"]["code"] == world.unit.code and first["touchpoint"]["code"] == "apply"
    assert first["survey"]["id"] == publication.survey_id and first["day"] == day.isoformat()
    # The row-level policy's fields only: no id, no time of day, no respondent group.
    assert not {"id", "responded_at", "respondent_type", "age_band"} & set(first)
    assert "employer" not in request.body.decode()
    texts = {r["answers"]["open"] for r in sent}
    assert not any("040" in text for text in texts) and any("[PHONE]" in text for text in texts)
    assert Delivery.objects.get().status == DeliveryStatus.SUCCEEDED
    with django_capture_on_commit_callbacks(execute=True):
        assert events.release_responses() == 0  # each day once
    assert len(receiver.received) == 1


def test_a_small_days_group_is_never_sent(world: World, publication: SurveyPublication) -> None:
    """Before: every response went out the moment it arrived, with its time and segments."""
    endpoint(world, topics=[Topic.RESPONSES])
    yesterdays(world, publication, [{"csat": 2}] * 9)  # one short of the comment threshold
    assert events.release_responses() == 0 and not Delivery.objects.exists()


def test_contact_details_and_other_attributes_are_never_sent(
    world: World, publication: SurveyPublication
) -> None:
    endpoint(world, topics=[Topic.RESPONSES])
    csat = publication.survey.questions.get(item_version__item__code="csat")
    for _ in range(10):
        feedback.submit_response(
            publication,
            feedback.Submission(
                answers={csat.pk: "2"},
                language="fi",
                responded_at=timezone.now() - YESTERDAY,
                contact={"name": "Maija Meikäläinen", "email": "maija@example.fi", "phone": "0401234567"},
                attributes={"customer_number": "A-1234"},
            ),
        )
    events.release_responses()
    body = json.dumps(Delivery.objects.get().payload)
    assert "Maija" not in body and "maija@example.fi" not in body and "0401234567" not in body
    assert "A-1234" not in body and "contact" not in body


def test_a_large_day_makes_a_bounded_number_of_deliveries(
    world: World, publication: SurveyPublication, monkeypatch: Any
) -> None:
    monkeypatch.setattr(events, "RESPONSES_PER_DELIVERY", 40)
    endpoint(world, topics=[Topic.RESPONSES])
    endpoint(world, topics=[Topic.RESPONSES], name="Power BI")
    yesterdays(world, publication, [{"csat": 1 + n % 5} for n in range(250)])
    assert events.release_responses() == 14
    sizes = sorted(len(d.payload["data"]["responses"]) for d in Delivery.objects.all())
    assert sizes == [10] * 2 + [40] * 12  # 250 responses: 7 deliveries per endpoint, not 250
    sent = [
        r["answers"]["csat"]
        for d in Delivery.objects.filter(endpoint__name="Jira")
        for r in d.payload["data"]["responses"]
    ]
    assert sorted(sent) == sorted(1 + n % 5 for n in range(250))


def api_key_owner(world: World) -> Any:
    key = org_services.create_api_key(
        organisation=world.org,
        name="Import",
        permissions=[Permission.SUBMIT_RESPONSES],
        whole_organisation=True,
    )[0]
    return key


def test_an_endpoint_scoped_to_a_unit_gets_only_that_subtrees_events(world: World) -> None:
    scoped = endpoint(world, unit=world.area)
    everything = endpoint(world, name="Teams")
    inside, outside = make_publication(world.unit), make_publication(world.sibling)
    yesterdays(world, inside, [{"csat": 5}] * 10)
    yesterdays(world, outside, [{"csat": 1}] * 10)
    events.release_responses()
    admin = world.users[Role.ADMIN]
    for unit, case in ((world.unit, "C-1"), (world.sibling, "C-2")):
        feedback.save_complaint(
            Complaint(),
            user=admin,
            unit=unit,
            kind="complaint",
            case_number=case,
            received_on=date(2026, 10, 1),
        )
        improvements.save_action(Action(), user=admin, unit=unit, title=f"Action {case}")

    def units_sent(target: Endpoint) -> set[str]:
        codes = set()
        for delivery in target.deliveries.all():
            data = delivery.payload["data"]
            for thing in data.get("responses", []) + [data[k] for k in ("complaint", "action") if k in data]:
                codes.add(thing["unit"]["code"])
        return codes

    assert units_sent(scoped) == {world.unit.code}
    assert units_sent(everything) == {world.unit.code, world.sibling.code}
    assert sorted(scoped.deliveries.values_list("event", flat=True)) == [
        Event.ACTION_CREATED,
        Event.COMPLAINT_CREATED,
        Event.RESPONSES_RELEASED,
    ]


def test_only_active_endpoints_of_the_organisation_subscribed_to_the_topic_get_events(
    world: World, publication: SurveyPublication
) -> None:
    complaints_only = endpoint(world, topics=[Topic.COMPLAINTS])
    switched_off = endpoint(world, name="Old", active=False)
    other_org = services.create_endpoint(
        organisation=world.other_org, name="B", url="https://b.example.fi/", topics=ALL_TOPICS
    )[0]
    yesterdays(world, publication, [{"csat": 4}] * 10)
    events.release_responses()
    improvements.save_action(Action(), user=world.users[Role.ADMIN], unit=world.unit, title="Chat")
    assert not complaints_only.deliveries.exists()
    assert not switched_off.deliveries.exists() and not other_org.deliveries.exists()


def test_complaints_are_sent_when_registered_and_when_changed(world: World) -> None:
    target = endpoint(world, topics=[Topic.COMPLAINTS])
    admin = world.users[Role.ADMIN]
    complaint = feedback.save_complaint(
        Complaint(),
        user=admin,
        unit=world.unit,
        kind="reminder",
        case_number="DNRO-7",
        received_on=date(2026, 10, 1),
        handler=admin,
        summary="Asiakas 131052-308T odotti kauan.",
    )
    feedback.save_complaint(complaint, user=admin, status="in_progress")
    created, updated = target.deliveries.order_by("pk")
    assert created.event == Event.COMPLAINT_CREATED and updated.event == Event.COMPLAINT_UPDATED
    sent = updated.payload["data"]["complaint"]
    assert sent["case_number"] == "DNRO-7" and sent["status"] == "in_progress" and sent["kind"] == "reminder"
    assert sent["received_on"] == "2026-10-01" and sent["url"].endswith(
        f"/feedback/complaints/{complaint.pk}/"
    )
    assert "131052" not in sent["summary"] and "handler" not in sent
    assert admin.username not in json.dumps(updated.payload)


def test_actions_are_sent_when_created_saved_and_moved(world: World) -> None:
    target = endpoint(world, topics=[Topic.ACTIONS])
    manager = world.users[Role.MANAGER]
    action = improvements.save_action(Action(), user=manager, unit=world.unit, title="Chat", status="planned")
    improvements.save_action(action, user=manager, title="Chat-palvelu")
    improvements.move_action(action, user=manager, step=1)
    events_sent = [
        (d.event, d.payload["data"]["action"]["title"], d.payload["data"]["action"]["status"])
        for d in target.deliveries.order_by("pk")
    ]
    assert events_sent == [
        (Event.ACTION_CREATED, "Chat", "planned"),
        (Event.ACTION_UPDATED, "Chat-palvelu", "planned"),
        (Event.ACTION_UPDATED, "Chat-palvelu", "in_progress"),
    ]


def test_nothing_is_delivered_when_the_cause_is_rolled_back(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    endpoint(world)
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(RuntimeError), transaction.atomic():
        feedback.save_complaint(
            Complaint(),
            user=world.users[Role.ADMIN],
            unit=world.unit,
            kind="complaint",
            case_number="X",
            received_on=date(2026, 10, 1),
        )
        raise RuntimeError("the surrounding work failed")
    assert not Delivery.objects.exists() and callbacks == []
