"""The local calendar day of a stored time, worked out by the database."""

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db.models.functions import TruncDate
from django.utils import timezone


class LocalDay(TruncDate):
    """The day in the current time zone of a datetime column, between two days.

    PostgreSQL converts with AT TIME ZONE (Django's own SQL). On SQLite Django's TruncDate
    calls a Python function once per row, which dominates a query over a million answers;
    here SQLite adds the zone's offset itself: times are stored in UTC as text, and the
    offset changes only at the few instants (daylight saving) between `first` and `last`.
    """

    def __init__(self, expression: Any, first: date, last: date, **extra: Any) -> None:
        super().__init__(expression, tzinfo=timezone.get_current_timezone(), **extra)
        self.first, self.last = first, last

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> tuple[str, Any]:
        column, params = compiler.compile(self.lhs)
        changes = offset_changes(self.first - timedelta(days=1), self.last + timedelta(days=1))
        cases = " ".join(f"WHEN {column} < %s THEN %s" for _ in changes[1:])
        case_params: list[Any] = []
        for (at, _offset), (_next_at, offset) in zip(changes[1:], changes, strict=False):
            case_params += [*params, connection.ops.adapt_datetimefield_value(at), _modifier(offset)]
        last_offset = _modifier(changes[-1][1])
        if not cases:
            return f"date({column}, %s)", [*params, last_offset]
        return f"date({column}, CASE {cases} ELSE %s END)", [*params, *case_params, last_offset]


def offset_changes(first: date, last: date) -> list[tuple[datetime, timedelta]]:
    """The current zone's offset from the start of `first` on, and each change up to the end
    of `last`: (the instant it starts, the offset)."""
    zone = timezone.get_current_timezone()

    def offset(at: datetime) -> timedelta:
        return at.astimezone(zone).utcoffset() or timedelta(0)

    at = datetime.combine(first, time(), tzinfo=UTC)
    end = datetime.combine(last + timedelta(days=1), time(), tzinfo=UTC)
    changes = [(at, offset(at))]
    while at < end:
        following = at + timedelta(days=1)
        if offset(following) != changes[-1][1]:
            hour = at
            while offset(hour) == changes[-1][1]:  # changes fall on the hour
                hour += timedelta(hours=1)
            changes.append((hour, offset(hour)))
        at = following
    return changes


def _modifier(offset: timedelta) -> str:
    return f"{int(offset.total_seconds() // 60):+d} minutes"
