"""The improvement board (kanban), the action form, and the public "you said, we did" page."""

from datetime import datetime, time, timedelta

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kuulo.core.forms import add_service_errors, form_changes
from kuulo.feedback.models import Answer, Item, Response, Touchpoint
from kuulo.organisations.access import (
    Permission,
    get_for_user_or_404,
    listed,
    organisation_for,
    public,
    requires,
    restrict,
    units_for,
)
from kuulo.organisations.models import Organisation, Unit
from kuulo.organisations.rows import released

from . import services
from .forms import ActionForm
from .models import STAGES, Action

VIEW = Permission.VIEW_INSIGHTS
MANAGE = Permission.MANAGE_ACTIONS
COMMENT_DAYS = 90


@requires(VIEW)
def board(request: HttpRequest) -> HttpResponse:
    """Actions of the user's units in columns by stage; managers move them along."""
    actions = restrict(
        Action.objects.select_related("unit", "owner", "item", "touchpoint"), request.user, VIEW
    )
    units = units_for(request.user, VIEW).active().order_by("path")
    unit_id = request.GET.get("unit", "")
    if unit_id.isdigit():
        chosen = units.filter(pk=int(unit_id)).first()
        if chosen is not None:
            actions = actions.filter(unit__in=Unit.objects.subtree_of(chosen))
    if request.GET.get("mine"):
        actions = actions.filter(owner=request.user.pk)
    manageable = set(units_for(request.user, MANAGE).values_list("pk", flat=True))
    today = timezone.localdate()
    columns = []
    for stage in STAGES:
        cards = [a for a in actions if a.status == stage]
        for card in cards:
            card.can_manage = card.unit_id in manageable  # type: ignore[attr-defined]
            card.overdue = bool(card.due_date and card.due_date < today and stage not in services.DONE)  # type: ignore[attr-defined]
        columns.append({"stage": stage, "cards": cards})
    return render(
        request,
        "improvements/board.html",
        {
            "columns": columns,
            "units": units,
            "unit_id": unit_id,
            "mine": bool(request.GET.get("mine")),
            "can_create": bool(manageable),
            "first": STAGES[0],
            "last": STAGES[-1],
        },
    )


def _form(request: HttpRequest, action: Action) -> ActionForm:
    organisation = organisation_for(request.user)
    units = units_for(request.user, MANAGE).active()
    return ActionForm(
        request.POST or None,
        instance=action,
        units=units,
        touchpoints=listed(Touchpoint.objects.all(), request.user, MANAGE).select_related("service_path"),
        items=Item.objects.filter(Q(organisation=None) | Q(organisation=organisation)),
        owners=get_user_model().objects.filter(membership__organisation=organisation, is_active=True),
        comments=_linkable_comments(organisation, units, action),
    )


def _linkable_comments(
    organisation: Organisation, units: QuerySet[Unit], action: Action
) -> QuerySet[Response]:
    """Recent commented responses of the user's units that the row-level policy releases
    (organisations/rows.py: days over, a unit's day's comments a large enough group), plus
    those linked already."""
    since = timezone.localdate() - timedelta(days=COMMENT_DAYS)
    start = timezone.make_aware(datetime.combine(since, time()))
    commented = (
        Answer.objects.exclude(text="")
        .filter(number__isnull=True, choices__isnull=True)
        .values("response_id")
    )
    recent = released(
        Response.objects.filter(unit__in=units, pk__in=commented, responded_at__gte=start),
        threshold=organisation.text_threshold,
    ).order_by("-responded_at")[:30]
    ids = [pk for pk in recent.values_list("pk", flat=True)]
    if action.pk:
        ids += list(action.responses.values_list("pk", flat=True))
    return Response.objects.filter(pk__in=ids).select_related("unit").prefetch_related(Prefetch("answers"))


@requires(MANAGE)
def action_create(request: HttpRequest) -> HttpResponse:
    form = _form(request, Action())
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        responses = data.pop("responses")
        try:
            services.save_action(Action(), user=request.user, responses=responses, request=request, **data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The action is on the board."))
            return redirect("improvements:board")
    return render(request, "improvements/action_form.html", {"form": form, "action": None})


@requires(MANAGE)
def action_edit(request: HttpRequest, action_id: int) -> HttpResponse:
    action = get_for_user_or_404(Action.objects.all(), request.user, MANAGE, pk=action_id)
    form = _form(request, action)
    if request.method == "POST" and form.is_valid():
        changes = form_changes(form)
        responses = changes.pop("responses", None)
        try:
            services.save_action(action, user=request.user, responses=responses, request=request, **changes)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("improvements:board")
    return render(request, "improvements/action_form.html", {"form": form, "action": action})


@requires(MANAGE)
@require_POST
def action_move(request: HttpRequest, action_id: int) -> HttpResponse:
    action = get_for_user_or_404(Action.objects.all(), request.user, MANAGE, pk=action_id)
    try:
        services.move_action(action, user=request.user, step=1 if request.POST.get("step") == "next" else -1)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    back = request.POST.get("back", "")
    # Back to the board with its filters; only ever a path of the board itself.
    board_url = reverse("improvements:board")
    target = back if back.startswith(board_url) and "//" not in back else board_url
    return redirect(f"{target}#action-{action.pk}")


@public
def you_said_we_did(request: HttpRequest, organisation: str, unit: str) -> HttpResponse:
    """Public: what a unit has done because of customers' feedback (actions marked public)."""
    found = get_object_or_404(
        Unit.objects.select_related("organisation"),
        organisation__slug=organisation,
        code=unit,
        archived_at=None,
    )
    actions = (
        Action.objects.filter(unit__in=Unit.objects.subtree_of(found), public=True, status__in=services.DONE)
        .exclude(public_text="")
        .select_related("unit")
        .order_by("-done_on")
    )
    return render(request, "improvements/you_said_we_did.html", {"unit": found, "actions": actions})
