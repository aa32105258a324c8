"""No group of fewer respondents than the threshold can be seen or worked out, from any
number of periods read on any days (the rule of docs/adr/0005-suppression.md, without a
database: `blocks.Group` and the roll-up along the unit tree that `table.build` does).

For random unit trees and respondents per unit and day (over five months across a year's
end), the cells shown for many periods (single days, rolling 7/28/90-day windows, whole
months, quarters and the year, random periods) read on several days are collected. Then:

1. every shown cell has no respondents or at least the threshold;
2. cutting (unit, day) into classes by which shown cells hold them, every class has no
   respondents or at least the threshold: whatever anyone works out from the shown cells,
   even knowing which units had no respondents on which days, is a sum of whole classes;
3. for pairs of periods (nested, shifted by a day, the same window read on the next day,
   one ending today against one that does not), exact linear algebra over the (unit, day)
   variables finds no unit's days in one period and not the other, or single day, of 1 to
   threshold − 1 respondents determined by the two periods' shown cells.

The rule the dashboards had (a cell shown when its period has no respondents or at least
the threshold) fails the same check, and so does the first proposal for this rule (each
cell judged on its own totals, hidden cells protected within each period).
"""

import random
from collections import defaultdict
from datetime import date, timedelta
from fractions import Fraction
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from kuulo.insights.blocks import EVERY, SHOWN, Group, cell_verdicts
from kuulo.insights.calendar import MONTH, QUARTER, YEAR, node

FIRST = date(2025, 10, 1)
LAST = date(2026, 2, 28)
DAYS = (LAST - FIRST).days + 1

Var = tuple[int, Any, date]  # (unit, value of the split or None, day): the unit's own respondents
Shown = tuple[frozenset[Var], int]  # the (unit, day) a shown cell sums, and their respondents


def determined(unknowns: list[Any], equations: list[dict[Any, int]]) -> set[Any]:
    """Which unknowns a set of linear equations pins down (a unit vector in their row space)."""
    basis = _reduced(unknowns, equations)
    return {unknown for unknown in unknowns if _in_row_space(basis, {unknown: 1})}


def group_determined(unknowns: list[Any], equations: list[dict[Any, int]], group: set[Any]) -> bool:
    """Whether the sum over `group` (unknowns) follows from the equations."""
    return _in_row_space(_reduced(unknowns, equations), dict.fromkeys(group, 1))


def _reduced(unknowns: list[Any], equations: list[dict[Any, int]]) -> list[dict[Any, Fraction]]:
    """A reduced row-echelon basis of the equations' row space, each row led by its pivot."""
    order = {unknown: i for i, unknown in enumerate(unknowns)}
    basis: list[dict[Any, Fraction]] = []
    for equation in equations:
        row = {u: Fraction(c) for u, c in equation.items() if c}
        row = _reduce(basis, row, order)
        if not row:
            continue
        pivot = min(row, key=order.__getitem__)
        lead = row[pivot]
        row = {u: c / lead for u, c in row.items()}
        for other in basis:
            if pivot in other:
                factor = other[pivot]
                for u, c in row.items():
                    other[u] = other.get(u, Fraction(0)) - factor * c
                    if other[u] == 0:
                        del other[u]
        basis.append(row)
    return basis


def _reduce(
    basis: list[dict[Any, Fraction]], row: dict[Any, Fraction], order: dict[Any, int]
) -> dict[Any, Fraction]:
    row = dict(row)
    for base in basis:
        pivot = min(base, key=order.__getitem__)
        if pivot in row:
            factor = row[pivot]
            for u, c in base.items():
                row[u] = row.get(u, Fraction(0)) - factor * c
                if row[u] == 0:
                    del row[u]
    return row


def _in_row_space(basis: list[dict[Any, Fraction]], vector: dict[Any, int]) -> bool:
    order = {u: i for i, u in enumerate(sorted({u for row in basis for u in row} | set(vector), key=repr))}
    return not _reduce(basis, {u: Fraction(c) for u, c in vector.items()}, order)


# --- The rule over a synthetic organisation ------------------------------------------------------


class Organisation:
    """Units (parents before children) and each unit's own respondents per value of a split
    ("a", "b", or None: no value) and day; tables split by that value or not."""

    def __init__(
        self, parents: list[int | None], counts: dict[Var, int], threshold: int, split: bool
    ) -> None:
        self.parents, self.counts, self.threshold, self.split = parents, counts, threshold, split
        self.above = {unit: self.ancestors(unit) for unit in range(len(parents))}

    def ancestors(self, unit: int) -> list[int]:
        found: list[int] = []
        at: int | None = unit
        while at is not None:
            found.append(at)
            at = self.parents[at]
        return found

    def shown(self, start: date, end: date, today: date) -> list[Shown]:
        """The cells `table.build` shows for the period read on `today` (through the same
        `blocks.cell_verdicts`): a cell is shown when its verdict is, or it has no one."""
        end = min(end, today - timedelta(days=1))  # complete days only
        if start > end:
            return []
        days: dict[int, defaultdict[date, int]] = {unit: defaultdict(int) for unit in self.above}
        split: dict[int, dict[date, dict[Any, int]]] = defaultdict(lambda: defaultdict(dict))
        for (unit, value, day), n in self.counts.items():
            days[unit][day] += n
            split[unit][day][value] = n  # None: without a value
        groups = {unit: Group(dict(by_day), self.threshold, today) for unit, by_day in days.items() if by_day}
        verdicts = cell_verdicts(self.above, groups, split if self.split else {}, start, end, self.threshold)
        found = []
        for cell in range(len(self.parents)):
            for values in [(), *([("a",), ("b",)] if self.split else [])]:
                members = frozenset(
                    var
                    for var in self.counts
                    if cell in self.above[var[0]]
                    and start <= var[2] <= end
                    and (not values or var[1] == values[0])
                )
                n = sum(self.counts[var] for var in members)
                verdict = max(
                    verdicts.get((cell, values), SHOWN),
                    verdicts.get((cell, (EVERY,)), SHOWN) if values else SHOWN,
                    verdicts.get((cell, ()), SHOWN),
                )
                if n == 0 or verdict == SHOWN:
                    found.append((members, n))
        return found


def periods(today: date, rng: random.Random) -> list[tuple[date, date]]:
    """Periods someone could ask for on `today`."""
    yesterday = today - timedelta(days=1)
    found = [(yesterday - timedelta(days=length - 1), yesterday) for length in (1, 7, 28, 90)]
    found += [(yesterday - timedelta(days=i), yesterday - timedelta(days=i)) for i in range(1, 40)]
    for level in (MONTH, QUARTER, YEAR):
        holder = node(level, FIRST)
        while holder.start <= yesterday:
            found.append((holder.start, holder.end))
            holder = node(level, holder.end + timedelta(days=1))
    for _ in range(30):
        start = FIRST + timedelta(days=rng.randrange(DAYS))
        found.append((start, start + timedelta(days=rng.randrange(60))))
    return [(start, end) for start, end in found if start <= end]


def classes_are_safe(organisation: Organisation, shown: list[Shown]) -> list[tuple[int, set[Var]]]:
    """The classes of (unit, day) by the shown cells that hold them, with 1 to threshold − 1
    respondents (none if the rule holds)."""
    rng = random.Random(7)
    signature: defaultdict[Var, int] = defaultdict(int)
    for cells, _n in shown:
        weight = rng.getrandbits(64)  # a sum of random weights names the set of cells
        for var in cells:
            signature[var] = (signature[var] + weight) % 2**64
    classes: defaultdict[int, set[Var]] = defaultdict(set)
    for var, key in signature.items():
        classes[key].add(var)
    small = []
    for members in classes.values():
        n = sum(organisation.counts.get(var, 0) for var in members)
        if 0 < n < organisation.threshold:
            small.append((n, members))
    return small


def pair_leaks(
    organisation: Organisation, first: list[Shown], second: list[Shown], days: list[date]
) -> list[Any]:
    """Groups of 1 to threshold − 1 respondents (one unit's days in one period and not the
    other, in both, or a single day) that the two periods' shown cells determine, for
    someone who knows which (unit, day) had no respondents."""
    both = {var for cells, _n in first + second for var in cells}
    unknowns = sorted((var for var in both if organisation.counts.get(var, 0)), key=repr)
    known = set(unknowns)
    equations = [{var: 1 for var in cells if var in known} for cells, _n in first + second]
    equations = [equation for equation in equations if equation]
    in_first = {var for cells, _n in first for var in cells}
    in_second = {var for cells, _n in second for var in cells}
    groups: list[set[Var]] = []
    for atom in {var[:2] for var in known}:
        mine = {var for var in known if var[:2] == atom}
        groups += [mine & in_first - in_second, mine & in_second - in_first, mine & in_first & in_second]
        groups += [{var} for var in mine if var[2] in days]
    basis = _reduced(unknowns, equations)
    leaks = []
    for group in groups:
        n = sum(organisation.counts[var] for var in group)
        if 0 < n < organisation.threshold and _in_row_space(basis, dict.fromkeys(group, 1)):
            leaks.append((n, sorted(group)))
    return leaks


@st.composite
def organisations(draw: st.DrawFn) -> Organisation:
    size = draw(st.integers(1, 4))
    parents: list[int | None] = [None] + [draw(st.integers(0, index - 1)) for index in range(1, size)]
    split = draw(st.booleans())
    counts: dict[Var, int] = {}
    for _ in range(draw(st.integers(0, 40))):
        unit = draw(st.integers(0, size - 1))
        value = draw(st.sampled_from(["a", "b", None])) if split else None
        day = FIRST + timedelta(days=draw(st.integers(0, DAYS - 1)))
        counts[(unit, value, day)] = counts.get((unit, value, day), 0) + draw(st.integers(1, 7))
    return Organisation(parents, counts, draw(st.integers(2, 5)), split)


@settings(max_examples=150, deadline=None)
@given(
    organisation=organisations(),
    seed=st.integers(0, 2**32),
    moments=st.lists(st.integers(1, DAYS), min_size=1, max_size=3),
)
def test_no_small_group_from_any_periods_on_any_days(
    organisation: Organisation, seed: int, moments: list[int]
) -> None:
    rng = random.Random(seed)
    shown: list[Shown] = []
    for moment in sorted(moments):
        today = FIRST + timedelta(days=moment)
        for start, end in periods(today, rng):
            for cells, n in organisation.shown(start, end, today):
                assert n == 0 or n >= organisation.threshold
                shown.append((cells, n))
    assert not classes_are_safe(organisation, shown)


PAIRS = st.sampled_from(["nested", "shifted", "next day", "today"])


@settings(max_examples=150, deadline=None)
@given(
    organisation=organisations(),
    kind=PAIRS,
    start=st.integers(0, DAYS - 1),
    length=st.integers(0, 40),
    moment=st.integers(1, DAYS),
)
def test_no_small_group_from_two_periods(
    organisation: Organisation, kind: str, start: int, length: int, moment: int
) -> None:
    today = FIRST + timedelta(days=moment)
    first = (FIRST + timedelta(days=start), FIRST + timedelta(days=start + length))
    later = today
    if kind == "nested":
        second = (first[0] + timedelta(days=length // 3), first[1] - timedelta(days=length // 4))
    elif kind == "shifted":
        second = (first[0] + timedelta(days=1), first[1] + timedelta(days=1))
    elif kind == "next day":  # the same rolling window, read again tomorrow
        first = (today - timedelta(days=length + 1), today - timedelta(days=1))
        second = (first[0] + timedelta(days=1), first[1] + timedelta(days=1))
        later = today + timedelta(days=1)
    else:  # a period asked up to today, against the same up to yesterday
        first = (today - timedelta(days=length), today)
        second = (first[0], today - timedelta(days=1))
    one = organisation.shown(*first, today)
    two = organisation.shown(*second, later)
    days = [first[0] + timedelta(days=i) for i in range(-1, length + 3)]
    assert not pair_leaks(organisation, one, two, days)


# --- What the check finds in the rules before this one -------------------------------------------


def old_rule(organisation: Organisation, start: date, end: date) -> list[Shown]:
    """The dashboards before: each period on its own, a cell shown with no respondents or
    at least the threshold (and today counted)."""
    found = []
    for cell in range(len(organisation.parents)):
        members = frozenset(
            var
            for var in organisation.counts
            if cell in organisation.above[var[0]] and start <= var[2] <= end
        )
        n = sum(organisation.counts[var] for var in members)
        if n == 0 or n >= organisation.threshold:
            found.append((members, n))
    return found


def test_the_check_finds_the_old_rule_giving_away_a_day() -> None:
    """Two custom periods one day apart: 5 respondents, then 6. The old rule shows both,
    and their difference is the one who answered on the second day."""
    monday, tuesday = date(2026, 1, 12), date(2026, 1, 13)
    organisation = Organisation([None], {(0, None, monday): 5, (0, None, tuesday): 1}, 5, split=False)
    today = date(2026, 1, 20)
    leaks = pair_leaks(
        organisation,
        old_rule(organisation, monday, monday),
        old_rule(organisation, monday, tuesday),
        [tuesday],
    )
    assert (1, [(0, None, tuesday)]) in leaks
    # The rule now: the second period cuts January, in which the unit had a day of one.
    assert [n for _cells, n in organisation.shown(monday, tuesday, today)] == []
    shown = organisation.shown(monday, monday, today), organisation.shown(monday, tuesday, today)
    assert not pair_leaks(organisation, *shown, [tuesday])
    # January's end block (the 13th on) holds one respondent: January is small, and its end
    # block goes on to the end of the quarter. Whole months are not enough; the quarter is,
    # once it has more answers after the 13th.
    february = date(2026, 2, 2)
    assert [n for _cells, n in organisation.shown(date(2026, 1, 1), date(2026, 1, 31), february)] == []
    organisation.counts[(0, None, date(2026, 3, 2))] = 5
    quarter = organisation.shown(date(2026, 1, 1), date(2026, 3, 31), date(2026, 4, 1))
    assert [n for _cells, n in quarter] == [11]


def test_the_check_finds_the_first_proposal_giving_away_a_day() -> None:
    """Each cell judged on its own totals (a cell shown for days of a month only if no day of
    the month had 1 to 4 of *its* respondents), hidden cells protected within each period by
    hiding the smallest shown sibling. R = A + B + C; A has 2 respondents on the 11th, B
    none, C 5. Days 1–10 and 1–11: A is hidden, and so is B (the smaller sibling), in both.
    Their difference gives A + B on the 11th; B's own day 11 shows 0 (C is hidden beside A
    there instead). So A's two are worked out."""
    first = date(2025, 11, 1)
    day = {i: first + timedelta(days=i - 1) for i in range(1, 31)}
    counts: dict[Var, int] = {
        (1, None, day[1]): 10,
        (1, None, day[11]): 2,
        (1, None, day[12]): 10,
        (2, None, day[1]): 10,
        (3, None, day[1]): 10,
        (3, None, day[11]): 5,
    }
    organisation = Organisation([None, 0, 0, 0], counts, 5, split=False)

    def cells(units: list[int], start: int, end: int) -> frozenset[Var]:
        return frozenset((u, None, day[i]) for u in units for i in range(start, end + 1))

    def figures(*shown: tuple[list[int], int, int]) -> list[Shown]:
        return [
            (cells(units, a, b), sum(counts.get(v, 0) for v in cells(units, a, b))) for units, a, b in shown
        ]

    # What the first proposal shows: R, and the one sibling it does not hide.
    days_1_10 = figures(([0, 1, 2, 3], 1, 10), ([3], 1, 10))  # B hidden beside A (B ≤ C)
    days_1_11 = figures(([0, 1, 2, 3], 1, 11), ([3], 1, 11))  # B hidden again (10 < 15)
    day_11 = figures(([0, 1, 2, 3], 11, 11), ([2], 11, 11))  # B shows 0, so C is hidden beside A
    assert (2, [(1, None, day[11])]) in pair_leaks(organisation, days_1_10, days_1_11, [day[11]])
    assert (2, [(1, None, day[11])]) in pair_leaks(organisation, days_1_10 + day_11, days_1_11, [day[11]])
    # The rule now: the days to the 10th are blocks of everyone's, so R, A, B and C are all
    # shown for them; the 11th cuts A's November (its end block runs from the 11th), so A,
    # and R holding it, are shown for whole months only.
    today = date(2025, 12, 2)

    def units_shown(start: int, end: int) -> list[set[int]]:
        return [{var[0] for var in cells} for cells, _n in organisation.shown(day[start], day[end], today)]

    # (R has no respondents of its own: its cell holds A's, B's and C's.)
    assert units_shown(1, 10) == [{1, 2, 3}, {1}, {2}, {3}]
    assert units_shown(1, 11) == [{2}, {3}]
    assert units_shown(11, 11) == [set(), {3}]  # B had no one on the 11th
    shown = organisation.shown(day[1], day[10], today), organisation.shown(day[1], day[11], today)
    assert not pair_leaks(organisation, *shown, [day[11]])
