"""What the home page shows of improvement actions (its panel, declared in declarations.py):
the open actions of the person's units that are due within two weeks or overdue, the
person's own first."""

from datetime import timedelta
from typing import Any

from django.db.models import Case, IntegerField, Value, When
from django.http import HttpRequest
from django.utils import timezone

from kuulo.organisations.access import Permission, has_permission, restrict

from .models import Action
from .services import DONE

DUE_WITHIN_DAYS = 14
MAX_ACTIONS = 8


def actions_due_panel(request: HttpRequest) -> dict[str, Any] | None:
    today = timezone.localdate()
    due = (
        restrict(Action.objects.all(), request.user, Permission.VIEW_INSIGHTS)
        .exclude(status__in=DONE)
        .filter(due_date__lte=today + timedelta(days=DUE_WITHIN_DAYS))
        .annotate(
            theirs=Case(
                When(owner=request.user.pk, then=Value(0)), default=Value(1), output_field=IntegerField()
            )
        )
        .select_related("unit", "owner")
        .order_by("theirs", "due_date", "pk")
    )
    actions = list(due[: MAX_ACTIONS + 1])
    for action in actions:
        action.overdue = action.due_date is not None and action.due_date < today  # type: ignore[attr-defined]
    return {
        "actions": actions[:MAX_ACTIONS],
        "more": len(actions) > MAX_ACTIONS,
        "days": DUE_WITHIN_DAYS,
        "can_create": has_permission(request.user, Permission.MANAGE_ACTIONS),
    }
