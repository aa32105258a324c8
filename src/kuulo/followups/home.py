"""What the home page shows of follow-ups (its panel, declared in declarations.py): how many
contact requests of the person's units are open, overdue, unassigned and their own — counts
only, so the home page never shows anyone's contact details."""

from typing import Any

from django.db.models import Count, Q
from django.http import HttpRequest
from django.utils import timezone

from kuulo.organisations.access import restrict

from .declarations import HANDLE
from .models import FollowUp


def open_follow_ups_panel(request: HttpRequest) -> dict[str, Any] | None:
    counts = restrict(FollowUp.objects.open(), request.user, HANDLE).aggregate(
        open=Count("pk"),
        overdue=Count("pk", filter=Q(due_on__lt=timezone.localdate())),
        unassigned=Count("pk", filter=Q(assignee__isnull=True)),
        mine=Count("pk", filter=Q(assignee=request.user.pk)),
    )
    return {"counts": counts}
