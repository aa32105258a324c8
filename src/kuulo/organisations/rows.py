"""The one policy for row-level data: anything that shows or sends single responses.

Aggregates go through the insights app's one suppressed table. Rows that each describe
one respondent — exported responses, comments on dashboards and action pages, verbal
feedback lists, webhook payloads — go through `released` here, so every such path
answers the same three questions the same way (ADR 0005):

- **Who** may get rows is decided by the caller's permission, as for any data
  (`access.py`): single responses for export need `responses.export`; comments are shown
  to those who may see the unit's dashboards.
- **The smallest group**: a row is released only from a group of at least the
  organisation's comment threshold (`Organisation.text_threshold`, never below the
  reporting threshold) of rows of the same unit on the same day, and only once that day
  is over — a group still filling up would show its first rows one by one. The group is
  the rows of the query itself: the day's comments for comments, the day's responses for
  an export.
- **Time to the day**: released rows carry the day they were given, never the time
  (`day_of`); a time of day narrows a row down to one visit.
- Dashboard comments apply the same rule from the aggregates' daily text counts instead
  of a window over raw answers (`insights.comments._comment_days`), which is what keeps
  them fast at millions of answers; the two must stay the same rule
  (`insights/tests/test_comment_groups.py` compares them over random days).
- **Fields**: answers, unit, touchpoint, channel and language. Respondent group and age
  group are not row fields (they are figures in the suppressed table only): with them a
  row often describes one known person.
"""

from datetime import date, datetime
from typing import Any

from django.db.models import Count, F, QuerySet, Window
from django.db.models.functions import TruncDate
from django.utils import timezone

from kuulo.core.days import LocalDay

ROW_FIELDS = ("day", "unit", "touchpoint", "channel", "language", "answers")


def released[QS: QuerySet[Any]](
    queryset: QS,
    *,
    threshold: int,
    unit_field: str = "unit_id",
    time_field: str = "responded_at",
    days: tuple[date, date] | None = None,
) -> QS:
    """Only the rows of `queryset` whose (unit, day) group within the queryset holds at
    least `threshold` rows, of days that are over. Filter the queryset first (scope,
    period, kind of row): the group is counted over what it holds. `days`: the first and
    last day the rows can fall on, when known, lets SQLite find each row's day without
    Python (`core.days.LocalDay`; an export reads hundreds of thousands)."""
    today = timezone.localdate()
    day = (
        LocalDay(time_field, *days) if days else TruncDate(time_field, tzinfo=timezone.get_current_timezone())
    )
    return (
        queryset.filter(**{f"{time_field}__lt": _start_of(today)})
        .annotate(
            row_group_size=Window(Count("pk"), partition_by=[F(unit_field), day]),
        )
        .filter(row_group_size__gte=threshold)
    )


def day_of(moment: datetime) -> date:
    """The day a row is shown with (local time), never the time of day."""
    return timezone.localtime(moment).date()


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time()))
