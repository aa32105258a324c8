"""The calendar every period is cut into: days in months, months in quarters, quarters in
years (the organisation's local dates, as the aggregates' `day`). See ADR 0005."""

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

DAY, MONTH, QUARTER, YEAR = range(4)
LEVELS = (DAY, MONTH, QUARTER, YEAR)


@dataclass(frozen=True, order=True)
class Node:
    """One day, month, quarter or year: its first and last day (both included)."""

    level: int
    start: date
    end: date

    @property
    def parent(self) -> "Node | None":
        return None if self.level == YEAR else node(self.level + 1, self.start)

    @property
    def index(self) -> int:
        """Its place among its parent's children, from 0."""
        if self.level == DAY:
            return self.start.day - 1
        if self.level == MONTH:
            return (self.start.month - 1) % 3
        return (self.start.month - 1) // 3

    def children(self) -> list["Node"]:
        return list(_children(self))

    def child(self, index: int) -> "Node":
        if self.level == MONTH:
            return node(DAY, self.start + timedelta(days=index))
        months = 3 * index if self.level == YEAR else index
        return node(self.level - 1, _add_months(self.start, months))


# Nodes are asked for again and again (each unit's blocks, for every period of a view):
# made once. The calendar is the same for everyone, so a process may keep them.
@lru_cache(maxsize=1 << 16)
def _children(holder: Node) -> tuple[Node, ...]:
    if holder.level == DAY:
        return ()
    found, start = [], holder.start
    while start <= holder.end:
        child = node(holder.level - 1, start)
        found.append(child)
        start = child.end + timedelta(days=1)
    return tuple(found)


@lru_cache(maxsize=1 << 16)
def node(level: int, day: date) -> Node:
    """The node of this level that holds the day."""
    if level == DAY:
        return Node(DAY, day, day)
    if level == YEAR:
        return Node(YEAR, date(day.year, 1, 1), date(day.year, 12, 31))
    first_month = day.month if level == MONTH else 3 * ((day.month - 1) // 3) + 1
    start = date(day.year, first_month, 1)
    return Node(level, start, _add_months(start, 1 if level == MONTH else 3) - timedelta(days=1))


def chain(day: date) -> list[Node]:
    """The day, its month, quarter and year."""
    return [node(level, day) for level in LEVELS]


def _add_months(first_of_month: date, months: int) -> date:
    total = first_of_month.month - 1 + months
    return date(first_of_month.year + total // 12, total % 12 + 1, 1)
