"""A LimeSurvey survey (its .lss structure file, read by `limesurvey`) made into a Kuulo
survey, and its answer codes and labels remembered for importing its responses.

Each LimeSurvey question becomes one Kuulo question: a list whose options are 0–10 an
NPS item; a list whose options read as a scale (numbers, or satisfaction or agreement
words at its ends), a 5-point choice and the points of an array a rating item (an
array's sub-questions agreement statements when it has five points); yes/no a yes/no
item; a list of other options a single-choice item; short and long text a text item.
Options meaning "can't say" are left out of the scale and read as not answered. A
question whose wording is a standard item's (in any language, with a compatible scale)
asks that item, so its results compare with every other survey asking it. A numerical
input is a number item (each number of a multiple numerical input one of its own); a
multiple choice a multiple-choice item, its options read from their own columns
(`Q9[SQ001]`: picked or not). The other types are skipped, each with its reason.

Conditions (LimeSurvey's relevance) are not imported, so mandatory questions become
optional: otherwise a file whose condition hid a mandatory question could not be imported.
"""

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kuulo.organisations.access import Permission, has_permission
from kuulo.organisations.models import Unit

from ..import_values import CANT_SAY_WORDS, normalised, remember
from ..limesurvey import Option, Question, Structure
from ..models import (
    FIXED_SCALES,
    MAX_NUMBER_STEPS,
    Dimension,
    Item,
    ItemKind,
    ItemVersion,
    QuestionSet,
    ServicePath,
    Survey,
    SurveyPublication,
    Touchpoint,
)
from .catalogue import create_item
from .surveys import add_question, add_touchpoint, create_service_path, create_survey, publish_survey

IMPORTED_PATH = "imported-surveys"
AGREEMENT_WORDS = ("mieltä", "åsikt", "agree", "samaa", "eri mieltä", "instämmer")
SATISFACTION_WORDS = ("tyytyv", "tyytym", "nöjd", "missnöjd", "satisf")
SCALE_WORDS = (
    *AGREEMENT_WORDS,
    *SATISFACTION_WORDS,
    "hyvä",
    "huono",
    "good",
    "poor",
    "bra",
    "dålig",
    "todennäk",
)
TEXT_TYPES = {"S", "T", "U", "Q", ";"}
LIST_TYPES = {"L", "!", "O"}
FIXED_ARRAYS = {"A": (1, 5), "B": (1, 10)}


@dataclass
class Plan:
    """What one LimeSurvey question becomes."""

    source: Question
    kind: str
    scale: tuple[int | None, int | None] = (None, None)
    values: dict[str, str] = field(default_factory=dict)  # code or label -> Kuulo value, "" can't say
    choices: list[dict[str, str]] = field(default_factory=list)
    anchors: dict[str, Any] = field(default_factory=dict)
    cant_say: bool = False  # the scale had a "can't say" option: the item offers its own
    number: dict[str, Any] | None = None  # a number item's bounds and decimals


@dataclass
class ImportedSurvey:
    survey: Survey
    questions: list[tuple[str, str, bool]]  # (LimeSurvey code, item code, a standard item)
    skipped: list[tuple[str, str]]  # (LimeSurvey code, why)
    publication: SurveyPublication | None = None


def import_survey(
    user: Any,
    structure: Structure,
    *,
    unit: Unit,
    touchpoint: Touchpoint | None = None,
    publish: bool = False,
    request: Any = None,
) -> ImportedSurvey:
    """Make a draft survey of a LimeSurvey structure (published for `unit` if asked), its
    questions from the standard catalogue where the wording matches, new items otherwise."""
    if not has_permission(user, Permission.CONFIGURE_FEEDBACK, unit):
        raise ValidationError(_("You cannot build surveys for this unit."))
    organisation = unit.organisation
    plans, skipped = plan_questions(structure)
    if not plans:
        raise ValidationError(_("None of the structure file's questions can be imported."))
    with transaction.atomic():
        touchpoint = touchpoint or _imported_touchpoint(organisation, structure)
        titles = _in_languages(structure.titles) or {"fi": f"LimeSurvey {structure.survey_id}"}
        survey = create_survey(
            organisation=organisation,
            touchpoint=touchpoint,
            name_fi=titles["fi"][:200],
            name_sv=titles.get("sv", "")[:200],
            name_en=titles.get("en", "")[:200],
            request=request,
        )
        questions = []
        for plan in plans:
            version, standard = _version_for(organisation, structure, plan, user, request)
            if survey.questions.filter(item_version__item=version.item).exists():
                skipped.append((plan.source.code, _("it asks the same standard question as an earlier one")))
                continue
            add_question(survey, version)
            _remember(survey, version, plan)
            questions.append((plan.source.code, version.item.code, standard))
        survey.standard_set = _standard_set(survey)
        survey.save(update_fields=["standard_set", "updated_at"])
        publication = publish_survey(survey, [unit], request=request)[0] if publish else None
    return ImportedSurvey(survey, questions, skipped, publication)


def plan_questions(structure: Structure) -> tuple[list[Plan], list[tuple[str, str]]]:
    plans, skipped = [], []
    for question in structure.questions:
        plan = _plan(question)
        if isinstance(plan, Plan):
            plans.append(plan)
        else:
            skipped.append((question.code, plan))
    return plans, skipped


def _plan(question: Question) -> Plan | str:
    kind = question.type
    if kind in TEXT_TYPES:
        return Plan(question, ItemKind.TEXT)
    if kind == "Y":
        return Plan(question, ItemKind.YES_NO, (0, 1), {"Y": "1", "N": "0"})
    if kind == "C":  # yes / no / uncertain
        return Plan(question, ItemKind.YES_NO, (0, 1), {"Y": "1", "N": "0", "U": ""}, cant_say=True)
    if kind == "E":  # increase / same / decrease
        return Plan(question, ItemKind.LIKERT, (1, 3), {"I": "3", "S": "2", "D": "1"})
    if kind == "5" or kind in FIXED_ARRAYS:
        low, high = FIXED_ARRAYS.get(kind, (1, 5))
        rating = ItemKind.AGREEMENT if kind == "A" else ItemKind.LIKERT
        return Plan(question, rating, (low, high), {str(n): str(n) for n in range(low, high + 1)})
    if kind in LIST_TYPES or kind in ("F", "H"):
        return _plan_options(question, array=kind in ("F", "H"))
    if kind in ("N", "K"):  # a multiple numerical input: a number item per sub-question
        return _plan_number(question)
    if kind in ("M", "P"):  # one column per option ("P": and a comment per option, left out)
        if len(question.options) < 2:
            return _("the question has fewer than two answer options")
        choices = [{"value": o.code, **_in_languages(o.labels)} for o in question.options]
        return Plan(question, ItemKind.MULTIPLE_CHOICE, choices=choices)
    return _("LimeSurvey's question type “%(type)s” has no counterpart in Kuulo") % {"type": kind}


def _plan_number(question: Question) -> Plan | str:
    """A numerical input: its bounds from the question's attributes (0–10 000 when it has
    none), whole numbers when LimeSurvey takes only those, else two decimals."""
    attributes = question.attributes
    try:
        lower = Decimal(attributes.get("min_num_value_n") or 0)
        upper = Decimal(attributes.get("max_num_value_n") or 10_000)
    except InvalidOperation:
        return _("the number's bounds cannot be read")
    decimals = 0 if attributes.get("num_value_int_only") == "1" else 2
    while decimals and (upper - lower).scaleb(decimals) > MAX_NUMBER_STEPS:
        decimals -= 1  # keep the sums exact: fewer decimals for a wide range
    return Plan(question, ItemKind.NUMBER, number={"lower": lower, "upper": upper, "decimals": decimals})


def _plan_options(question: Question, *, array: bool) -> Plan | str:
    cant_say = [
        o for o in question.options if any(normalised(label) in CANT_SAY_WORDS for label in o.labels.values())
    ]
    options = [o for o in question.options if o not in cant_say]
    values = {o.code: "" for o in cant_say}
    if len(options) < 2:
        return _("the question has fewer than two answer options")
    numbers = _numbers(options)
    if numbers == list(range(0, 11)):
        values |= {o.code: str(n) for o, n in zip(options, numbers, strict=True)}
        anchors = _anchors(options, numbers)
        return Plan(question, ItemKind.NPS, (0, 10), values, anchors=anchors, cant_say=bool(cant_say))
    if 3 <= len(options) <= 11 and (array or numbers or _reads_as_scale(options)):
        points = numbers or list(range(1, len(options) + 1))
        if points[-1] - points[0] != len(points) - 1 or not -10 <= points[0] <= 10:
            points = list(range(1, len(options) + 1))
        values |= {o.code: str(n) for o, n in zip(options, points, strict=True)}
        words = " ".join(label.casefold() for label in options[0].labels.values())
        if len(points) == 5 and points[0] == 1:
            rating = (
                ItemKind.AGREEMENT if array or any(w in words for w in AGREEMENT_WORDS) else ItemKind.LIKERT
            )
            if any(w in words for w in SATISFACTION_WORDS):
                rating = ItemKind.CSAT
        else:
            rating = ItemKind.LIKERT
        anchors = _anchors(options, points)
        scale = (points[0], points[-1])
        return Plan(question, rating, scale, values, anchors=anchors, cant_say=bool(cant_say))
    if array:
        return _("an array whose options are no scale")
    choices = [{"value": o.code, **_in_languages(o.labels)} for o in options]
    return Plan(
        question, ItemKind.SINGLE_CHOICE, values=values | {o.code: o.code for o in options}, choices=choices
    )


def _numbers(options: list[Option]) -> list[int]:
    """The options' numbers, when each code or label is one ("0"…"10", "1 Huono"…)."""
    found = []
    for option in options:
        texts = [option.code, *option.labels.values()]
        number = next((int(m.group()) for t in texts if (m := re.match(r"\s*-?\d+(?=\D*$|\s)", t))), None)
        if number is None:
            return []
        found.append(number)
    return found if found == sorted(set(found)) else []


def _reads_as_scale(options: list[Option]) -> bool:
    ends = " ".join(label.casefold() for o in (options[0], options[-1]) for label in o.labels.values())
    return any(word in ends for word in SCALE_WORDS)


def _anchors(options: list[Option], points: list[int]) -> dict[str, Any]:
    labels = {str(n): _in_languages(o.labels) for o, n in zip(options, points, strict=True)}
    return {"low": labels[str(points[0])], "high": labels[str(points[-1])], "points": labels}


def _in_languages(labels: dict[str, str]) -> dict[str, str]:
    """fi, sv and en labels; Finnish from the first language there is when it has none."""
    found = {lang: text for lang, text in labels.items() if text}
    if found and "fi" not in found:
        found["fi"] = next(iter(found.values()))
    return found


def _version_for(
    organisation: Any, structure: Structure, plan: Plan, user: Any, request: Any
) -> tuple[ItemVersion, bool]:
    """The standard item the question's wording matches, or an item of its own."""
    standard = _standard_match(plan)
    if standard is not None:
        return standard, True
    texts = _in_languages(plan.source.texts) or {"fi": plan.source.code}
    low, high = FIXED_SCALES.get(plan.kind, plan.scale)
    content: dict[str, Any] = {
        "text_fi": texts["fi"][:500],
        "text_sv": texts.get("sv", "")[:500],
        "text_en": texts.get("en", "")[:500],
        "scale_min": low,
        "scale_max": high,
        "anchors": plan.anchors,
        "choices": plan.choices,
        "cant_say": plan.cant_say,
    }
    base = re.sub(r"[^a-z0-9]+", "-", f"ls{structure.survey_id}-{plan.source.code}".lower()).strip("-")[:55]
    for n in range(1, 100):
        code = base if n == 1 else f"{base}-{n}"
        existing = Item.objects.filter(organisation=organisation, code=code).first()
        if existing is None:
            item = create_item(
                organisation=organisation, code=code, kind=plan.kind, dimension=_dimension(plan), user=user,
                request=request, number=plan.number, **content,
            )  # fmt: skip
            return item.versions.get(), False
        latest = existing.latest_version()
        if (
            existing.kind == plan.kind
            and latest is not None
            and latest.content() == ItemVersion(**content, **(plan.number or {})).content()
        ):
            return latest, False  # the same question imported before
    raise ValidationError(
        _("The question %(code)s has been imported too many times.") % {"code": plan.source.code}
    )


def _dimension(plan: Plan) -> str:
    if plan.kind == ItemKind.NPS:
        return Dimension.RECOMMENDATION
    if plan.kind == ItemKind.CSAT:
        return Dimension.SATISFACTION
    return Dimension.OTHER


def _standard_match(plan: Plan) -> ItemVersion | None:
    wording = {_comparable(text) for text in plan.source.texts.values() if text}
    for item in Item.objects.filter(organisation=None, archived_at=None):
        version = item.latest_version()
        if version is None or not wording & {
            _comparable(t) for t in (version.text_fi, version.text_sv, version.text_en) if t
        }:
            continue
        scale = FIXED_SCALES.get(plan.kind, plan.scale)
        if (version.scale_min, version.scale_max) == scale and (
            item.kind == plan.kind or plan.kind in (ItemKind.LIKERT, ItemKind.AGREEMENT, ItemKind.CSAT)
        ):
            return version
    return None


def _comparable(text: str) -> str:
    return normalised(text).rstrip(" .?!:")


def _standard_set(survey: Survey) -> QuestionSet | None:
    """A standard set whose questions the survey asks first, unmodified and in order."""
    asked = list(survey.questions.order_by("order").values_list("item_version_id", flat=True))
    for question_set in QuestionSet.objects.all():
        expected = list(question_set.entries.order_by("order").values_list("item_version_id", flat=True))
        if expected and asked[: len(expected)] == expected:
            return question_set
    return None


def _remember(survey: Survey, version: ItemVersion, plan: Plan) -> None:
    labels: dict[str, str] = {}
    for option in plan.source.options:
        if option.code in plan.values:
            labels |= {label: plan.values[option.code] for label in option.labels.values() if label}
    remember(
        survey,
        version.item_id,
        labels | plan.values,
        source_code=plan.source.code,
        source_texts=plan.source.headings(),
    )


def _imported_touchpoint(organisation: Any, structure: Structure) -> Touchpoint:
    """The organisation's path for imported surveys, with a touchpoint for this one."""
    path = ServicePath.objects.filter(organisation=organisation, code=IMPORTED_PATH).first()
    if path is None:
        path = create_service_path(
            organisation=organisation,
            code=IMPORTED_PATH,
            name_fi="Tuodut kyselyt",
            name_sv="Importerade enkäter",
            name_en="Imported surveys",
        )
    code = f"limesurvey-{structure.survey_id}"[:60]
    touchpoint = path.touchpoints.filter(code=code).first()
    if touchpoint is None:
        titles = _in_languages(structure.titles) or {"fi": f"LimeSurvey {structure.survey_id}"}
        touchpoint = add_touchpoint(
            path,
            code=code,
            name_fi=titles["fi"][:200],
            name_sv=titles.get("sv", "")[:200],
            name_en=titles.get("en", "")[:200],
        )
    return touchpoint


def remember_structure(survey: Survey, structure: Structure) -> list[tuple[str, str]]:
    """Remember a LimeSurvey structure's codes and labels for the survey's questions that
    match its questions (by the code remembered before, or by wording); returns (LimeSurvey
    code, item code) of those matched."""
    by_source = dict(survey.answer_value_maps.values_list("source_code", "item__code"))
    questions = survey.ordered_questions()
    matched = []
    for plan in plan_questions(structure)[0]:
        code = by_source.get(plan.source.code)
        wording = {_comparable(text) for text in plan.source.texts.values() if text}
        for question in questions:
            version = question.item_version
            texts = {_comparable(t) for t in (version.text_fi, version.text_sv, version.text_en) if t}
            if version.item.code == code or wording & texts:
                _remember(survey, version, plan)
                matched.append((plan.source.code, version.item.code))
                break
    return matched
