"""Keeping the aggregates in step with the responses, and rebuilding them.

`apply` turns responses into sums per grain and adds (or, for deleted responses,
subtracts) them with one upsert statement per table: INSERT … ON CONFLICT (key) DO
UPDATE SET n = n + excluded.n. It runs inside the transaction that stores or deletes
the responses (via feedback's signals), so a dashboard sees a response as soon as it
is committed, and the sums can never disagree with the rows they count. A response
that arrives late or is imported lands on the day it was answered.

`rebuild` recomputes every table from the raw responses with GROUP BY queries: a
second, independent computation, used after bulk changes made outside the services
and by the tests that check the two agree.
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import Case, Count, F, IntegerField, Q, Sum, Value, When
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from kuulo.feedback.models import Answer, ItemVersion, Response
from kuulo.feedback.signals import ResponseFacts

from .models import (
    SCALE_POINTS,
    SEGMENT,
    WHERE,
    DailyChoiceCount,
    DailyItemStats,
    DailyResponseCount,
    DailySegmentStats,
    DailyUnitCount,
)

STATS_FIELDS = ["n", "total", "total_sq", *(f"c{i}" for i in range(SCALE_POINTS)), "texts", "cant_say"]
TEXTS, CANT_SAY = STATS_FIELDS.index("texts"), STATS_FIELDS.index("cant_say")
# Each table's key, in the order of its unique constraint (models.py).
ITEM_KEY = [*WHERE, "item_version_id"]
SEGMENT_KEY = [*ITEM_KEY, *SEGMENT]
CHOICE_KEY = [*SEGMENT_KEY, "choice"]
RESPONSE_KEY = [*WHERE, "survey_id", *SEGMENT, "sentiment"]
UNIT_KEY = [*WHERE, "channel"]
# Rows per upsert statement: well under the databases' limits on query parameters.
UPSERT_CHUNK = 400


def on_stored(sender: Any, responses: list[ResponseFacts], **kwargs: Any) -> None:
    apply(responses, +1)


def on_deleted(sender: Any, responses: list[ResponseFacts], **kwargs: Any) -> None:
    apply(responses, -1)


def apply(responses: list[ResponseFacts], sign: int) -> None:
    """Add (sign +1) or subtract (sign -1) these responses in every aggregate table."""
    if not responses:
        return
    scale_min = _scale_minimums(responses)
    numbers = _number_shapes(responses)
    items: defaultdict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0] * len(STATS_FIELDS))
    segments: defaultdict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0] * len(STATS_FIELDS))
    choices: defaultdict[tuple[Any, ...], int] = defaultdict(int)
    counts: defaultdict[tuple[Any, ...], int] = defaultdict(int)
    unit_counts: defaultdict[tuple[Any, ...], int] = defaultdict(int)
    for facts in responses:
        day = timezone.localdate(facts.responded_at)
        where = (facts.organisation_id, day, facts.unit_id, facts.touchpoint_id or 0)
        segment = (facts.channel, facts.language, facts.respondent_type, facts.age_band)
        counts[(*where, facts.survey_id or 0, *segment, facts.sentiment)] += sign
        unit_counts[(*where, facts.channel)] += sign
        for answer in facts.answers:
            item_key = (*where, answer.item_version_id)
            if answer.number is not None:
                point = answer.number - (scale_min.get(answer.item_version_id) or 0)
                for sums in (items[item_key], segments[(*item_key, *segment)]):
                    sums[0] += sign
                    sums[1] += sign * answer.number
                    sums[2] += sign * answer.number * answer.number
                    sums[3 + point] += sign
            elif answer.amount is not None:
                for sums in (items[item_key], segments[(*item_key, *segment)]):
                    _add_amount(sums, numbers[answer.item_version_id], answer.amount, sign)
            elif answer.choices:
                # n counts a choice question's respondents (the figure its picks are shown under)
                items[item_key][0] += sign
                segments[(*item_key, *segment)][0] += sign
                for choice in answer.choices:
                    choices[(*item_key, *segment, choice)] += sign
            elif answer.cant_say:
                items[item_key][CANT_SAY] += sign
                segments[(*item_key, *segment)][CANT_SAY] += sign
            elif answer.text:
                items[item_key][TEXTS] += sign
                segments[(*item_key, *segment)][TEXTS] += sign
    with transaction.atomic(savepoint=False):  # the caller's transaction; no savepoint needed
        _upsert(DailyItemStats, ITEM_KEY, STATS_FIELDS, [(*k, *v) for k, v in items.items()])
        _upsert(DailySegmentStats, SEGMENT_KEY, STATS_FIELDS, [(*k, *v) for k, v in segments.items()])
        _upsert(DailyChoiceCount, CHOICE_KEY, ["count"], [(*k, v) for k, v in choices.items()])
        _upsert(DailyResponseCount, RESPONSE_KEY, ["count"], [(*k, v) for k, v in counts.items()])
        _upsert(DailyUnitCount, UNIT_KEY, ["count"], [(*k, v) for k, v in unit_counts.items()])
        if sign < 0:
            _drop_empty_rows({k[1] for k in counts}, {k[2] for k in counts})


def _scale_minimums(responses: list[ResponseFacts]) -> dict[int, int | None]:
    """Where each numeric answer's scale starts: validated answers carry it, stored Answer
    rows (deleted responses) are looked up."""
    found: dict[int, int | None] = {}
    missing = set()
    for facts in responses:
        for answer in facts.answers:
            if answer.number is None or answer.item_version_id in found:
                continue
            if (known := getattr(answer, "scale_min", None)) is not None:
                found[answer.item_version_id] = known
            else:
                missing.add(answer.item_version_id)
    if missing - set(found):
        found.update(ItemVersion.objects.filter(pk__in=missing - set(found)).values_list("pk", "scale_min"))
    return found


def _number_shapes(responses: list[ResponseFacts]) -> dict[int, ItemVersion]:
    """The number items answered, whose decimals and ranges the sums are kept in."""
    wanted = {a.item_version_id for facts in responses for a in facts.answers if a.amount is not None}
    return ItemVersion.objects.in_bulk(wanted) if wanted else {}


def _add_amount(sums: list[int], version: ItemVersion, amount: Decimal, sign: int) -> None:
    """A number answer in the sums: n, Σ and Σ² in steps of its last decimal (whole numbers,
    so that adding and taking away stays exact), and a count in its range (ADR 0010)."""
    steps = int(amount.scaleb(version.decimals))
    sums[0] += sign
    sums[1] += sign * steps
    sums[2] += sign * steps * steps
    sums[3 + version.bucket_of(amount)] += sign


def _upsert(model: Any, key: list[str], values: list[str], rows: list[tuple[Any, ...]]) -> None:
    if not rows:
        return
    ops = connection.ops
    table = ops.quote_name(model._meta.db_table)
    columns = [*key, *values]
    names = ", ".join(ops.quote_name(c) for c in columns)
    conflict = ", ".join(ops.quote_name(c) for c in key)
    updates = ", ".join(
        f"{ops.quote_name(v)} = {table}.{ops.quote_name(v)} + excluded.{ops.quote_name(v)}" for v in values
    )
    day_index = columns.index("day")
    placeholders = "(" + ", ".join(["%s"] * len(columns)) + ")"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), UPSERT_CHUNK):
            chunk = rows[start : start + UPSERT_CHUNK]
            params = [
                ops.adapt_datefield_value(value) if i == day_index else value
                for row in chunk
                for i, value in enumerate(row)
            ]
            # Only quoted names from the model and %s placeholders go into the SQL.
            cursor.execute(
                f"INSERT INTO {table} ({names}) VALUES {', '.join([placeholders] * len(chunk))} "  # noqa: S608
                f"ON CONFLICT ({conflict}) DO UPDATE SET {updates}",
                params,
            )


def _drop_empty_rows(days: set[date], unit_ids: set[int]) -> None:
    """Rows that deletions brought to zero say nothing: remove them."""
    scope = Q(day__in=days, unit_id__in=unit_ids)
    DailyItemStats.objects.filter(scope, n=0, texts=0, cant_say=0).delete()
    DailySegmentStats.objects.filter(scope, n=0, texts=0, cant_say=0).delete()
    DailyChoiceCount.objects.filter(scope, count=0).delete()
    DailyResponseCount.objects.filter(scope, count=0).delete()
    DailyUnitCount.objects.filter(scope, count=0).delete()


# --- Rebuilding from raw data -------------------------------------------------------------------


def rebuild(organisation_ids: Iterable[int] | None = None) -> dict[str, int]:
    """Recompute all aggregate tables (of these organisations) from raw responses."""
    tables: list[Any] = [
        DailyItemStats,
        DailySegmentStats,
        DailyChoiceCount,
        DailyResponseCount,
        DailyUnitCount,
    ]
    written = {}
    with transaction.atomic():
        for model in tables:
            rows = model.objects.all()
            if organisation_ids is not None:
                rows = rows.filter(organisation_id__in=list(organisation_ids))
            rows.delete()
        answers = Answer.objects.all()
        responses = Response.objects.all()
        if organisation_ids is not None:
            answers = answers.filter(response__organisation_id__in=list(organisation_ids))
            responses = responses.filter(organisation_id__in=list(organisation_ids))
        written["item"] = _rebuild_stats(DailyItemStats, answers, [])
        written["item"] += _rebuild_numbers(DailyItemStats, answers, [])
        written["segment"] = _rebuild_stats(DailySegmentStats, answers, SEGMENT)
        written["segment"] += _rebuild_numbers(DailySegmentStats, answers, SEGMENT)
        written["choice"] = _rebuild_choices(answers)
        written["response"] = _rebuild_responses(responses)
        written["unit"] = _rebuild_unit_counts(responses)
    # Fresh statistics, or SQLite's planner (which has none until told) reads an
    # organisation's whole history by the wrong index on every dashboard.
    with connection.cursor() as cursor:
        for model in tables:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    return written


def _local_day(field: str) -> Any:
    return TruncDate(field, tzinfo=timezone.get_current_timezone())


def _answer_groups(answers: Any, segment: list[str]) -> Any:
    return answers.annotate(
        organisation_id=F("response__organisation_id"),
        day=_local_day("response__responded_at"),
        unit_id=F("response__unit_id"),
        touchpoint_id=Coalesce("response__touchpoint_id", Value(0)),
        **{name: F(f"response__{name}") for name in segment},
    ).values("organisation_id", "day", "unit_id", "touchpoint_id", "item_version_id", *segment)


def _rebuild_stats(model: Any, answers: Any, segment: list[str]) -> int:
    numeric = Q(number__isnull=False)
    point = F("number") - Coalesce("item_version__scale_min", Value(0))
    sums: dict[str, Any] = {
        "n": Count("pk", filter=numeric | Q(choices__isnull=False)),  # a choice counts its respondent
        "total": Coalesce(Sum("number"), Value(0)),
        "total_sq": Coalesce(Sum(F("number") * F("number")), Value(0)),
        "texts": Count("pk", filter=Q(number__isnull=True, choices__isnull=True) & ~Q(text="")),
        "cant_say": Count("pk", filter=Q(cant_say=True)),
    }
    for i in range(SCALE_POINTS):
        sums[f"c{i}"] = Sum(
            Case(When(numeric & Q(point=i), then=Value(1)), default=Value(0), output_field=IntegerField())
        )
    key = [*ITEM_KEY, *segment]
    groups = (
        _answer_groups(answers.annotate(point=point), segment)
        .annotate(**sums)
        .filter(Q(n__gt=0) | Q(texts__gt=0) | Q(cant_say__gt=0))
        .values_list(*key, *STATS_FIELDS)
    )
    return _insert_select(model, [*key, *STATS_FIELDS], groups)


def _insert_select(model: Any, columns: list[str], queryset: Any) -> int:
    """INSERT INTO the table SELECT the grouped rows: the database does all the work.
    The queryset's values_list names the columns in the table's order."""
    sql, params = queryset.query.sql_with_params()
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(column) for column in columns)
    with connection.cursor() as cursor:
        # The SELECT is the ORM's own, with its parameters passed separately.
        cursor.execute(f"INSERT INTO {table} ({names}) {sql}", params)
        return cursor.rowcount


def _rebuild_numbers(model: Any, answers: Any, segment: list[str]) -> int:
    """Number answers (the SQL above leaves them out): summed in Python, in their steps and
    ranges, as `apply` sums them."""
    key = [*ITEM_KEY, *segment]
    numbers = answers.filter(amount__isnull=False)
    versions = ItemVersion.objects.in_bulk(set(numbers.values_list("item_version_id", flat=True)))
    sums: defaultdict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0] * len(STATS_FIELDS))
    for *where, amount in _answer_groups(numbers, segment).values_list(*key, "amount"):
        _add_amount(sums[tuple(where)], versions[where[len(ITEM_KEY) - 1]], amount, +1)
    model.objects.bulk_create(
        [model(**dict(zip([*key, *STATS_FIELDS], [*k, *v], strict=True))) for k, v in sums.items()],
        batch_size=1000,
    )
    return len(sums)


def _rebuild_choices(answers: Any) -> int:
    """Choices are a JSON list per answer, which SQL cannot group portably: count in Python."""
    totals: defaultdict[tuple[Any, ...], int] = defaultdict(int)
    picked = _answer_groups(answers.filter(choices__isnull=False), SEGMENT).values_list(
        *CHOICE_KEY[:-1], "choices"
    )
    for *key, choices in picked:
        for choice in choices or []:
            totals[(*key, choice)] += 1
    DailyChoiceCount.objects.bulk_create(
        [DailyChoiceCount(**dict(zip(CHOICE_KEY, key, strict=True)), count=n) for key, n in totals.items()],
        batch_size=1000,
    )
    return len(totals)


def _rebuild_responses(responses: Any) -> int:
    groups = (
        responses.annotate(
            day=_local_day("responded_at"),
            touchpoint_key=Coalesce("touchpoint_id", Value(0)),
            survey_key=Coalesce("survey_id", Value(0)),
        )
        .values("organisation_id", "day", "unit_id", "touchpoint_key", "survey_key", *SEGMENT, "sentiment")
        .annotate(count=Count("pk"))
        .values_list(
            "organisation_id",
            "day",
            "unit_id",
            "touchpoint_key",
            "survey_key",
            *SEGMENT,
            "sentiment",
            "count",
        )
    )
    return _insert_select(DailyResponseCount, [*RESPONSE_KEY, "count"], groups)


def _rebuild_unit_counts(responses: Any) -> int:
    groups = (
        responses.annotate(day=_local_day("responded_at"), touchpoint_key=Coalesce("touchpoint_id", Value(0)))
        .values("organisation_id", "day", "unit_id", "touchpoint_key", "channel")
        .annotate(count=Count("pk"))
        .values_list("organisation_id", "day", "unit_id", "touchpoint_key", "channel", "count")
    )
    return _insert_select(DailyUnitCount, [*UNIT_KEY, "count"], groups)
