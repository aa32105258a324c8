"""What the dashboards show of single responses: comments, the successes wall and single
responses for export. Each follows the row-level policy (organisations/rows.py, ADR 0005):
rows only from a unit's day whose group reaches the comment threshold, never today's."""

from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from django.db.models import Q, Sum
from django.utils import timezone

from kuulo.feedback.models import Answer, ItemVersion, Response
from kuulo.feedback.services import CANT_SAY
from kuulo.organisations.models import Unit
from kuulo.organisations.rows import released

from .figures import Filters, start_of

CommentDays = list[tuple[date, dict[int, int]]]  # newest first: (day, comments per unit)


def _comment_days(unit_ids: list[int], filters: Filters, text_threshold: int) -> CommentDays:
    """The days on which each of these units had at least `text_threshold` comments (free-
    text answers) within the filters, newest first. A comment names its unit and day, so it
    is shown only among that many of its unit's that day; never today's, whose group is
    still growing (ADR 0005)."""
    filters = filters.completed(timezone.localdate())
    rows = (
        filters.stats_table.objects.filter(filters.q(), unit_id__in=unit_ids, texts__gt=0)
        .values("unit_id", "day")
        .annotate(texts_=Sum("texts"))
    )
    days: defaultdict[date, dict[int, int]] = defaultdict(dict)
    for row in rows:
        if row["texts_"] >= text_threshold:
            days[row["day"]][row["unit_id"]] = row["texts_"]
    return sorted(days.items(), key=lambda item: item[0], reverse=True)


def latest_comments(unit: Unit, filters: Filters, text_threshold: int, limit: int = 10) -> list[Any] | None:
    """The newest free-text answers of the period (already redacted when stored), each from
    a day on which its unit had at least `text_threshold` of them; None when there is no
    such day, since a comment can reveal its writer."""
    filters = replace(filters, organisation_id=unit.organisation_id)
    days = _comment_days(unit.subtree_ids, filters, text_threshold)
    if not days:
        return None
    return _newest_comments(days, filters, limit)


def _newest_comments(days: CommentDays, filters: Filters, limit: int, only: Q | None = None) -> list[Any]:
    """The newest `limit` free-text answers (narrowed by `only`) of these units and days.
    The aggregates count texts per day, so the raw answers are read only from the last days
    that hold enough of them (widened when `only` leaves too few), never the whole period."""
    wanted = limit
    while True:
        chosen, total = [], 0
        for day, units in days:
            chosen.append((day, units))
            total += sum(units.values())
            if total >= wanted:
                break
        where = Q(pk__in=[])
        for day, units in chosen:
            where |= Q(
                response__unit_id__in=list(units),
                response__responded_at__gte=start_of(day),
                response__responded_at__lt=start_of(day + timedelta(days=1)),
            )
        answers = (
            Answer.objects.filter(
                where, filters.responses_q("response__"), number__isnull=True, choices__isnull=True
            )
            .exclude(text="")
            .filter(only or Q())
            .order_by("-response__responded_at")
        )
        found = list(answers.select_related("response__unit", "item_version")[:limit])
        if len(found) >= limit or len(chosen) == len(days):
            return found
        wanted *= 4


# --- The positive-feedback wall ("onnistumiset") ------------------------------------------------


def praise(units: list[Unit], filters: Filters, text_threshold: int, limit: int = 30) -> list[Answer]:
    """The best comments of the period: free text from customers who were satisfied (CSAT
    4–5 or NPS 9–10) or whose verbal feedback was positive, from units whose group is
    large enough for comments to be shown."""
    if not units:
        return []
    filters = replace(filters, organisation_id=units[0].organisation_id)
    days = _comment_days([unit.pk for unit in units], filters, text_threshold)
    pleased = Answer.objects.filter(
        Q(item_version__item__code="csat", number__gte=4) | Q(item_version__item__code="nps", number__gte=9)
    ).values("response_id")
    return _newest_comments(
        days, filters, limit, only=Q(response_id__in=pleased) | Q(response__sentiment="positive")
    )


# --- Single responses for export (permitted roles only) ------------------------------------------

EXPORT_LIMIT = 200_000
EXPORT_CHUNK = 2_000


@dataclass
class ExportedResponse:
    day: date  # never the time (organisations/rows.py)
    unit_id: int
    touchpoint_id: int | None
    channel: str
    language: str
    answers: dict[int, Any]  # item version id -> number, choices, text or "can't say"


def responses_for_export(
    units: Any,
    filters: Filters,
    limit: int,
    threshold: int,
    progress: Callable[[float], None] | None = None,
) -> tuple[Iterator[ExportedResponse], list[ItemVersion]]:
    """The period's responses in these units that the row-level policy releases (days over,
    groups of at least `threshold` per unit and day: organisations/rows.py), with their
    answers by item version, read a chunk at a time as plain values (an export of a year is
    hundreds of thousands of rows: never a model instance each); and the versions answered
    (in item order), known before the first row. Free text is exported as stored: redacted
    when received. `progress` hears the share read (0–1). Respondent and age group never
    narrow the rows: they are not row fields (rows.py), and rows picked by one would carry it."""
    filters = replace(filters, respondent_type="", age_band="")
    responses = released(
        Response.objects.filter(filters.responses_q(), unit__in=units),
        threshold=threshold,
        days=(filters.start, filters.end),
    )
    answered = Answer.objects.filter(response__in=responses.values("pk")).values("item_version_id").distinct()
    versions = sorted(
        ItemVersion.objects.filter(pk__in=answered).select_related("item"),
        key=lambda version: (version.item.code, version.number),
    )
    total = min(responses.count(), limit) if progress else 0
    fields = ("pk", "responded_at", "unit_id", "touchpoint_id", "channel", "language")
    rows = responses.order_by("responded_at", "pk").values_list(*fields)[:limit]

    def read() -> Iterator[ExportedResponse]:
        done = 0
        chunk: list[tuple[Any, ...]] = []
        for row in rows.iterator(chunk_size=EXPORT_CHUNK):
            chunk.append(row)
            if len(chunk) == EXPORT_CHUNK:
                yield from _with_answers(chunk)
                done += len(chunk)
                chunk = []
                if progress and total:
                    progress(done / total)
        yield from _with_answers(chunk)

    return read(), versions


def _with_answers(chunk: list[tuple[Any, ...]]) -> Iterator[ExportedResponse]:
    """A chunk of responses with their answers, read in one query."""
    if not chunk:
        return
    answers: defaultdict[int, dict[int, Any]] = defaultdict(dict)
    found = Answer.objects.filter(response_id__in=[row[0] for row in chunk]).values_list(
        "response_id", "item_version_id", "number", "amount", "choices", "cant_say", "text"
    )
    for response_id, version_id, number, amount, choices, cant_say, text in found:
        if number is not None:
            value: Any = number
        elif amount is not None:
            value = float(amount)
        elif choices:
            value = "; ".join(choices)
        elif cant_say:
            value = CANT_SAY  # as the API takes it
        else:
            value = text
        answers[response_id][version_id] = value
    for pk, responded_at, unit_id, touchpoint_id, channel, language in chunk:
        yield ExportedResponse(
            timezone.localtime(responded_at).date(), unit_id, touchpoint_id, channel, language, answers[pk]
        )
