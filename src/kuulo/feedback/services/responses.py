"""Validating and storing one response from any channel, and deleting responses.
Bulk and keyed (idempotent) responses go through ingest.py, with the same checks."""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kuulo.audit.services import record
from kuulo.core.redaction import redact
from kuulo.organisations.models import Organisation

from .. import abuse, invitations
from ..models import (
    CHOICE_KINDS,
    RATING_KINDS,
    Answer,
    Channel,
    ItemKind,
    ItemVersion,
    Response,
    ResponseContact,
    Survey,
    SurveyPublication,
    SurveyQuestion,
    SurveyStatus,
)
from ..signals import ResponseFacts, contact_requested, responses_deleted, responses_stored

# The version of the consent text shown next to the contact-details opt-in.
CONSENT_TEXT_VERSION = "2026-11"


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


# How "can't say" is given to a scale that offers it: in forms, the API and imports.
CANT_SAY = "cant_say"


@dataclass(frozen=True, slots=True)
class CleanAnswer:
    """A validated answer, ready to store (plain values: ingest stores thousands at once)."""

    item_version_id: int
    number: int | None = None
    choices: list[str] | None = None
    text: str = ""
    scale_min: int | None = None  # of the version: aggregates count scale points from it
    cant_say: bool = False
    amount: Decimal | None = None  # a number item's answer

    def as_model(self, response: Response) -> Answer:
        return Answer(
            response=response,
            item_version_id=self.item_version_id,
            number=self.number,
            choices=self.choices,
            text=self.text,
            cant_say=self.cant_say,
            amount=self.amount,
        )


def _amount(version: ItemVersion, raw: Any) -> Decimal:
    """A number answer within the item's bounds and decimals: 12, "12,5" or "12.5"."""
    if isinstance(raw, bool):
        raise ValidationError(_("Give a number."), code="invalid")
    try:
        amount = Decimal(str(raw).strip().replace(",", ".").replace("\u00a0", "").replace(" ", ""))
    except InvalidOperation:
        raise ValidationError(_("Give a number."), code="invalid") from None
    if not amount.is_finite():
        raise ValidationError(_("Give a number."), code="invalid")
    assert version.lower is not None and version.upper is not None
    if not version.lower <= amount <= version.upper:
        raise ValidationError(
            _("The answer must be between %(low)s and %(high)s.")
            % {"low": number_format(version.lower), "high": number_format(version.upper)},
            code="out_of_scale",
        )
    if amount != amount.quantize(version.step, rounding=ROUND_HALF_UP):
        raise ValidationError(
            ngettext("Give at most %(count)s decimal.", "Give at most %(count)s decimals.", version.decimals)
            % {"count": version.decimals},
            code="invalid",
        )
    return amount.quantize(version.step)


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
        if raw == CANT_SAY:
            if not version.cant_say:
                raise ValidationError(_("This question has no “can't say” option."), code="invalid")
            return CleanAnswer(version.pk, cant_say=True)
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
    if kind == ItemKind.NUMBER:
        return CleanAnswer(version.pk, amount=_amount(version, raw))
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
            contact = ResponseContact.objects.create(
                response=response,
                name=submission.contact.get("name", "")[:200],
                email=submission.contact.get("email", ""),
                phone=submission.contact.get("phone", "")[:40],
                preferred=submission.contact.get("preferred", ""),
                consent_version=CONSENT_TEXT_VERSION,
                consented_at=timezone.now(),
            )
            contact_requested.send(sender=ResponseContact, contact=contact)
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
