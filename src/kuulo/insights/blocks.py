"""Which periods a group's figure may be shown for, so that no two figures anyone can get,
today or on any later day, differ by a group of fewer respondents than the threshold
(docs/adr/0005-suppression.md).

A group here is one unit's own respondents for one kind of figure (those who answered
one item, or the unit's responses, verbal feedback or complaints). Its time is cut into
*blocks* that never change once their days are over:

- a day is a block when, at the end of that day, its month, quarter and year were all
  still *open* for the group: no complete day of the month, month of the quarter or
  quarter of the year so far was *small*;
- a day is small when it holds 1 to threshold − 1 of the group's respondents; a month,
  quarter or year is small when what no block inside it holds (its end block, below) does;
- a month, quarter or year that was *reached* (its quarter and year, or its year, were
  still open when it ended; a year always is) and is *closed* (one of its children is
  small) ends in one block: everything in it that no smaller block holds, from its first
  small child (the first small day of the first small month…) to its end. Being reached,
  it was not small, so that block has none or at least threshold respondents; only a
  year's end block can be small, and a period holding it is not shown.

Every shown figure is a sum of whole blocks with 0 or at least threshold respondents of
each unit's own group, so anything worked out from any number of shown figures is too.
The current, incomplete day is never part of any block: its count changes with every
answer.
"""

from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import date, timedelta
from itertools import accumulate
from typing import Any

from .calendar import DAY, MONTH, QUARTER, YEAR, Node, chain, node

# What a period means for a figure, worst last: verdicts combine by max.
SHOWN, SMALL, WHOLE_MONTHS, WHOLE_QUARTERS, WHOLE_YEARS = range(5)
WHOLE = {DAY: WHOLE_MONTHS, MONTH: WHOLE_MONTHS, QUARTER: WHOLE_QUARTERS, YEAR: WHOLE_YEARS}


class Group:
    """One group's respondents per day, as of the start of `today`: every day from its
    first small day of the first year any period asks about (the blocks need no day before
    it; without a small day, every day is a block and no day is needed)."""

    def __init__(self, days: dict[date, Any], threshold: int, today: date) -> None:
        self.days = {day: n for day, n in days.items() if day < today and n}
        self.threshold = threshold
        self.today = today
        self._ordered = sorted(self.days)
        self._running = self._accumulated([self.days[day] for day in self._ordered])
        self._small_days = [day for day in self._ordered if self._small(self.days[day])]
        # What is worked out once per group: every view asks of the same days and nodes
        # for each of its periods and kinds of figure.
        self._nodes: dict[Node, bool] = {}
        self._first_small: dict[Node, int | None] = {}
        self._reached: dict[Node, bool] = {}
        self._blocks: dict[date, tuple[date | None, date | None, int]] = {}

    def _small(self, n: Any) -> bool:
        return 0 < n < self.threshold

    def _accumulated(self, counts: list[Any]) -> list[Any]:
        return list(accumulate(counts))

    def verdict(self, start: date, end: date) -> int:
        """SHOWN if the period (ending yesterday at the latest) is whole blocks of 0 or at
        least threshold respondents; else why not."""
        if start > end or not self._small_days:
            return SHOWN  # nothing small: every day is a block of its own
        worst = SHOWN
        for edge in (start, end):
            first, last, level = self.block(edge)
            if first is None or last is None or first < start or last > end:
                worst = max(worst, WHOLE[level])  # the period cuts a block, or one not yet decided
        if worst:
            return worst
        year = node(YEAR, start)
        while year.start <= end:  # only a year's end block can be small
            if year.end <= end and year.end < self.today and self.first_small(year) is not None:
                first = self.tail_start(year)
                if first >= start and self._small(self.between(first, year.end)):
                    return SMALL
            year = node(YEAR, year.end + timedelta(days=1))
        return SHOWN

    def blocks_of(self, days: Iterable[date]) -> dict[date, tuple[date, date]]:
        """The block (first and last day) of each complete day in a period that `verdict`
        shows."""
        found = {}
        for day in days:
            first, last, _level = self.block(day)
            if first is not None and last is not None:
                found[day] = (first, last)
        return found

    def block(self, day: date) -> tuple[date | None, date | None, int]:
        """The block holding a complete day, or (None, None, level) while it is not decided
        (its days go on); the level of the node whose end block it is."""
        if day not in self._blocks:
            self._blocks[day] = self._block(day)
        return self._blocks[day]

    def _block(self, day: date) -> tuple[date | None, date | None, int]:
        if not self._small_days or self.reached(node(DAY, day)):
            return day, day, DAY
        for holder in chain(day)[1:]:
            if holder.end >= self.today:
                return None, None, self._closed_level(day)
            if self.reached(holder) and self.first_small(holder) is not None:
                return self.tail_start(holder), holder.end, holder.level
        return None, None, MONTH  # cannot happen: a day a year holds

    def reached(self, inner: Node) -> bool:
        """Whether every node above `inner` was open when `inner` ended."""
        if inner not in self._reached:
            self._reached[inner] = self._was_reached(inner)
        return self._reached[inner]

    def _was_reached(self, inner: Node) -> bool:
        child, holder = inner, inner.parent
        while holder is not None:
            first = self.first_small(holder)
            # The child holding `inner` counts only if it had ended by then.
            if first is not None and (
                first < child.index or (first == child.index and child.end <= inner.end)
            ):
                return False
            child, holder = holder, holder.parent
        return True

    def first_small(self, holder: Node) -> int | None:
        """The index of the first complete small child of a month, quarter or year."""
        if holder not in self._first_small:
            self._first_small[holder] = self._find_first_small(holder)
        return self._first_small[holder]

    def _find_first_small(self, holder: Node) -> int | None:
        if holder.level == MONTH:
            at = bisect_left(self._small_days, holder.start)
            if at < len(self._small_days) and self._small_days[at] <= holder.end:
                return (self._small_days[at] - holder.start).days
            return None
        for index, child in enumerate(holder.children()):
            if child.end < self.today and self.small(child):
                return index
        return None

    def small(self, inner: Node) -> bool:
        """Whether a complete day, month or quarter is small: for a month or quarter, its
        end block (what no smaller block in it holds) has 1 to threshold − 1 respondents."""
        if inner.level == DAY:
            return self._small(self.days.get(inner.start, 0))
        if inner not in self._nodes:
            small = self.first_small(inner) is not None and self._small(
                self.between(self.tail_start(inner), inner.end)
            )
            self._nodes[inner] = small
        return self._nodes[inner]

    def tail_start(self, holder: Node) -> date:
        """The first day of a closed node's end block: down through the first small child
        at each level to a day."""
        inner = holder
        while inner.level > DAY:
            first = self.first_small(inner)
            if first is None:  # an open node has no end block
                return inner.end + timedelta(days=1)
            inner = inner.child(first)
        return inner.start

    def between(self, first: date, last: date) -> Any:
        """Respondents from `first` to `last`, both included."""
        low, high = bisect_left(self._ordered, first), bisect_right(self._ordered, last)
        if high <= low:
            return 0
        return self._running[high - 1] - (self._running[low - 1] if low else 0)

    def _closed_level(self, day: date) -> int:
        """The level of the node whose end block an undecided day will (at the least) fall
        in: the first one above it not yet over and still reachable."""
        for holder in chain(day)[1:]:
            if holder.end >= self.today and self.reached(holder):
                return holder.level
        return YEAR


class PartsGroup(Group):
    """A unit's respondents per day counted in parts (a split's values and the rest of the
    cell they split, and the unit's whole group): small wherever one part is. Its blocks
    are therefore whole for every part at once, each with none or at least threshold
    respondents of every part, so a split shown over them needs nothing hidden beside it
    (ADR 0011). Coarser than a day where any part is small on a day, as `Group` is."""

    def _small(self, n: Any) -> bool:
        if isinstance(n, tuple):
            return any(0 < part < self.threshold for part in n)
        return 0 < n < self.threshold

    def _accumulated(self, counts: list[Any]) -> list[Any]:
        return list(accumulate(counts, lambda a, b: tuple(x + y for x, y in zip(a, b, strict=True))))

    def between(self, first: date, last: date) -> Any:
        low, high = bisect_left(self._ordered, first), bisect_right(self._ordered, last)
        if high <= low:
            return 0
        top = self._running[high - 1]
        return top if not low else tuple(a - b for a, b in zip(top, self._running[low - 1], strict=True))


EVERY = object()  # stands for every value of a split: (unit, (EVERY,)) hides all its parts


def cell_verdicts(
    ancestors: dict[int, list[int]],
    groups: dict[int, Group],
    split: dict[int, dict[date, dict[Any, int]]],
    start: date,
    end: date,
    threshold: int,
) -> dict[tuple[int, tuple[Any, ...]], int]:
    """For one kind of figure, what a period means for each cell: (active unit, ()) is the
    worst verdict of the units whose subtree it is (`ancestors`: any unit -> the active
    units holding it; `groups`: each unit's own respondents); (active unit, (value,)) is
    SMALL where a unit below it has that value of the split hidden in one of the period's
    blocks, and (active unit, (EVERY,)) where every value is (`hidden_values`; `split`:
    respondents per unit, day and value, None for those without one, on the days a split
    block needs). A part is also hidden whenever the cell it splits is."""
    found: defaultdict[tuple[int, tuple[Any, ...]], int] = defaultdict(int)
    verdicts = {unit_id: group.verdict(start, end) for unit_id, group in groups.items()}
    for unit_id, verdict in verdicts.items():
        for holder in ancestors[unit_id]:
            found[(holder, ())] = max(found[(holder, ())], verdict)
    for unit_id, days in split.items():
        if verdicts.get(unit_id, SHOWN) != SHOWN:
            continue
        group = groups.get(unit_id) or Group({}, threshold, end + timedelta(days=1))
        by_day = {day: values for day, values in days.items() if start <= day <= end}
        by_block: defaultdict[tuple[date, date], Counter[Any]] = defaultdict(Counter)
        for day, block in group.blocks_of(by_day).items():
            by_block[block].update(by_day[day])
        for parts in by_block.values():
            for value in hidden_values(parts, threshold):
                for holder in ancestors[unit_id]:
                    found[(holder, (value,))] = SMALL
    return dict(found)


def hidden_values(parts: dict[Any, int], threshold: int) -> set[Any]:
    """The values of a split that cannot be shown for one block of one unit, from its small
    values and its rest (None: the respondents without a value, never shown): the small
    ones; or, if those and the rest together are small too, every value (EVERY), so that
    they stay with the others in the unit's figure, which is not small."""
    hidden = {value for value, n in parts.items() if value is not None and 0 < n < threshold}
    pool = max(parts.get(None, 0), 0) + sum(parts[value] for value in hidden)
    return {EVERY} if 0 < pool < threshold else hidden
