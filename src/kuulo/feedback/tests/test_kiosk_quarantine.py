"""A kiosk never loses an answer it thanked for: a survey a kiosk cannot complete gets
no kiosk, and answers the server still refuses are held for a CX lead to accept or
discard, redacted like any answer."""

import json
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import translation

from kuulo.audit.models import AuditEvent
from kuulo.feedback import quarantine, services
from kuulo.feedback.models import Channel, HeldAnswer, HeldAnswerStatus, Kiosk, Response, SurveyPublication
from kuulo.feedback.testing import make_publication, make_survey
from kuulo.organisations.models import Role
from kuulo.organisations.testing import World, client_for

URL = "/api/v1/responses"


@pytest.fixture
def publication(world: World) -> SurveyPublication:
    # Reasons are kept in the unit's service language (English here, for the assertions).
    world.unit.language = "en"
    world.unit.save(update_fields=["language"])
    return make_publication(world.unit, items=("csat", "open"))


@pytest.fixture
def kiosk(world: World, publication: SurveyPublication) -> tuple[Kiosk, str]:
    return services.create_kiosk(publication, name="Aula", created_by=world.users[Role.ADMIN])


def send(token: str, items: list[dict[str, Any]], language: str = "en") -> Any:
    client = Client(headers={"authorization": f"Bearer {token}", "accept-language": language})
    return client.post(URL, data=json.dumps({"responses": items}), content_type="application/json")


def tap(publication: SurveyPublication, key: str, csat: int = 4, text: str = "") -> dict[str, Any]:
    answers: dict[str, Any] = {"csat": csat} | ({"open": text} if text else {})
    return {"link": publication.code, "channel": "kiosk", "idempotency_key": key, "answers": answers}


def test_a_survey_with_other_required_questions_gets_no_kiosk(world: World) -> None:
    # The THL set requires its NPS question, which a one-tap kiosk never asks.
    survey = make_survey(world.org, items=("csat",), standard_set="thl-asiakaspalaute")
    publication = services.publish_survey(survey, [world.unit])[0]
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        services.create_kiosk(publication, name="Aula", created_by=world.users[Role.ADMIN])
    assert "requires answers to other questions too" in " ".join(refused.value.messages)
    assert not Kiosk.objects.exists()


def test_answers_the_server_refuses_are_held_not_lost(
    world: World, publication: SurveyPublication, kiosk: tuple[Kiosk, str]
) -> None:
    _, token = kiosk
    first = send(token, [tap(publication, "kiosk-1", 5)])
    assert first.status_code == 201
    services.close_survey(publication.survey)  # closed while the tablet still shows it
    batch = [tap(publication, "kiosk-2", 2, "Soita minulle 040 1234567"), tap(publication, "kiosk-3", 3)]
    response = send(token, batch)
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["created"], body["held"]) == (0, 2)
    assert [r["status"] for r in body["results"]] == ["held", "held"]
    held = HeldAnswer.objects.get(source_key="kiosk-2")
    assert held.status == HeldAnswerStatus.HELD and held.unit == world.unit
    assert held.payload["answers"]["csat"] == 2
    assert "040" not in held.payload["answers"]["open"] and "[" in held.payload["answers"]["open"]
    assert held.reasons == [{"field": "link", "message": "This survey is not open for answers."}]
    # The kiosk sends the same batch again (it never heard the reply): held once.
    assert send(token, batch).status_code == 200
    assert HeldAnswer.objects.count() == 2 and Response.objects.count() == 1


def test_reasons_are_kept_in_the_units_language_whatever_the_tablet_shows(
    world: World, publication: SurveyPublication, kiosk: tuple[Kiosk, str]
) -> None:
    services.close_survey(publication.survey)
    assert send(kiosk[1], [tap(publication, "kiosk-sv", 4)], language="sv").status_code == 200
    assert HeldAnswer.objects.get().reasons == [
        {"field": "link", "message": "This survey is not open for answers."}
    ]


def test_a_mixed_batch_stores_what_it_can_and_holds_the_rest(
    world: World, publication: SurveyPublication, kiosk: tuple[Kiosk, str]
) -> None:
    _, token = kiosk
    response = send(token, [tap(publication, "ok"), tap(publication, "bad", csat=9)])
    assert response.status_code == 201
    assert [r["status"] for r in response.json()["results"]] == ["created", "held"]
    assert Response.objects.get().source_key == "ok"
    assert HeldAnswer.objects.get().reasons[0]["field"] == "answers.csat"


def test_other_api_keys_still_get_every_error_and_nothing_is_held(
    world: World, publication: SurveyPublication
) -> None:
    from kuulo.organisations import services as org_services

    _, token = org_services.create_api_key(
        organisation=world.org, name="E-service", permissions=["responses.submit"], units=[world.unit]
    )
    assert send(token, [tap(publication, "x", csat=9)]).status_code == 422
    assert not HeldAnswer.objects.exists()


def test_the_cx_lead_sees_the_reason_and_accepts_once_the_cause_is_fixed(
    world: World, publication: SurveyPublication, kiosk: tuple[Kiosk, str]
) -> None:
    _, token = kiosk
    services.close_survey(publication.survey)
    send(token, [tap(publication, "kiosk-9", 1, "Jono oli pitkä")])
    held = HeldAnswer.objects.get()
    lead = client_for(world.users[Role.CX_LEAD])
    lead.cookies["django_language"] = "en"
    page = lead.get("/feedback/kiosks/on-hold/").content.decode()
    assert "This survey is not open for answers." in page and "Jono oli pitkä" in page
    assert "1 answer on hold" in lead.get(f"/feedback/surveys/{publication.survey_id}/").content.decode()

    # Still closed: accepting fails and the answer stays on hold.
    lead.post(f"/feedback/kiosks/on-hold/{held.pk}/", {"decision": "accept"})
    held.refresh_from_db()
    assert held.status == HeldAnswerStatus.HELD and not Response.objects.exists()

    services.publish_survey(publication.survey, [world.unit])  # the cause is fixed
    lead.post(f"/feedback/kiosks/on-hold/{held.pk}/", {"decision": "accept"})
    held.refresh_from_db()
    assert held.status == HeldAnswerStatus.ACCEPTED and held.payload == {}  # no second copy kept
    stored = Response.objects.get()
    assert (stored.channel, stored.unit, stored.source_key) == (Channel.KIOSK, world.unit, "kiosk-9")
    assert stored.answers.get(item_version__item__code="csat").number == 1
    assert AuditEvent.objects.filter(action="held_answer.accepted").exists()
    assert "No kiosk answers are on hold" in lead.get("/feedback/kiosks/on-hold/").content.decode()


def test_questions_the_kiosk_never_asked_may_stay_unanswered_when_accepted(
    world: World, publication: SurveyPublication
) -> None:
    held = HeldAnswer.objects.create(
        organisation=world.org,
        unit=world.unit,
        publication=publication,
        source_key="k",
        payload={"answers": {"csat": 5}, "language": "sv"},
    )
    publication.survey.questions.update(required=True)  # e.g. the open question became required
    response_id = quarantine.accept(held, user=world.users[Role.CX_LEAD])
    assert Response.objects.get(pk=response_id).language == "sv"


def test_discarding_deletes_what_the_answer_said(
    world: World, publication: SurveyPublication, kiosk: tuple[Kiosk, str]
) -> None:
    services.close_survey(publication.survey)
    send(kiosk[1], [tap(publication, "kiosk-5", 1, "testi")])
    held = HeldAnswer.objects.get()
    client_for(world.users[Role.CX_LEAD]).post(
        f"/feedback/kiosks/on-hold/{held.pk}/", {"decision": "discard"}
    )
    held.refresh_from_db()
    assert (held.status, held.payload) == (HeldAnswerStatus.DISCARDED, {})
    assert AuditEvent.objects.filter(action="held_answer.discarded").exists()


def test_a_manager_of_another_unit_neither_sees_nor_decides(
    world: World, publication: SurveyPublication, kiosk: tuple[Kiosk, str]
) -> None:
    services.close_survey(publication.survey)
    send(kiosk[1], [tap(publication, "kiosk-7", 2, "CANARY-held")])
    held = HeldAnswer.objects.get()
    outsider = world.users["other_admin"]
    client = client_for(outsider)
    assert "CANARY-held" not in client.get("/feedback/kiosks/on-hold/").content.decode()
    assert client.post(f"/feedback/kiosks/on-hold/{held.pk}/", {"decision": "discard"}).status_code == 404
    held.refresh_from_db()
    assert held.status == HeldAnswerStatus.HELD
