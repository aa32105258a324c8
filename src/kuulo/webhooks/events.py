"""From what happened in Kuulo to deliveries: which endpoints get an event, and its payload.

The listeners run inside the transaction that stored the responses or saved the
complaint or action, so a delivery exists exactly when its cause was committed. They
only write rows; the HTTP calls are made by the `deliver` task after the commit.

Responses are row-level data (organisations/rows.py): they are not sent as they arrive,
but once a day, a day's responses of each unit whose group the row-level policy releases
(`release_responses`, run by the every-few-minutes sweep; each endpoint gets each day
once), in batches of `RESPONSES_PER_DELIVERY`. Their payloads carry the policy's fields
(the day, unit, touchpoint, survey, channel, language, sentiment, answers by item code,
free text as stored, i.e. redacted): no ids or times that order a day's respondents, no
respondent or age group, never contact details a respondent left, nor the people who
handle a case. Complaints and actions are sent as they are saved.
"""

from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from kuulo.core.models import translations
from kuulo.feedback.models import Complaint, ItemVersion, Response, Survey, Touchpoint
from kuulo.feedback.services import CANT_SAY
from kuulo.feedback.signals import ResponseFacts
from kuulo.improvements.models import Action
from kuulo.organisations.models import Organisation, Unit
from kuulo.organisations.rows import day_of, released

from .models import Delivery, Endpoint, Event, Topic

RESPONSES_PER_DELIVERY = 100
# Days looked back on each run: a day missed while the sweep was not running is still sent.
RELEASE_DAYS = 3


# --- Responses, once a day ---------------------------------------------------------------


def release_responses(now: datetime | None = None) -> int:
    """Send each subscribed endpoint the responses of each of the last `RELEASE_DAYS` days
    that the row-level policy releases, once per endpoint and day (safe to run every few
    minutes: a day already sent is skipped). Returns how many deliveries were made."""
    today = timezone.localdate(now)
    made = 0
    endpoints = [e for e in Endpoint.objects.filter(active=True).select_related("organisation", "unit")]
    by_organisation: dict[int, list[Endpoint]] = {}
    for endpoint in endpoints:
        if Topic.RESPONSES in endpoint.topics:
            by_organisation.setdefault(endpoint.organisation_id, []).append(endpoint)
    for subscribed in by_organisation.values():
        organisation = subscribed[0].organisation
        for back in range(RELEASE_DAYS, 0, -1):
            made += _release_day(organisation, subscribed, today - timedelta(days=back))
    return made


@transaction.atomic
def _release_day(organisation: Organisation, endpoints: list[Endpoint], day: date) -> int:
    waiting = [e for e in endpoints if not Delivery.objects.filter(event_id=_day_event(e, day, 0)).exists()]
    if not waiting:
        return 0
    start = timezone.make_aware(datetime.combine(day, datetime.min.time()))
    responses = list(
        released(
            Response.objects.filter(
                organisation=organisation, responded_at__gte=start, responded_at__lt=start + timedelta(days=1)
            ),
            threshold=organisation.text_threshold,
        )
        .prefetch_related("answers")
        .order_by("unit_id", "pk")
    )
    if not responses:
        return 0
    facts = [ResponseFacts.of_response(response, list(response.answers.all())) for response in responses]
    names = _Names(facts)
    deliveries = []
    for endpoint in waiting:
        mine = [f for f in facts if _covers(endpoint, names.unit_path(f))]
        for index, chunk in enumerate(_chunks(mine, RESPONSES_PER_DELIVERY)):
            data = {"day": day.isoformat(), "responses": [names.response(f) for f in chunk]}
            deliveries.append(
                delivery_for(
                    endpoint, Event.RESPONSES_RELEASED, data, event_id=_day_event(endpoint, day, index)
                )
            )
    return len(create_deliveries(deliveries))


def _day_event(endpoint: Endpoint, day: date, index: int) -> UUID:
    """The same id every time the day is looked at: how a day already sent is recognised."""
    return uuid5(NAMESPACE_URL, f"kuulo:webhook:{endpoint.pk}:responses:{day.isoformat()}:{index}")


# --- Listeners (connected in apps.py) ----------------------------------------------


def on_complaint_saved(sender: Any, complaint: Complaint, created: bool, **kwargs: Any) -> None:
    endpoints = _in_scope(_subscribed(Topic.COMPLAINTS, {complaint.organisation_id}), complaint.unit)
    if not endpoints:
        return
    data = {"complaint": complaint_payload(complaint)}
    event = Event.COMPLAINT_CREATED if created else Event.COMPLAINT_UPDATED
    create_deliveries([delivery_for(endpoint, event, data) for endpoint in endpoints])


def on_action_changed(sender: Any, action: Action, created: bool, **kwargs: Any) -> None:
    endpoints = _in_scope(_subscribed(Topic.ACTIONS, {action.organisation_id}), action.unit)
    if not endpoints:
        return
    data = {"action": action_payload(action)}
    event = Event.ACTION_CREATED if created else Event.ACTION_UPDATED
    create_deliveries([delivery_for(endpoint, event, data) for endpoint in endpoints])


# --- Deliveries ------------------------------------------------------------------------


def delivery_for(
    endpoint: Endpoint, event: str, data: dict[str, Any], event_id: UUID | None = None
) -> Delivery:
    event_id = event_id or uuid4()
    payload = {
        "id": str(event_id),
        "event": event,
        "created_at": timezone.now().isoformat(),
        "organisation": endpoint.organisation.slug,
        "data": data,
    }
    return Delivery(
        endpoint=endpoint, event=event, event_id=event_id, payload=payload, next_attempt_at=timezone.now()
    )


def create_deliveries(deliveries: list[Delivery]) -> list[Delivery]:
    """Store the deliveries and queue each for the worker once the transaction commits."""
    if not deliveries:
        return []
    created = Delivery.objects.bulk_create(deliveries)
    ids = [delivery.pk for delivery in created]
    transaction.on_commit(lambda: _enqueue(ids))
    return created


def _enqueue(ids: list[int]) -> None:
    from .tasks import deliver

    for delivery_id in ids:
        deliver.enqueue(delivery_id)


# --- Payloads ------------------------------------------------------------------------


def complaint_payload(complaint: Complaint) -> dict[str, Any]:
    return {
        "id": complaint.pk,
        "kind": complaint.kind,
        "case_number": complaint.case_number,
        "status": complaint.status,
        "unit": _unit_ref(complaint.unit),
        "received_on": _day(complaint.received_on),
        "decided_on": _day(complaint.decided_on),
        "outcome": complaint.outcome,
        "summary": complaint.summary,  # redacted by the service that stored it
        "outcome_notes": complaint.outcome_notes,
        "url": _link("feedback:complaint_edit", complaint_id=complaint.pk),
    }


def action_payload(action: Action) -> dict[str, Any]:
    touchpoint = action.touchpoint
    return {
        "id": action.pk,
        "title": action.title,
        "description": action.description,
        "status": action.status,
        "unit": _unit_ref(action.unit),
        "touchpoint": {"id": touchpoint.pk, "code": touchpoint.code, "name": translations(touchpoint, "name")}
        if touchpoint
        else None,
        "item": action.item.code if action.item else None,
        "due_date": _day(action.due_date),
        "done_on": _day(action.done_on),
        "public": action.public,
        "public_text": action.public_text,
        "url": _link("improvements:action_edit", action_id=action.pk),
    }


def ping_payload() -> dict[str, Any]:
    return {"message": "A test event from Kuulo. Your endpoint receives and verifies events."}


class _Names:
    """Codes and names for a batch of responses, read with one query per kind of thing."""

    def __init__(self, responses: list[ResponseFacts]) -> None:
        unit_ids = {f.unit_id for f in responses}
        units = Unit.objects.filter(pk__in=unit_ids).values("pk", "code", "path", *_NAME_FIELDS)
        self.unit_paths = {row["pk"]: str(row["path"]) for row in units}
        self.units = {row["pk"]: {"id": row["pk"], "code": row["code"], "name": _names(row)} for row in units}
        touchpoint_ids = {f.touchpoint_id for f in responses if f.touchpoint_id}
        self.touchpoints = {
            row["pk"]: {"id": row["pk"], "code": row["code"], "name": _names(row)}
            for row in Touchpoint.objects.filter(pk__in=touchpoint_ids).values("pk", "code", *_NAME_FIELDS)
        }
        survey_ids = {f.survey_id for f in responses if f.survey_id}
        self.surveys = {
            row["pk"]: {"id": row["pk"], "name": _names(row)}
            for row in Survey.objects.filter(pk__in=survey_ids).values("pk", *_NAME_FIELDS)
        }
        version_ids = {a.item_version_id for f in responses for a in f.answers}
        self.item_codes = dict(ItemVersion.objects.filter(pk__in=version_ids).values_list("pk", "item__code"))

    def unit_path(self, facts: ResponseFacts) -> str:
        return self.unit_paths[facts.unit_id]

    def response(self, facts: ResponseFacts) -> dict[str, Any]:
        """The row-level policy's fields of one response (organisations/rows.py)."""
        # Unit, touchpoint and survey dicts are shared between responses: they are only read.
        return {
            "day": day_of(facts.responded_at).isoformat(),
            "unit": self.units[facts.unit_id],
            "touchpoint": self.touchpoints.get(facts.touchpoint_id) if facts.touchpoint_id else None,
            "survey": self.surveys.get(facts.survey_id) if facts.survey_id else None,
            "channel": facts.channel,
            "language": facts.language,
            "sentiment": facts.sentiment,
            "answers": {self.item_codes[a.item_version_id]: _answer_value(a) for a in facts.answers},
        }


_NAME_FIELDS = ("name_fi", "name_sv", "name_en")


def _names(row: dict[str, Any]) -> dict[str, str]:
    return {code: row[f"name_{code}"] for code in ("fi", "sv", "en")}


def _answer_value(answer: Any) -> Any:
    if answer.number is not None:
        return answer.number
    if answer.amount is not None:
        return float(answer.amount)
    if answer.choices:
        return list(answer.choices)
    if answer.cant_say:
        return CANT_SAY  # as the API takes it
    return answer.text  # stored only after personal data was redacted from it


def _unit_ref(unit: Unit) -> dict[str, Any]:
    return {"id": unit.pk, "code": unit.code, "name": translations(unit, "name")}


def _day(value: date | datetime | None) -> str | None:
    return value.isoformat() if value else None


def _link(name: str, **kwargs: Any) -> str:
    return f"{settings.KUULO_PUBLIC_URL}{reverse(name, kwargs=kwargs)}"


# --- Who gets what --------------------------------------------------------------------


def _subscribed(topic: Topic, organisation_ids: Iterable[int]) -> list[Endpoint]:
    """Active endpoints of these organisations subscribed to the topic (a handful at most,
    so the topic is checked here rather than with JSON lookups SQLite lacks)."""
    endpoints = Endpoint.objects.filter(active=True, organisation_id__in=organisation_ids)
    return [e for e in endpoints.select_related("organisation", "unit") if topic in e.topics]


def _in_scope(endpoints: list[Endpoint], unit: Unit) -> list[Endpoint]:
    return [endpoint for endpoint in endpoints if _covers(endpoint, unit.path)]


def _covers(endpoint: Endpoint, unit_path: str) -> bool:
    return endpoint.unit is None or unit_path.startswith(endpoint.unit.path)


def _chunks[T](items: list[T], size: int) -> Iterator[list[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
