"""Every write in the feedback domain: the catalogue, targets, service paths,
surveys and their publication, and the responses that arrive."""

import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from kuulo.audit.services import record
from kuulo.core.redaction import redact
from kuulo.organisations.access import Permission, has_permission
from kuulo.organisations.models import Organisation, Unit
from kuulo.organisations.services import create_api_key

from . import abuse, invitations
from .models import (
    CHOICE_KINDS,
    FIXED_SCALES,
    RATING_KINDS,
    Answer,
    Channel,
    Complaint,
    Item,
    ItemKind,
    ItemVersion,
    Kiosk,
    QuestionSet,
    Response,
    ResponseContact,
    Sentiment,
    ServicePath,
    ServiceVolume,
    Survey,
    SurveyPublication,
    SurveyQuestion,
    SurveyStatus,
    Target,
    Touchpoint,
)
from .signals import ResponseFacts, complaint_saved, responses_deleted, responses_stored

# The version of the consent text shown next to the contact-details opt-in.
CONSENT_TEXT_VERSION = "2026-11"
LINK_CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no look-alikes (l/1, o/0, i)


# --- Catalogue ------------------------------------------------------------------------


@transaction.atomic
def create_item(
    *,
    organisation: Organisation,
    code: str,
    kind: str,
    dimension: str,
    text_fi: str,
    text_sv: str = "",
    text_en: str = "",
    scale_min: int | None = None,
    scale_max: int | None = None,
    anchors: dict[str, Any] | None = None,
    choices: list[dict[str, str]] | None = None,
    user: Any = None,
    request: HttpRequest | None = None,
) -> Item:
    """A custom catalogue item with its first version."""
    if kind in FIXED_SCALES:
        scale_min, scale_max = FIXED_SCALES[kind]
    item = Item(organisation=organisation, code=code, kind=kind, dimension=dimension)
    item.full_clean()
    item.save()
    version = ItemVersion(
        item=item,
        number=1,
        text_fi=text_fi,
        text_sv=text_sv,
        text_en=text_en,
        scale_min=scale_min,
        scale_max=scale_max,
        anchors=anchors or {},
        choices=choices or [],
        created_by=user,
    )
    version.full_clean()
    version.save()
    record("item.created", request=request, target=item, organisation=organisation, details={"code": code})
    return item


@transaction.atomic
def revise_item(
    item: Item, *, user: Any = None, request: HttpRequest | None = None, **content: Any
) -> ItemVersion:
    """Change an item's wording or scale: this creates a new version (results of the
    old one stay apart). Standard items are locked. Returns the current version."""
    if item.locked:
        raise ValidationError(_("This is a standard item: its wording is locked."))
    latest = item.latest_version()
    assert latest is not None
    allowed = {"text_fi", "text_sv", "text_en", "scale_min", "scale_max", "anchors", "choices"}
    if unexpected := set(content) - allowed:
        raise TypeError(f"revise_item cannot change {sorted(unexpected)}")
    fields = {name: getattr(latest, name) for name in allowed} | content
    if item.kind in FIXED_SCALES:
        fields["scale_min"], fields["scale_max"] = FIXED_SCALES[item.kind]
    version = ItemVersion(item=item, number=latest.number + 1, created_by=user, **fields)
    if version.content() == latest.content():
        return latest
    version.full_clean()
    version.save()
    record("item.revised", request=request, target=item, details={"version": version.number})
    return version


@transaction.atomic
def set_target(
    *,
    organisation: Organisation,
    item: Item,
    unit: Unit | None,
    measure: str,
    value: Any,
    request: HttpRequest | None = None,
) -> Target:
    """Set (or change) the organisation's default target for an item, or a unit's own."""
    if unit is not None and unit.organisation_id != organisation.pk:
        raise ValidationError({"unit": _("The unit belongs to another organisation.")})
    if item.organisation_id not in (None, organisation.pk):
        raise ValidationError({"item": _("The item belongs to another organisation.")})
    target = Target.objects.filter(organisation=organisation, item=item, unit=unit).first() or Target(
        organisation=organisation, item=item, unit=unit
    )
    target.measure = measure
    target.value = value
    target.full_clean()
    target.save()
    record("target.set", request=request, target=target, organisation=organisation)
    return target


# --- Service paths -----------------------------------------------------------------------


@transaction.atomic
def create_service_path(
    *,
    organisation: Organisation,
    code: str,
    name_fi: str,
    name_sv: str = "",
    name_en: str = "",
    unit: Unit | None = None,
    touchpoints: list[tuple[str, str, str, str]] = (),  # type: ignore[assignment]
    request: HttpRequest | None = None,
) -> ServicePath:
    """A service path with its touchpoints, given as (code, fi, sv, en) in journey order."""
    path = ServicePath(
        organisation=organisation, unit=unit, code=code, name_fi=name_fi, name_sv=name_sv, name_en=name_en
    )
    path.full_clean()
    path.save()
    for tp_code, fi, sv, en in touchpoints:
        add_touchpoint(path, code=tp_code, name_fi=fi, name_sv=sv, name_en=en)
    record("service_path.created", request=request, target=path, organisation=organisation)
    return path


def add_touchpoint(
    path: ServicePath, *, code: str, name_fi: str, name_sv: str = "", name_en: str = ""
) -> Touchpoint:
    order = (path.touchpoints.aggregate(m=Max("order"))["m"] or 0) + 1
    touchpoint = Touchpoint(
        service_path=path, code=code, order=order, name_fi=name_fi, name_sv=name_sv, name_en=name_en
    )
    touchpoint.full_clean()
    touchpoint.save()
    return touchpoint


# --- Surveys -------------------------------------------------------------------------------


@transaction.atomic
def create_survey(
    *,
    organisation: Organisation,
    touchpoint: Touchpoint,
    name_fi: str,
    name_sv: str = "",
    name_en: str = "",
    standard_set: QuestionSet | None = None,
    request: HttpRequest | None = None,
) -> Survey:
    """A draft survey; with a standard set, it starts with the set's questions."""
    if touchpoint.service_path.organisation_id != organisation.pk:
        raise ValidationError({"touchpoint": _("The touchpoint belongs to another organisation.")})
    survey = Survey(
        organisation=organisation,
        touchpoint=touchpoint,
        name_fi=name_fi,
        name_sv=name_sv,
        name_en=name_en,
        standard_set=standard_set,
    )
    survey.full_clean()
    survey.save()
    if standard_set is not None:
        for entry in standard_set.entries.select_related("item_version"):
            SurveyQuestion.objects.create(
                survey=survey, item_version=entry.item_version, order=entry.order, required=entry.required
            )
    record("survey.created", request=request, target=survey, organisation=organisation)
    return survey


def _editable(survey: Survey) -> None:
    if survey.status != SurveyStatus.DRAFT:
        raise ValidationError(
            _("Only draft surveys can be changed. Make a copy to change a published survey.")
        )


@transaction.atomic
def add_question(survey: Survey, item_version: ItemVersion, *, required: bool = False) -> SurveyQuestion:
    _editable(survey)
    if item_version.item.organisation_id not in (None, survey.organisation_id):
        raise ValidationError(_("The item belongs to another organisation."))
    if survey.questions.filter(item_version__item=item_version.item).exists():
        raise ValidationError(_("The survey already asks this item."))
    order = (survey.questions.aggregate(m=Max("order"))["m"] or 0) + 1
    return SurveyQuestion.objects.create(
        survey=survey, item_version=item_version, order=order, required=required
    )


@transaction.atomic
def remove_question(question: SurveyQuestion) -> None:
    _editable(question.survey)
    question.delete()


@transaction.atomic
def move_question(question: SurveyQuestion, offset: int) -> None:
    """Swap a question with its neighbour above (-1) or below (+1)."""
    _editable(question.survey)
    questions = list(question.survey.questions.order_by("order"))
    index = questions.index(question)
    other = index + offset
    if not 0 <= other < len(questions):
        return
    questions[index], questions[other] = questions[other], questions[index]
    position = {q.pk: n for n, q in enumerate(questions)}
    if any(q.show_if_question_id and position[q.show_if_question_id] > position[q.pk] for q in questions):
        # A conditional question would come before the answer it depends on and never be asked.
        raise ValidationError(
            _("A question cannot move above the question its show-if condition depends on.")
        )
    for n, q in enumerate(questions, start=1):
        if q.order != n:
            SurveyQuestion.objects.filter(pk=q.pk).update(order=n)


@transaction.atomic
def set_show_if(question: SurveyQuestion, condition: SurveyQuestion | None, values: list[str]) -> None:
    """Ask `question` only when the answer to the earlier `condition` question is one of `values`."""
    _editable(question.survey)
    if condition is not None:
        if condition.survey_id != question.survey_id or condition.order >= question.order:
            raise ValidationError(_("The condition must be an earlier question of the same survey."))
        allowed = set(answer_values(condition.item_version))
        if not values or not set(values) <= allowed:
            raise ValidationError(_("Choose at least one answer of the earlier question."))
    question.show_if_question = condition
    question.show_if_values = values if condition else []
    question.save(update_fields=["show_if_question", "show_if_values"])


def answer_values(version: ItemVersion) -> list[str]:
    """The answers a show-if condition can refer to, as strings."""
    if version.item.kind in CHOICE_KINDS:
        return version.choice_values()
    return [str(value) for value in version.scale_values()]


def check_standard_set(survey: Survey) -> None:
    """A survey that claims a standard set starts with the set's questions, unmodified and in order."""
    if survey.standard_set is None:
        return
    expected = list(survey.standard_set.entries.order_by("order").values_list("item_version_id", flat=True))
    actual = list(survey.questions.order_by("order").values_list("item_version_id", flat=True))
    if actual[: len(expected)] != expected:
        raise ValidationError(
            _(
                "The survey claims the standard set “%(name)s” but does not ask its questions "
                "unmodified and in order."
            )
            % {"name": survey.standard_set.name}
        )


def new_link_code() -> str:
    return "".join(secrets.choice(LINK_CODE_ALPHABET) for _ in range(8))


@transaction.atomic
def publish_survey(
    survey: Survey, units: list[Unit], *, request: HttpRequest | None = None
) -> list[SurveyPublication]:
    """Publish for exactly these units (each keeps its own link; units left out stop taking
    answers). The survey's questions are frozen from then on."""
    if not survey.questions.exists():
        raise ValidationError(_("Add at least one question before publishing."))
    check_standard_set(survey)
    if any(unit.organisation_id != survey.organisation_id or unit.is_archived for unit in units):
        raise ValidationError(_("Publish only for active units of your organisation."))
    survey.status = SurveyStatus.PUBLISHED
    survey.save(update_fields=["status", "updated_at"])
    publications = []
    for unit in units:
        publication = SurveyPublication.objects.filter(survey=survey, unit=unit).first()
        if publication is None:
            publication = SurveyPublication.objects.create(survey=survey, unit=unit, code=new_link_code())
        elif not publication.active:
            publication.active = True
            publication.save(update_fields=["active", "updated_at"])
        publications.append(publication)
    survey.publications.exclude(unit__in=units).update(active=False)
    record(
        "survey.published",
        request=request,
        target=survey,
        organisation=survey.organisation,
        details={"units": [unit.code for unit in units]},
    )
    return publications


@transaction.atomic
def close_survey(survey: Survey, *, request: HttpRequest | None = None) -> None:
    survey.status = SurveyStatus.CLOSED
    survey.save(update_fields=["status", "updated_at"])
    survey.publications.update(active=False)
    record("survey.closed", request=request, target=survey, organisation=survey.organisation)


@transaction.atomic
def set_address_limits(
    publication: SurveyPublication,
    *,
    soft: int | None,
    hard: int | None,
    request: HttpRequest | None = None,
) -> None:
    """Set a link's own limits on answers from one address (None: the site's default), e.g.
    more for a kiosk or an event where many answer behind one address. See abuse.py."""
    effective_soft = settings.KUULO_RESPOND_RATE_IP_SOFT if soft is None else soft
    effective_hard = settings.KUULO_RESPOND_RATE_IP_HARD if hard is None else hard
    if effective_hard < effective_soft:
        raise ValidationError(
            {"address_hard_limit": _("The limit for refusing must be at least the one for a browser check.")}
        )
    publication.address_soft_limit, publication.address_hard_limit = soft, hard
    publication.save(update_fields=["address_soft_limit", "address_hard_limit", "updated_at"])
    record(
        "survey.updated",
        request=request,
        target=publication.survey,
        organisation=publication.survey.organisation,
        details={"link": publication.code, "address_soft_limit": soft, "address_hard_limit": hard},
    )


def set_identified(
    publication: SurveyPublication, identified: bool, *, request: HttpRequest | None = None
) -> None:
    """The one exception to anonymous invitations (see models.Invitation): only for a link
    whose respondents agreed to be identified; the form tells each invited respondent."""
    publication.identified = identified
    publication.save(update_fields=["identified", "updated_at"])
    record(
        "survey.updated",
        request=request,
        target=publication.survey,
        organisation=publication.survey.organisation,
        details={"link": publication.code, "identified": identified},
    )


# --- Responses -----------------------------------------------------------------------------


@dataclass
class Submission:
    """One response as received from any channel, before it is validated and stored."""

    answers: dict[int, Any]  # SurveyQuestion id -> raw value (str, int, list of str)
    language: str
    channel: str = Channel.LINK
    responded_at: datetime | None = None
    respondent_type: str = ""
    age_band: str = ""
    attributes: dict[str, Any] = field(default_factory=dict)
    contact: dict[str, str] | None = None  # only with explicit opt-in
    invitation_id: int | None = None  # a personal invitation this response uses up
    admission: abuse.Admission | None = None  # the public form's single-use token, used up here


def visible_questions(questions: list[SurveyQuestion], answers: dict[int, Any]) -> list[SurveyQuestion]:
    """The questions the respondent was actually asked, given their show-if conditions."""
    shown: list[SurveyQuestion] = []
    shown_ids: set[int] = set()
    for question in questions:
        condition = question.show_if_question_id
        if condition is not None:
            answer = answers.get(condition)
            given = {str(v) for v in answer} if isinstance(answer, list) else {str(answer)}
            if condition not in shown_ids or not given & set(question.show_if_values):
                continue
        shown.append(question)
        shown_ids.add(question.pk)
    return shown


@dataclass(frozen=True, slots=True)
class CleanAnswer:
    """A validated answer, ready to store (plain values: ingest stores thousands at once)."""

    item_version_id: int
    number: int | None = None
    choices: list[str] | None = None
    text: str = ""
    scale_min: int | None = None  # of the version: aggregates count scale points from it

    def as_model(self, response: Response) -> Answer:
        return Answer(
            response=response,
            item_version_id=self.item_version_id,
            number=self.number,
            choices=self.choices,
            text=self.text,
        )


def _whole_number(raw: Any) -> int:
    """An integer answer: 4 or "4", never 4.5, "4.5" or true."""
    if isinstance(raw, bool):
        raise ValueError(raw)
    if isinstance(raw, float):
        if not raw.is_integer():
            raise ValueError(raw)
        return int(raw)
    return int(raw)


def clean_answer(question: SurveyQuestion, raw: Any, *, enforce_required: bool = True) -> CleanAnswer | None:
    """Validate one raw answer against its item version; None when unanswered."""
    version = question.item_version
    kind = version.item.kind
    required = question.required and enforce_required
    empty = raw is None or raw == "" or raw == []
    if empty:
        if required:
            raise ValidationError(_("This question needs an answer."), code="required")
        return None
    if kind in RATING_KINDS or kind == ItemKind.YES_NO:
        try:
            number = _whole_number(raw)
        except (TypeError, ValueError):
            raise ValidationError(_("Choose one of the options."), code="invalid") from None
        if (
            version.scale_min is None
            or version.scale_max is None
            or not (version.scale_min <= number <= version.scale_max)
        ):
            raise ValidationError(
                _("The answer must be between %(low)s and %(high)s.")
                % {"low": version.scale_min, "high": version.scale_max},
                code="out_of_scale",
            )
        return CleanAnswer(version.pk, number=number, scale_min=version.scale_min)
    if kind in CHOICE_KINDS:
        values = [str(v) for v in (raw if isinstance(raw, list) else [raw])]
        if not set(values) <= set(version.choice_values()) or (
            kind == ItemKind.SINGLE_CHOICE and len(values) > 1
        ):
            raise ValidationError(_("Choose one of the options."), code="invalid")
        return CleanAnswer(version.pk, choices=values)
    text = str(raw).strip()[:5000]
    if not text:
        if required:
            raise ValidationError(_("This question needs an answer."), code="required")
        return None
    return CleanAnswer(version.pk, text=redact(text))


def validate_submission(
    survey: Survey,
    submission: Submission,
    questions: list[SurveyQuestion] | None = None,
    *,
    enforce_required: bool = True,
) -> tuple[list[CleanAnswer], dict[int, ValidationError]]:
    """Clean answers for the questions shown; errors keyed by question id. Answers to
    questions the respondent was not shown are dropped. `questions` (the survey's, in
    order) saves a query when many responses to one survey are validated. Without
    `enforce_required`, unanswered required questions pass (an answer given where they
    were never asked, e.g. on a kiosk, accepted by a CX lead)."""
    if questions is None:
        questions = survey.ordered_questions()
    answers, errors = [], {}
    for question in visible_questions(questions, submission.answers):
        try:
            answer = clean_answer(
                question, submission.answers.get(question.pk), enforce_required=enforce_required
            )
        except ValidationError as error:
            errors[question.pk] = error
        else:
            if answer is not None:
                answers.append(answer)
    return answers, errors


def submit_response(
    publication: SurveyPublication, submission: Submission, questions: list[SurveyQuestion] | None = None
) -> Response:
    """Validate and durably store one response. Raises ValidationError (with
    per-question errors in .error_dict keyed "q<id>") and stores nothing if any
    answer is invalid. `questions` (the survey's, in order) saves a query when the
    caller has them already. With an `admission` (the public form), raises abuse.Held
    (its start token used already, too many answers lately) and stores nothing.
    Bulk and keyed (idempotent) responses go through ingest.py."""
    survey = publication.survey
    if survey.status != SurveyStatus.PUBLISHED or not publication.active:
        raise ValidationError(_("This survey is not open for answers."), code="closed")
    answers, errors = validate_submission(survey, submission, questions)
    if errors:
        raise ValidationError({f"q{question_id}": error for question_id, error in errors.items()})
    if not answers:
        raise ValidationError(_("Answer at least one question."), code="empty")
    with transaction.atomic():
        if submission.admission is not None:
            abuse.admit(submission.admission)
        invitation = invitations.claim(submission.invitation_id) if submission.invitation_id else None
        response = Response.objects.create(
            organisation_id=survey.organisation_id,
            unit_id=publication.unit_id,
            touchpoint_id=survey.touchpoint_id,
            survey=survey,
            publication=publication,
            channel=submission.channel,
            responded_at=submission.responded_at or timezone.now(),
            language=submission.language,
            respondent_type=submission.respondent_type,
            age_band=submission.age_band,
            attributes=submission.attributes,
        )
        if invitation is not None:
            invitations.link_identified(invitation, response)
        Answer.objects.bulk_create([answer.as_model(response) for answer in answers])
        responses_stored.send(sender=Response, responses=[ResponseFacts.of_response(response, answers)])
        if submission.contact:
            ResponseContact.objects.create(
                response=response,
                name=submission.contact.get("name", "")[:200],
                email=submission.contact.get("email", ""),
                phone=submission.contact.get("phone", "")[:40],
                consent_version=CONSENT_TEXT_VERSION,
                consented_at=timezone.now(),
            )
    return response


@transaction.atomic
def delete_responses(responses: QuerySet[Response], *, request: HttpRequest | None = None) -> int:
    """Delete these responses with their answers and contact details (spam, a respondent's
    erasure request, retention); the aggregates lose them in the same transaction."""
    # Locked (PostgreSQL; SQLite's transactions take the write lock at BEGIN): two deletions
    # of the same responses must not both subtract them from the aggregates.
    doomed = list(responses.select_for_update().prefetch_related("answers"))
    if not doomed:
        return 0
    responses_deleted.send(
        sender=Response,
        responses=[ResponseFacts.of_response(r, list(r.answers.all())) for r in doomed],
    )
    ids = [r.pk for r in doomed]
    ResponseContact.objects.filter(response_id__in=ids).delete()
    Answer.objects.filter(response_id__in=ids).delete()
    Response.objects.filter(pk__in=ids).delete()
    for organisation_id in {r.organisation_id for r in doomed}:
        record(
            "responses.deleted",
            request=request,
            organisation=Organisation.objects.get(pk=organisation_id),
            details={"count": sum(r.organisation_id == organisation_id for r in doomed)},
        )
    return len(doomed)


# --- Verbal feedback and complaints -------------------------------------------------------------


@transaction.atomic
def record_verbal_feedback(
    *,
    recorded_by: Any,
    unit: Unit,
    touchpoint: Touchpoint | None,
    sentiment: str,
    text: str,
    language: str = "fi",
    how: str = "",
    heard_at: datetime | None = None,
    request: HttpRequest | None = None,
) -> Response:
    """What a customer said at the counter or on the phone, written down by staff
    (otherwise it stays tacit knowledge). The text is redacted like any comment."""
    if not has_permission(recorded_by, Permission.RECORD_FEEDBACK, unit):
        raise ValidationError({"unit": _("You cannot record feedback for this unit.")})
    if touchpoint is not None and touchpoint.service_path.organisation_id != unit.organisation_id:
        raise ValidationError({"touchpoint": _("The touchpoint belongs to another organisation.")})
    if sentiment not in Sentiment.values:
        raise ValidationError({"sentiment": _("Choose how the feedback felt.")})
    text = text.strip()
    if not text:
        raise ValidationError({"text": _("Write down what the customer said.")})
    version = Item.objects.get(organisation=None, code="verbal").latest_version()
    assert version is not None
    response = Response.objects.create(
        organisation_id=unit.organisation_id,
        unit=unit,
        touchpoint=touchpoint,
        channel=Channel.VERBAL,
        responded_at=heard_at or timezone.now(),
        language=language,
        sentiment=sentiment,
        attributes={"how": how} if how else {},
        recorded_by=recorded_by,
    )
    answer = Answer.objects.create(response=response, item_version=version, text=redact(text[:5000]))
    responses_stored.send(sender=Response, responses=[ResponseFacts.of_response(response, [answer])])
    record("feedback.recorded", request=request, target=response, organisation=unit.organisation)
    return response


COMPLAINT_FIELDS = {
    "unit",
    "kind",
    "case_number",
    "received_on",
    "status",
    "handler",
    "summary",
    "decided_on",
    "outcome",
    "outcome_notes",
}


@transaction.atomic
def save_complaint(
    complaint: Complaint, *, user: Any, request: HttpRequest | None = None, **fields: Any
) -> Complaint:
    """Register a complaint or reminder, or update one. The user must manage complaints
    in its unit (before and after a change of unit)."""
    if unexpected := set(fields) - COMPLAINT_FIELDS:
        raise TypeError(f"save_complaint cannot set {sorted(unexpected)}")
    creating = complaint.pk is None
    # Checked against the stored unit: a form may already have put the new one on the instance.
    stored = None if creating else Complaint.objects.select_related("unit").get(pk=complaint.pk)
    if stored is not None and not has_permission(user, Permission.MANAGE_COMPLAINTS, stored.unit):
        raise ValidationError(_("You cannot change this case."))
    for name, value in fields.items():
        setattr(complaint, name, value)
    if not has_permission(user, Permission.MANAGE_COMPLAINTS, complaint.unit):
        raise ValidationError({"unit": _("You cannot register cases for this unit.")})
    complaint.organisation_id = complaint.unit.organisation_id
    complaint.summary = redact(complaint.summary)
    complaint.outcome_notes = redact(complaint.outcome_notes)
    complaint.full_clean()
    complaint.save()
    complaint_saved.send(sender=Complaint, complaint=complaint, created=creating)
    record(
        "complaint.registered" if creating else "complaint.updated",
        request=request,
        target=complaint,
        organisation=complaint.organisation,
        details={"status": complaint.status},
    )
    return complaint


# --- Kiosks ------------------------------------------------------------------------------------

KIOSK_RATING_KINDS = {ItemKind.CSAT}


def kiosk_questions(survey: Survey) -> tuple[SurveyQuestion, SurveyQuestion | None]:
    """The one-tap question (the survey's first CSAT item) and an optional open follow-up.
    Refuses a survey whose answers a kiosk could not complete: a kiosk thanks the customer
    at once, so every answer it takes must be one the server can store."""
    questions = survey.ordered_questions()
    rating = next(
        (
            q
            for q in questions
            if q.item_version.item.kind in KIOSK_RATING_KINDS and q.show_if_question_id is None
        ),
        None,
    )
    if rating is None:
        raise ValidationError(_("A kiosk needs a survey with a satisfaction (CSAT) question."))
    follow_up = next((q for q in questions if q.item_version.item.kind == ItemKind.TEXT), None)
    # The follow-up can be skipped on the kiosk, so it must be optional like every other.
    unasked = [q for q in questions if q.required and q.pk != rating.pk]
    if unasked:
        raise ValidationError(
            _(
                "A kiosk asks only the satisfaction question and an optional comment, but this "
                "survey requires answers to other questions too: %(questions)s. Use a survey "
                "where those questions are optional, or collect these answers with the survey link."
            )
            % {"questions": ", ".join(f"“{q.item_version.text}”" for q in unasked)}
        )
    return rating, follow_up


@transaction.atomic
def create_kiosk(
    publication: SurveyPublication, *, name: str, created_by: Any, request: HttpRequest | None = None
) -> tuple[Kiosk, str]:
    """A kiosk and the device token it signs in with (shown once, in its setup link)."""
    kiosk_questions(publication.survey)
    api_key, token = create_api_key(
        organisation=publication.unit.organisation,
        name=f"Kiosk: {name}",
        permissions=[Permission.SUBMIT_RESPONSES],
        units=[publication.unit],
        created_by=created_by,
        request=request,
    )
    kiosk = Kiosk(publication=publication, name=name, api_key=api_key)
    kiosk.full_clean()
    kiosk.save()
    return kiosk, token


# --- Service volumes -------------------------------------------------------------------------------

VOLUME_FIELDS = ("customers_served", "customers_offered_survey", "waiting_minutes", "processing_days")


def record_service_volume(
    *,
    principal: Any,
    unit: Unit,
    touchpoint: Touchpoint | None,
    date: Any,
    request: HttpRequest | None = None,
    **values: Any,
) -> ServiceVolume:
    """Set one unit's (and touchpoint's) numbers for one day; sending the same day again
    replaces them, so a system can resend a corrected day safely."""
    if unexpected := set(values) - set(VOLUME_FIELDS):
        raise TypeError(f"record_service_volume cannot set {sorted(unexpected)}")
    if not has_permission(principal, Permission.RECORD_VOLUMES, unit):
        raise ValidationError({"unit": _("You cannot record numbers for this unit.")})
    if touchpoint is not None and touchpoint.service_path.organisation_id != unit.organisation_id:
        raise ValidationError({"touchpoint": _("The touchpoint belongs to another organisation.")})
    stored = ServiceVolume.objects.filter(unit=unit, touchpoint=touchpoint, date=date).first()
    volume = fill_service_volume(stored, unit=unit, touchpoint=touchpoint, date=date, values=values)
    volume.save()
    return volume


def fill_service_volume(
    stored: ServiceVolume | None,
    *,
    unit: Unit,
    touchpoint: Touchpoint | None,
    date: Any,
    values: dict[str, Any],
) -> ServiceVolume:
    """The day's row (the stored one, or a new one) with these numbers, validated, not saved.
    The caller has checked the unit and touchpoint (and looked up the stored row), so only
    the values are validated: no query per foreign key when a batch of days arrives."""
    volume = stored or ServiceVolume(
        organisation_id=unit.organisation_id, unit=unit, touchpoint=touchpoint, date=date
    )
    for name, value in values.items():
        setattr(volume, name, value)
    volume.full_clean(
        exclude=["organisation", "unit", "touchpoint"], validate_unique=False, validate_constraints=False
    )
    return volume
