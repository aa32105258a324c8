"""POST /api/v1/responses: API keys, single responses and batches, idempotent retries,
per-item errors with nothing stored, and keys that cannot reach other units."""

import json
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone

from kuulo.feedback import ingest, services
from kuulo.feedback.models import Channel, Response, SurveyPublication
from kuulo.feedback.testing import make_publication
from kuulo.organisations import services as org_services
from kuulo.organisations.access import Permission
from kuulo.organisations.models import ApiKey
from kuulo.organisations.testing import World

URL = "/api/v1/responses"


@pytest.fixture
def publication(world: World) -> SurveyPublication:
    return make_publication(world.unit, items=("csat", "open"))


def new_key(world: World, units: list[Any] | None = None, permissions: list[str] | None = None) -> str:
    _, secret = org_services.create_api_key(
        organisation=world.org,
        name="E-service",
        permissions=permissions or [Permission.SUBMIT_RESPONSES],
        units=units if units is not None else [world.area],
    )
    return secret


def post(body: Any, key: str, header: str = "bearer") -> Any:
    headers = {"authorization": f"Bearer {key}"} if header == "bearer" else {"x-api-key": key}
    headers["accept-language"] = "en"  # the assertions read messages in English
    return Client(headers=headers).post(URL, data=json.dumps(body), content_type="application/json")


def item(publication: SurveyPublication, key: str | None = None, **answers: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"link": publication.code, "answers": answers or {"csat": 5}}
    if key:
        body["idempotency_key"] = key
    return body


def test_a_single_response_is_stored(world: World, publication: SurveyPublication) -> None:
    response = post(
        {
            **item(publication, csat=4, open="Nopea käsittely"),
            "responded_at": "2026-10-01T09:30:00+03:00",
            "respondent_type": "employer",
        },
        new_key(world),
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["created"] == 1 and body["results"][0]["status"] == "created"
    stored = Response.objects.get(pk=body["results"][0]["id"])
    assert (
        stored.channel == Channel.API and stored.unit == world.unit and stored.respondent_type == "employer"
    )
    assert stored.responded_at.isoformat().startswith("2026-10-01T06:30")
    assert {a.item_version.item.code: a.number for a in stored.answers.all()}["csat"] == 4


def test_x_api_key_header_works_too(world: World, publication: SurveyPublication) -> None:
    assert post(item(publication), new_key(world), header="x-api-key").status_code == 201


def test_retried_batch_creates_no_duplicates(world: World, publication: SurveyPublication) -> None:
    key = new_key(world)
    batch = {"responses": [item(publication, f"case-{n}", csat=n) for n in range(1, 6)]}
    first = post(batch, key)
    assert first.status_code == 201 and first.json()["created"] == 5
    again = post(batch, key)
    assert again.status_code == 200
    assert again.json()["duplicates"] == 5 and again.json()["created"] == 0
    assert [r["id"] for r in again.json()["results"]] == [r["id"] for r in first.json()["results"]]
    assert Response.objects.count() == 5
    # A partly new batch stores only the new ones.
    mixed = post({"responses": [batch["responses"][0], item(publication, "case-6")]}, key).json()
    assert (mixed["created"], mixed["duplicates"]) == (1, 1) and Response.objects.count() == 6


def test_a_resend_written_differently_is_still_a_duplicate(
    world: World, publication: SurveyPublication
) -> None:
    key = new_key(world)
    first = {"idempotency_key": "k-1", "answers": {"csat": 4, "open": "Kiitos"}, "link": publication.code}
    assert post(first, key).status_code == 201
    # Another key order, the number as a string: the same response.
    again = {"link": publication.code, "answers": {"open": "Kiitos", "csat": "4"}, "idempotency_key": "k-1"}
    response = post(again, key)
    assert response.status_code == 200 and response.json()["duplicates"] == 1
    assert Response.objects.count() == 1


def test_the_same_key_with_other_content_is_a_conflict_and_nothing_is_stored(
    world: World, publication: SurveyPublication
) -> None:
    key = new_key(world)
    assert post(item(publication, "case-1", csat=1), key).status_code == 201
    batch = {"responses": [item(publication, "case-2", csat=3), item(publication, "case-1", csat=5)]}
    response = post(batch, key)
    assert response.status_code == 409, response.content
    body = response.json()
    assert [(e["index"], e["field"]) for e in body["errors"]] == [(1, "idempotency_key")]
    assert "different response" in body["errors"][0]["message"]
    assert "results" not in body  # no response id in a refusal
    assert Response.objects.count() == 1  # case-2 was not stored either
    assert [a.number for a in Response.objects.get().answers.all()] == [1]


def test_keys_are_scoped_to_the_survey_link(world: World, publication: SurveyPublication) -> None:
    """Another unit's sender using the same key stores its own response and never learns
    the first one's id (keys were once organisation-wide, and the reply gave it away)."""
    sibling_link = make_publication(world.sibling)
    here = post(item(publication, "shared-key"), new_key(world, units=[world.unit])).json()
    there = post(item(sibling_link, "shared-key"), new_key(world, units=[world.sibling]))
    assert there.status_code == 201, there.content
    assert there.json()["created"] == 1
    assert there.json()["results"][0]["id"] != here["results"][0]["id"]
    assert Response.objects.filter(source_key="shared-key").count() == 2


def test_a_bad_batch_is_refused_with_errors_per_item_and_nothing_stored(
    world: World, publication: SurveyPublication
) -> None:
    batch = {
        "responses": [
            item(publication, "ok-1", csat=5),
            item(publication, "bad-1", csat=9),
            {**item(publication, "bad-2"), "language": "de", "answers": {"nonsense": 1}},
            item(publication, "ok-1"),  # the same key twice in one batch
            {"link": "no-such", "answers": {"csat": 3}},
        ]
    }
    response = post(batch, new_key(world))
    assert response.status_code == 422
    errors = {(e["index"], e["field"]) for e in response.json()["errors"]}
    assert errors == {
        (1, "answers.csat"),
        (2, "language"),
        (2, "answers.nonsense"),
        (3, "idempotency_key"),
        (4, "link"),
    }
    assert Response.objects.count() == 0


def test_keys_cannot_reach_other_units(world: World, publication: SurveyPublication) -> None:
    elsewhere = make_publication(world.sibling)
    other_org = make_publication(world.other_org_unit)
    key = new_key(world, units=[world.area])
    for foreign in (elsewhere, other_org):
        response = post(item(foreign), key)
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "link"
    assert post(item(publication), key).status_code == 201
    assert Response.objects.count() == 1


def test_permissions_and_revocation(world: World, publication: SurveyPublication) -> None:
    read_only = new_key(world, permissions=[Permission.VIEW_UNITS])
    assert post(item(publication), read_only).status_code == 403
    assert Client(headers={"authorization": f"Bearer {read_only}"}).get("/api/v1/units").status_code == 200
    key = new_key(world)
    org_services.revoke_api_key(ApiKey.objects.get(prefix=key.split("_")[1]))
    assert post(item(publication), key).status_code == 401
    assert post(item(publication), "kuulo_nothing_here").status_code == 401
    assert Response.objects.count() == 0


def test_a_closed_survey_refuses_the_whole_batch(world: World, publication: SurveyPublication) -> None:
    closed = make_publication(world.unit)
    services.close_survey(closed.survey)
    batch = {
        "responses": [item(publication, "open-1"), item(closed, "closed-1"), item(publication, "open-2")]
    }
    response = post(batch, new_key(world))
    assert response.status_code == 422
    assert [(e["index"], e["field"]) for e in response.json()["errors"]] == [(1, "link")]
    assert Response.objects.count() == 0


def test_verbal_feedback_cannot_be_sent_through_the_api(world: World, publication: SurveyPublication) -> None:
    batch = {"responses": [item(publication, "ok-1"), {**item(publication, "verbal-1"), "channel": "verbal"}]}
    response = post(batch, new_key(world))
    assert response.status_code == 422
    assert [(e["index"], e["field"]) for e in response.json()["errors"]] == [(1, "channel")]
    assert Response.objects.count() == 0


def test_answer_times_must_be_zoned_and_not_in_the_future(
    world: World, publication: SurveyPublication
) -> None:
    key = new_key(world)
    future = (timezone.now() + timedelta(minutes=10)).isoformat()
    batch = {
        "responses": [
            {**item(publication), "responded_at": future},
            {**item(publication), "responded_at": "2026-10-01T09:30:00"},  # no zone
            {**item(publication), "responded_at": "2025-03-04T05:06:07+02:00"},
        ]
    }
    response = post(batch, key)
    assert response.status_code == 422
    assert [(e["index"], e["field"]) for e in response.json()["errors"]] == [
        (0, "responded_at"),
        (1, "responded_at"),
    ]
    assert Response.objects.count() == 0
    # A past time is stored as given; a minute ahead (a sender's clock skew) is allowed.
    skewed = (timezone.now() + timedelta(minutes=1)).isoformat()
    batch = {"responses": [batch["responses"][2], {**item(publication), "responded_at": skewed}]}
    response = post(batch, key)
    assert response.status_code == 201, response.content
    stored = Response.objects.get(pk=response.json()["results"][0]["id"])
    assert stored.responded_at == datetime(2025, 3, 4, 3, 6, 7, tzinfo=UTC)


def test_a_key_stored_by_another_request_meanwhile_is_a_duplicate(
    world: World, publication: SurveyPublication, monkeypatch: pytest.MonkeyPatch
) -> None:
    raced: list[Response] = []

    def racing_atomic(*args: Any, **kwargs: Any) -> Any:
        # store() looks up the batch's keys, then opens its transaction to insert. Just
        # before that first transaction, another request stores "race-2", so the insert
        # hits the unique key and store() must fall back to _store_one_by_one.
        if not raced:
            raced.append(
                Response.objects.create(
                    organisation=world.org,
                    unit=world.unit,
                    survey=publication.survey,
                    publication=publication,
                    channel=Channel.API,
                    responded_at=timezone.now(),
                    language="fi",
                    source_key="race-2",
                )
            )
        return transaction.atomic(*args, **kwargs)

    # Only the ingest module's reference is replaced: Django's own atomic is untouched.
    monkeypatch.setattr(ingest, "transaction", SimpleNamespace(atomic=racing_atomic))
    batch = {"responses": [item(publication, f"race-{n}", csat=n) for n in (1, 2, 3)]}
    response = post(batch, new_key(world))
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["created"], body["duplicates"]) == (2, 1)
    assert [r["status"] for r in body["results"]] == ["created", "duplicate", "created"]
    assert body["results"][1]["id"] == raced[0].pk
    for n in (1, 2, 3):
        assert Response.objects.filter(source_key=f"race-{n}").count() == 1
    assert Response.objects.count() == 3
    for result, csat in ((body["results"][0], 1), (body["results"][2], 3)):
        stored = Response.objects.get(pk=result["id"])
        assert [a.number for a in stored.answers.all()] == [csat]
    assert not raced[0].answers.exists()  # the other request's response is left as it was


def test_schema_describes_the_endpoint(db: Any) -> None:
    schema = Client().get("/api/openapi.json").json()
    operation = schema["paths"]["/api/v1/responses"]["post"]
    assert {"201", "409", "422"} <= set(operation["responses"])
    assert "ErrorOut" in json.dumps(operation["responses"]["422"])


def test_only_declared_attributes_are_stored_short_and_redacted(
    world: World, publication: SurveyPublication
) -> None:
    world.org.response_attributes = ["campus", "programme"]
    world.org.save()
    key = new_key(world)
    refused = post(
        {
            "responses": [
                {**item(publication), "attributes": {"campus": "Pasila", "hetu": "131052-308T"}},
                {**item(publication), "attributes": {"programme": "x" * 2_000_000}},
            ]
        },
        key,
    )
    assert refused.status_code in (413, 422)
    if refused.status_code == 422:
        fields = [(e["index"], e["field"]) for e in refused.json()["errors"]]
        assert fields == [(0, "attributes.hetu"), (1, "attributes.programme")]
    assert Response.objects.count() == 0
    body = {**item(publication), "attributes": {"Campus": "Pasila, soita 040 1234567", "programme": 3}}
    stored = post(body, key)
    assert stored.status_code == 201, stored.content
    attributes = Response.objects.get().attributes
    assert attributes["programme"] == 3 and "040 1234567" not in attributes["campus"]
    assert attributes["campus"].startswith("Pasila")


def test_an_attribute_too_long_is_refused_by_field(world: World, publication: SurveyPublication) -> None:
    world.org.response_attributes = ["campus"]
    world.org.save()
    response = post({**item(publication), "attributes": {"campus": "x" * 201}}, new_key(world))
    assert response.status_code == 422
    assert [(e["index"], e["field"]) for e in response.json()["errors"]] == [(0, "attributes.campus")]
