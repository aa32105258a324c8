"""Writes to service paths and surveys: touchpoints, questions and their show-if
conditions, publication per unit and each link's settings."""

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.http import HttpRequest
from django.utils.translation import gettext as _

from kuulo.audit.services import record
from kuulo.organisations.models import Organisation, Unit

from ..models import (
    CHOICE_KINDS,
    HEADLINE_KINDS,
    ItemVersion,
    QuestionSet,
    ServicePath,
    Survey,
    SurveyPublication,
    SurveyQuestion,
    SurveyStatus,
    Touchpoint,
)

LINK_CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no look-alikes (l/1, o/0, i)


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
    kind = item_version.item.kind
    if kind in HEADLINE_KINDS and survey.questions.filter(item_version__item__kind=kind).exists():
        # Every item of the kind counts in one headline figure: twice would count one person twice.
        raise ValidationError(
            _("The survey already asks a %(kind)s question: ask each of CSAT, NPS and CES once.")
            % {"kind": item_version.item.get_kind_display()}
        )
    order = (survey.questions.aggregate(m=Max("order"))["m"] or 0) + 1
    return SurveyQuestion.objects.create(
        survey=survey, item_version=item_version, order=order, required=required
    )


def standard_question_ids(survey: Survey) -> set[int]:
    """The survey's questions that ask its standard set: they stay as the set asks them,
    first and in order (check_standard_set), so they are neither removed nor moved."""
    if survey.standard_set_id is None:
        return set()
    versions = survey.standard_set.entries.values_list("item_version_id", flat=True)  # type: ignore[union-attr]
    return set(survey.questions.filter(item_version_id__in=versions).values_list("pk", flat=True))


def _keeps_standard_set(survey: Survey) -> ValidationError:
    return ValidationError(
        _(
            "This question belongs to the standard set “%(name)s”, which is asked unmodified and in "
            "order so that its results compare with everyone else's: it cannot be removed or moved."
        )
        % {"name": survey.standard_set.name if survey.standard_set else ""},
        code="standard_set",
    )


@transaction.atomic
def remove_question(question: SurveyQuestion) -> None:
    _editable(question.survey)
    if question.pk in standard_question_ids(question.survey):
        raise _keeps_standard_set(question.survey)
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
    if {question.pk, questions[other].pk} & standard_question_ids(question.survey):
        raise _keeps_standard_set(question.survey)
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
    path_unit = survey.touchpoint.service_path.unit
    if path_unit is not None and any(not unit.path.startswith(path_unit.path) for unit in units):
        # A unit's own path is not shown to other units, so its surveys stay in its subtree.
        raise ValidationError(
            _("This survey is on %(unit)s's own service path: publish it only in that unit or below it.")
            % {"unit": path_unit.name}
        )
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
