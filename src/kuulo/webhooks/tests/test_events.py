"""Which events become deliveries, for which endpoints, with what in them."""

import json
from datetime import date
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from kuulo.feedback import services as feedback
from kuulo.feedback.models import Complaint, Response, SurveyPublication
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


def test_a_response_from_the_public_form_reaches_the_receiver(
    world: World,
    publication: SurveyPublication,
    receiver: Receiver,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.KUULO_SURVEY_MIN_SECONDS = 0
    endpoint(world, url=receiver.url, topics=[Topic.RESPONSES])
    ids = {
        q.item_version.item.code: q.pk
        for q in publication.survey.questions.select_related("item_version__item")
    }
    client = Client()
    url = reverse("feedback:respond", args=[publication.code])
    started = client.get(url).context["started"]
    with django_capture_on_commit_callbacks(execute=True):
        answered = client.post(
            url, {"started": started, f"q{ids['csat']}": "4", f"q{ids['open']}": "Soita 040 123 4567, kiitos"}
        )
    assert answered.status_code == 302
    [request] = receiver.received
    assert request.headers["X-Kuulo-Event"] == "responses.created"
    payload = request.payload
    [sent] = payload["data"]["responses"]
    stored = Response.objects.get()
    assert sent["id"] == stored.pk and sent["unit"]["code"] == world.unit.code
    assert sent["survey"]["id"] == publication.survey_id and sent["touchpoint"]["code"] == "apply"
    assert sent["answers"]["csat"] == 4
    assert "040" not in sent["answers"]["open"] and "[PHONE]" in sent["answers"]["open"]
    assert payload["organisation"] == world.org.slug and payload["event"] == "responses.created"
    assert Delivery.objects.get().status == DeliveryStatus.SUCCEEDED


def test_contact_details_and_other_attributes_are_never_sent(
    world: World, publication: SurveyPublication
) -> None:
    endpoint(world, topics=[Topic.RESPONSES])
    csat = publication.survey.questions.get(item_version__item__code="csat")
    feedback.submit_response(
        publication,
        feedback.Submission(
            answers={csat.pk: "2"},
            language="fi",
            contact={"name": "Maija Meikäläinen", "email": "maija@example.fi", "phone": "0401234567"},
            attributes={"customer_number": "A-1234"},
        ),
    )
    body = json.dumps(Delivery.objects.get().payload)
    assert "Maija" not in body and "maija@example.fi" not in body and "0401234567" not in body
    assert "A-1234" not in body and "contact" not in body


def test_an_ingest_api_batch_is_one_delivery_naming_every_response(
    world: World, publication: SurveyPublication
) -> None:
    endpoint(world, topics=[Topic.RESPONSES])
    body = {"responses": [{"link": publication.code, "answers": {"csat": n}} for n in (1, 3, 5)]}
    headers = {"authorization": f"Bearer {api_key(world)}"}
    answer = Client(headers=headers).post(
        "/api/v1/responses", data=json.dumps(body), content_type="application/json"
    )
    assert answer.status_code == 201, answer.content
    [delivery] = Delivery.objects.all()
    sent = delivery.payload["data"]["responses"]
    assert [r["id"] for r in sent] == [r["id"] for r in answer.json()["results"]]
    assert [r["answers"]["csat"] for r in sent] == [1, 3, 5]
    assert all(r["channel"] == "api" for r in sent)


def test_a_large_batch_makes_a_bounded_number_of_deliveries(
    world: World, publication: SurveyPublication, monkeypatch: Any
) -> None:
    monkeypatch.setattr(events, "RESPONSES_PER_DELIVERY", 40)
    monkeypatch.setattr(events, "FLUSH_EVERY", 3)  # stored in several groups
    endpoint(world, topics=[Topic.RESPONSES])
    endpoint(world, topics=[Topic.RESPONSES], name="Power BI")
    send_answers(api_key_owner(world), publication, [{"csat": 1 + n % 5} for n in range(250)])
    sizes = sorted(len(d.payload["data"]["responses"]) for d in Delivery.objects.all())
    assert sizes == [10] * 2 + [40] * 12  # 250 responses: 7 deliveries per endpoint, not 250
    sent_ids = {
        r["id"]
        for d in Delivery.objects.filter(endpoint__name="Jira")
        for r in d.payload["data"]["responses"]
    }
    assert sent_ids == set(Response.objects.values_list("pk", flat=True))


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
    sender = api_key_owner(world)
    send_answers(sender, inside, [{"csat": 5}])
    send_answers(sender, outside, [{"csat": 1}, {"csat": 2}])
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
        Event.RESPONSES_CREATED,
    ]


def test_only_active_endpoints_of_the_organisation_subscribed_to_the_topic_get_events(
    world: World, publication: SurveyPublication
) -> None:
    complaints_only = endpoint(world, topics=[Topic.COMPLAINTS])
    switched_off = endpoint(world, name="Old", active=False)
    other_org = services.create_endpoint(
        organisation=world.other_org, name="B", url="https://b.example.fi/", topics=ALL_TOPICS
    )[0]
    send_answers(api_key_owner(world), publication, [{"csat": 4}])
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
