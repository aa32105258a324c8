"""A survey's results split by the answer to one of its questions: the respondents who gave
each answer (those who used the e-service, the promoters…), as a filter and as a
cross-tabulation of two questions, read from that one survey's raw answers (ADR 0011).

The split is one level below the survey's touchpoint's cell (`results.py`), by the rule
every split follows (`blocks.cell_verdicts`): in each block of each unit's own respondents
to a question, the answer groups with 1 to threshold − 1 respondents are hidden in every
cell that holds the unit, and all of them where those and the rest are too few together.
The rest is everyone else the touchpoint's cell holds (who skipped the question, said
"can't say", or answered another survey there), so the touchpoint's cell minus the shown
groups is never a small group. A group is hidden wherever the touchpoint's cell is. No
other view splits by answers, and the page offers one split at a time.
"""

import json
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_CEILING, Decimal
from typing import Any

from django.db import connection
from django.db.models import Case, Count, F, FilteredRelation, IntegerField, Q, Sum, Value, When
from django.db.models.functions import Cast, Coalesce, Round
from django.db.models.lookups import GreaterThanOrEqual
from django.utils.translation import gettext_lazy as _

from kuulo.core.days import LocalDay
from kuulo.core.models import in_language
from kuulo.feedback.models import CHOICE_KINDS, NUMBER_BUCKETS, ItemKind, ItemVersion, Response, Survey

from .blocks import SHOWN, SMALL, PartsGroup
from .calendar import YEAR, node
from .figures import SHOWN_FOR, UnitRow, hide, start_of
from .history import History, Sums, stretches
from .models import SCALE_POINTS, DailyItemStats
from .table import Table, figure_of, targets_of

SPLITTABLE = {
    ItemKind.CSAT,
    ItemKind.NPS,
    ItemKind.CES,
    ItemKind.AGREEMENT,
    ItemKind.LIKERT,
    ItemKind.YES_NO,
    ItemKind.SINGLE_CHOICE,
}  # one answer each: a multiple choice's groups would overlap, and their overlaps tell
N_SUMS = 3 + SCALE_POINTS + 1  # n, Σ, Σ², counts, can't say: a history's `Sums`
VERDICT_OF = {name: verdict for verdict, name in SHOWN_FOR.items()}


@dataclass(frozen=True)
class AnswerGroup:
    """The respondents who gave one of `values` to the question."""

    key: str
    label: Any
    values: frozenset[Any]


def answer_groups(version: ItemVersion) -> list[AnswerGroup]:
    """How a question's answers group its respondents: NPS as detractors, passives and
    promoters; yes and no; each choice; a scale's lowest two points, those between and the
    highest two (each point of a scale of three or fewer)."""
    kind = version.item.kind
    if kind == ItemKind.NPS:
        return [
            AnswerGroup("detractors", _("Detractors (0–6)"), frozenset(range(7))),
            AnswerGroup("passives", _("Passives (7–8)"), frozenset({7, 8})),
            AnswerGroup("promoters", _("Promoters (9–10)"), frozenset({9, 10})),
        ]
    if kind == ItemKind.YES_NO:
        return [AnswerGroup("1", _("Yes"), frozenset({1})), AnswerGroup("0", _("No"), frozenset({0}))]
    if kind == ItemKind.SINGLE_CHOICE:
        return [
            AnswerGroup(str(choice["value"]), in_language(choice), frozenset({str(choice["value"])}))
            for choice in version.choices
        ]
    if kind not in SPLITTABLE:
        return []
    points = version.scale_values()
    if len(points) < 4:
        return [AnswerGroup(str(value), str(value), frozenset({value})) for value in points]
    # The two lowest and the two highest points together (as a top-2-box reads them), the
    # rest between: groups big enough to be shown more often than single points.
    parts = [("low", points[:2]), ("middle", points[2:-2]), ("high", points[-2:])]
    return [
        AnswerGroup(
            key, f"{values[0]}–{values[-1]}" if len(values) > 1 else str(values[0]), frozenset(values)
        )
        for key, values in parts
        if values
    ]


@dataclass
class Raw:
    """What the survey's answers say per group of the splitting question: each unit's own
    sums and a choice question's picks per stretch of days, and respondents per day (with
    the rest under None) for the blocks."""

    stretches: list[tuple[date, date]]
    sums: dict[tuple[int, str, int, int], Sums]  # (unit, group, version, stretch)
    picks: dict[tuple[int, str, int, int], Counter[str]]
    days: dict[tuple[int, int], dict[date, dict[Any, int]]]  # (unit, version) -> day -> group


@dataclass
class Split:
    """One table per period: (unit, (group key,)) the group's cell, (unit, (None,)) the
    touchpoint's cell it splits; and the first period's picks of choice questions."""

    groups: list[AnswerGroup]
    tables: list[Table]
    picks: dict[tuple[int, str, int], Counter[str]]  # (unit, group, version)


def split(
    survey: Survey,
    splitter: ItemVersion,
    items: Mapping[str, ItemVersion],
    tables: list[Table],
    history: History,
    threshold: int,
    today: date,
) -> Split:
    """The touchpoint's `tables` (of the survey's touchpoint; the first one's period and
    then others, read through `history`) split by the answer to `splitter`, for the item
    versions `items` (keyed as the tables' metrics)."""
    tree = tables[0].tree
    groups = answer_groups(splitter)
    periods = [(table.filters.start, table.filters.end) for table in tables]
    raw = read(survey, splitter, groups, list(items.values()), periods)
    targets = targets_of(tree, items)
    found = []
    picks: dict[tuple[int, str, int], Counter[str]] = {}
    # Each unit's respondents of each question by day in parts: the answer groups, the
    # rest of the touchpoint's cell, and the unit's whole group (ADR 0011).
    parts = {
        (unit_id, version.pk): PartsGroup(
            _parts(days, groups, history.days.get((unit_id, key)), threshold), threshold, today
        )
        for key, version in items.items()
        for (unit_id, version_id), days in raw.days.items()
        if version_id == version.pk
    }
    for index, table in enumerate(tables):
        start, end = table.filters.start, table.filters.end
        inside = {i for i, (first, last) in enumerate(raw.stretches) if start <= first and last <= end}
        sums, picked = _rolled_up(tree.ancestors, raw, inside)
        if index == 0:
            picks = picked
        cells: dict[tuple[int, tuple[Any, ...]], UnitRow] = {
            (unit_id, (None,)): table.row(unit_id) for unit_id in tree.active
        }
        for key, version in items.items():
            # A group is shown only over whole blocks of every unit below, as its cell is.
            below: defaultdict[int, int] = defaultdict(int)
            for (unit_id, version_id), group_days in parts.items():
                if version_id == version.pk and (verdict := group_days.verdict(start, end)):
                    for holder in tree.ancestors.get(unit_id, []):
                        below[holder] = max(below[holder], verdict)
            for unit_id, unit in tree.active.items():
                whole = table.row(unit_id).metrics[key]
                verdict = max(
                    below[unit_id], VERDICT_OF.get(whole.shown_for, SMALL) if whole.hidden else SHOWN
                )
                for group in groups:
                    row = cells.setdefault((unit_id, (group.key,)), UnitRow(unit=unit))
                    found_sums = sums.get((unit_id, group.key, version.pk), [0] * N_SUMS)
                    figure = figure_of(version, found_sums, threshold, targets.get((unit_id, key)))
                    if figure.n and verdict != SHOWN:
                        hide(figure, verdict)
                    row.metrics[key] = figure
        found.append(Table(tree, table.filters, ("answer",), cells, table.blank))
    return Split(groups, found, picks)


def _parts(
    days: dict[date, dict[Any, int]], groups: list[AnswerGroup], whole: dict[date, int] | None, threshold: int
) -> dict[date, tuple[int, ...]]:
    """A unit's respondents of one question per day: the unit's whole group (known from its
    first small day; before it, or without one, every day had none or at least threshold,
    which is all the blocks ask), each answer group, and the rest."""
    found = {}
    for day in set(days) | set(whole or {}):
        by_group = days.get(day, {})
        total = whole.get(day, 0) if whole and day in whole else threshold
        found[day] = (total, *(by_group.get(group.key, 0) for group in groups), by_group.get(None, 0))
    return found


def _rolled_up(
    ancestors: dict[int, list[int]], raw: Raw, inside: set[int]
) -> tuple[dict[tuple[int, str, int], Sums], dict[tuple[int, str, int], Counter[str]]]:
    """Each active unit's sums and picks over its subtree and the stretches `inside`."""
    sums: dict[tuple[int, str, int], Sums] = {}
    for (unit_id, group, version_id, stretch), own in raw.sums.items():
        if stretch in inside:
            for holder in ancestors.get(unit_id, []):
                before = sums.get((holder, group, version_id))
                sums[(holder, group, version_id)] = (
                    list(own) if before is None else [a + b for a, b in zip(before, own, strict=True)]
                )
    picks: defaultdict[tuple[int, str, int], Counter[str]] = defaultdict(Counter)
    for (unit_id, group, version_id, stretch), own_picks in raw.picks.items():
        if stretch in inside:
            for holder in ancestors.get(unit_id, []):
                picks[(holder, group, version_id)].update(own_picks)
    return sums, dict(picks)


def read(
    survey: Survey,
    splitter: ItemVersion,
    groups: list[AnswerGroup],
    versions: list[ItemVersion],
    periods: list[tuple[date, date]],
) -> Raw:
    """Read the survey's answers of the periods, by the group of their respondent's answer
    to `splitter`, and the touchpoint's daily counts from the aggregates for the rest.

    The survey's responses in the periods (its (survey, responded_at) index) are joined to
    their answer to each question through the (response, item version) unique index: one
    row per respondent, never one per answer, grouped by unit, answer and day, in one scan.
    A choice question's picks, JSON lists SQL cannot unpack alike on both engines, are
    counted by the set picked."""
    periods = [(first, last) for first, last in periods if first <= last]
    raw = Raw(stretches(periods), {}, {}, {})
    if not periods or not groups or not versions:
        return raw
    # The blocks need every day from the start of the first period's year.
    first, last = node(YEAR, raw.stretches[0][0]).start, raw.stretches[-1][1]
    group_of = {value: group.key for group in groups for value in group.values}
    aliases = {f"q{i}": version for i, version in enumerate(versions)}
    respondents = (
        Response.objects.annotate(
            given=FilteredRelation("answers", condition=Q(answers__item_version_id=splitter.pk)),
            **{
                alias: FilteredRelation("answers", condition=Q(answers__item_version_id=version.pk))
                for alias, version in aliases.items()
            },
        )
        .filter(
            survey_id=survey.pk,
            responded_at__gte=start_of(first),
            responded_at__lt=start_of(last + timedelta(days=1)),
        )
        .filter(Q(given__number__isnull=False) | Q(given__choices__isnull=False))
    )
    given = ("given__number", "given__choices")
    stretch = Case(
        *(
            When(responded_at__lt=start_of(end + timedelta(days=1)), then=Value(i))
            for i, (_start, end) in enumerate(raw.stretches)
        ),
        output_field=IntegerField(),
    )
    # Sums per day: a scale's n, Σ, Σ² and points, a number's too, a choice question's
    # respondents, every question's "can't say"; added up per stretch here.
    sums: dict[str, Any] = {}
    for alias, version in aliases.items():
        sums[f"{alias}_cant_say"] = _count(Q(**{f"{alias}__cant_say": True}))
        if version.item.kind in CHOICE_KINDS:
            sums[f"{alias}_n"] = _count(Q(**{f"{alias}__choices__isnull": False}))
        elif version.item.kind == ItemKind.NUMBER:
            sums.update(_number_sums(alias, version))
        else:
            number = F(f"{alias}__number")
            sums[f"{alias}_n"] = _count(Q(**{f"{alias}__number__isnull": False}))
            sums[f"{alias}_total"] = Coalesce(Sum(number), Value(0))
            sums[f"{alias}_total_sq"] = Coalesce(Sum(number * number), Value(0))
            for point in version.scale_values():
                sums[f"{alias}_c{point - (version.scale_min or 0)}"] = _count(
                    Q(**{f"{alias}__number": point})
                )
    columns = list(sums)
    position = {name: i for i, name in enumerate(columns)}
    stretch_of = {
        first + timedelta(days=offset): index
        for index, (first, last) in enumerate(raw.stretches)
        for offset in range((last - first).days + 1)
    }
    # Where each question's sums are in a row: n, can't say, Σ and Σ² (None: a choice), the
    # columns of its points (a number's: how many reach each range).
    layout = [
        (
            version.pk,
            version.item.kind == ItemKind.NUMBER,
            position[f"{alias}_n"],
            position[f"{alias}_cant_say"],
            position.get(f"{alias}_total"),
            position.get(f"{alias}_total_sq"),
            [
                position[name]
                for name in (
                    *(f"{alias}_c{i}" for i in range(len(version.scale_values()))),
                    *(f"{alias}_from{i}" for i in range(1, NUMBER_BUCKETS)),
                )
                if name in position
            ],
        )
        for alias, version in aliases.items()
    ]
    query = respondents.values("unit_id", *given, day=LocalDay("responded_at", first, last)).annotate(**sums)
    for unit_id, day, number, choices, *found in _rows(query.values_list("unit_id", "day", *given, *columns)):
        group = _group(group_of, number, choices)
        if group is None:
            continue
        index = stretch_of.get(day)
        for version_id, ranged, n_at, cant_say_at, total_at, total_sq_at, points_at in layout:
            answered = found[n_at]
            if answered:  # respondents per day, for the blocks
                by_group = raw.days.setdefault((unit_id, version_id), {}).setdefault(day, {})
                by_group[group] = by_group.get(group, 0) + answered
            if index is None:
                continue  # a day before the periods: its blocks only
            own = raw.sums.setdefault((unit_id, group, version_id, index), [0] * N_SUMS)
            own[0] += answered
            own[-1] += found[cant_say_at]
            if total_at is not None and total_sq_at is not None:
                own[1] += found[total_at]
                own[2] += found[total_sq_at]
            if ranged:  # from how many reach each range's first value, the count in each
                reach = [answered, *(found[at] for at in points_at), 0]
                for i in range(NUMBER_BUCKETS):
                    own[3 + i] += reach[i] - reach[i + 1]
            else:
                for i, at in enumerate(points_at):
                    own[3 + i] += found[at]
    for alias, version in aliases.items():
        if version.item.kind in CHOICE_KINDS:
            _add_picks(raw, respondents.annotate(stretch=stretch), group_of, alias, version)
    _add_rest(raw, survey, [version.pk for version in versions], first, last)
    return raw


def _rows(query: Any) -> list[tuple[Any, ...]]:
    """A grouped query's rows as the database gives them, less Django's per-value
    converters (a third of the time at 100,000 respondents): days and JSON read here."""
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchall()
    days: dict[Any, date] = {}
    lists: dict[Any, Any] = {}
    rows = []
    for unit_id, day, number, choices, *rest in found:
        if day not in days:
            days[day] = day if isinstance(day, date) else date.fromisoformat(day)
        if isinstance(choices, str):
            choices = lists.setdefault(choices, json.loads(choices))
        rows.append((unit_id, days[day], number, choices, *rest))
    return rows


def _count(condition: Any) -> Any:
    return Count(Case(When(condition, then=Value(1))))


def _number_sums(alias: str, version: ItemVersion) -> dict[str, Any]:
    """A number item's sums in whole steps of its last decimal, as `aggregates.apply` keeps
    them, and how many answers reach each range's first value (an exact comparison of
    whole steps: a range's edge rounded up to a step)."""
    scale = Decimal(10) ** version.decimals
    steps = Cast(Round(F(f"{alias}__amount") * Value(scale)), IntegerField())
    sums: dict[str, Any] = {
        f"{alias}_n": _count(Q(**{f"{alias}__amount__isnull": False})),
        f"{alias}_total": Coalesce(Sum(steps), Value(0)),
        f"{alias}_total_sq": Coalesce(Sum(steps * steps), Value(0)),
    }
    for i, edge in enumerate(version.bucket_edges(), start=1):
        first_step = int((edge * scale).to_integral_value(rounding=ROUND_CEILING))
        sums[f"{alias}_from{i}"] = _count(GreaterThanOrEqual(steps, Value(first_step)))
    return sums


def _add_picks(
    raw: Raw, respondents: Any, group_of: dict[Any, str], alias: str, version: ItemVersion
) -> None:
    """A choice question's picks per stretch, counted by the set of choices each respondent
    picked (JSON lists, which SQL cannot unpack alike on both engines)."""
    for unit_id, index, number, choices, picked, count in (
        respondents.filter(**{f"{alias}__choices__isnull": False})
        .values("unit_id", "stretch", "given__number", "given__choices", f"{alias}__choices")
        .annotate(count=Count("pk"))
        .values_list("unit_id", "stretch", "given__number", "given__choices", f"{alias}__choices", "count")
    ):
        group = _group(group_of, number, choices)
        if group is not None and index is not None:
            picks = raw.picks.setdefault((unit_id, group, version.pk, index), Counter())
            for choice in picked:
                picks[str(choice)] += count


def _group(group_of: dict[Any, str], number: int | None, choices: list[Any] | None) -> str | None:
    if number is not None:
        return group_of.get(number)
    return group_of.get(str(choices[0])) if choices else None


def _add_rest(raw: Raw, survey: Survey, version_ids: list[int], first: date, last: date) -> None:
    """The rest of each unit's day: its respondents at the touchpoint (the aggregates)
    whom no group holds."""
    at_touchpoint = (
        DailyItemStats.objects.filter(
            organisation_id=survey.organisation_id,
            touchpoint_id=survey.touchpoint_id,
            item_version_id__in=version_ids,
            day__range=(first, last),
        )
        .values("unit_id", "item_version_id", "day")
        .annotate(respondents=Sum("n"))
        .values_list("unit_id", "item_version_id", "day", "respondents")
    )
    for unit_id, version_id, day, respondents in at_touchpoint:
        by_group = raw.days.setdefault((unit_id, version_id), {}).setdefault(day, {})
        by_group[None] = max(respondents - sum(by_group.values()), 0)
