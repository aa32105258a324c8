"""Which comments an action may be linked to: the row-level policy's (organisations/rows.py)
commented responses of the person's units from the last 90 days, narrowed to the chosen
unit and metric and to a search, the newest first."""

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.utils import timezone

from kuulo.feedback.models import HEADLINE_KINDS, Answer, Item, Response
from kuulo.organisations.models import Organisation, Unit
from kuulo.organisations.rows import released

COMMENT_DAYS = 90
SHOWN = 30
SEARCH_LENGTH = 100


@dataclass
class CommentSearch:
    """What the action form's comment list is narrowed to."""

    unit: Unit | None = None
    item: Item | None = None
    text: str = ""
    wanted: list[int] = field(default_factory=list)  # asked for by a link or ticked already

    @classmethod
    def read(cls, params: QueryDict, units: QuerySet[Unit], items: QuerySet[Item]) -> "CommentSearch":
        """From a link's query (?unit=&item=&comment=) or the form as sent; ids outside the
        person's units and organisation are ignored."""

        def one[M: Unit | Item](queryset: QuerySet[M], value: str | None) -> M | None:
            return queryset.filter(pk=int(value)).first() if value and value.isdigit() else None

        wanted = [int(v) for v in (*params.getlist("comment"), *params.getlist("responses")) if v.isdigit()]
        return cls(
            unit=one(units, params.get("unit")),
            item=one(items, params.get("item")),
            text=params.get("comment_search", "").strip()[:SEARCH_LENGTH],
            wanted=wanted,
        )


def linkable(
    organisation: Organisation, units: QuerySet[Unit], search: CommentSearch, linked: list[int]
) -> QuerySet[Response]:
    """The newest released comments of `units` matching the search, those asked for by id
    (if released) and those `linked` already."""
    since = timezone.make_aware(datetime.combine(timezone.localdate() - timedelta(days=COMMENT_DAYS), time()))
    texts = Answer.objects.exclude(text="").filter(number__isnull=True, choices__isnull=True)
    # The group a comment is released in is its unit's day's comments (ADR 0005); the
    # narrowing below picks among released ones and never changes a group.
    pool = released(
        Response.objects.filter(unit__in=units, pk__in=texts.values("response_id"), responded_at__gte=since),
        threshold=organisation.text_threshold,
    ).values("pk")
    chosen = Response.objects.filter(pk__in=pool)
    if search.unit is not None:
        chosen = chosen.filter(unit__in=Unit.objects.subtree_of(search.unit))
    if search.item is not None:
        # A headline item's comments are those of every item of its kind (ADR 0010).
        same = (
            Q(item_version__item__kind=search.item.kind)
            if search.item.kind in HEADLINE_KINDS
            else Q(item_version__item=search.item)
        )
        chosen = chosen.filter(pk__in=Answer.objects.filter(same).values("response_id"))
    if search.text:
        chosen = chosen.filter(pk__in=texts.filter(text__icontains=search.text).values("response_id"))
    ids = list(chosen.order_by("-responded_at", "-pk").values_list("pk", flat=True)[:SHOWN])
    if search.wanted:
        ids += Response.objects.filter(pk__in=pool).filter(pk__in=search.wanted).values_list("pk", flat=True)
    return (
        Response.objects.filter(pk__in={*ids, *linked})
        .select_related("unit")
        .prefetch_related("answers")
        .order_by("-responded_at", "-pk")
    )
