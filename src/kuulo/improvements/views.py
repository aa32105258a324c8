"""The improvement board (kanban), the action form, and the public "you said, we did" page."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kuulo.core.forms import add_service_errors, form_changes
from kuulo.feedback.models import Item, Touchpoint
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
from kuulo.organisations.models import Unit

from . import comments, services
from .comments import CommentSearch
from .forms import ActionForm
from .models import STAGES, Action

VIEW = Permission.VIEW_INSIGHTS
MANAGE = Permission.MANAGE_ACTIONS


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
    """The action form: bound to what was sent, or (a link, a search for comments) filled
    in with it; its comments narrowed to the chosen unit, metric and search."""
    organisation = organisation_for(request.user)
    units = units_for(request.user, MANAGE).active()
    items = Item.objects.filter(Q(organisation=None) | Q(organisation=organisation))
    posted = request.method == "POST"
    search = CommentSearch.read(request.POST if posted else request.GET, units, items)
    if not posted and action.pk:
        search.unit = search.unit or action.unit
        search.item = search.item or action.item
    linked = list(action.responses.values_list("pk", flat=True)) if action.pk else []
    form = ActionForm(
        request.POST if posted and not _searching(request) else None,
        instance=action,
        units=units,
        touchpoints=listed(Touchpoint.objects.all(), request.user, MANAGE).select_related("service_path"),
        items=items,
        owners=get_user_model().objects.filter(membership__organisation=organisation, is_active=True),
        comments=comments.linkable(organisation, units, search, linked),
    )
    if _searching(request):
        # Shown again as sent, with the comments it asks for: nothing saved, no errors yet.
        form.initial = {
            name: field.widget.value_from_datadict(request.POST, request.FILES, name)
            for name, field in form.fields.items()
        }
    elif not posted:
        offered = {response.pk for response in form.fields["responses"].queryset}  # type: ignore[attr-defined]
        if search.unit is not None:
            form.initial["unit"] = search.unit.pk
        if search.item is not None:
            form.initial["item"] = search.item.pk
        if wanted := [pk for pk in search.wanted if pk in offered]:
            form.initial["responses"] = [*linked, *wanted]
        form.initial["comment_search"] = search.text
    return form


def _searching(request: HttpRequest) -> bool:
    """The form was sent to show other comments, not to be saved."""
    return request.method == "POST" and "refresh" in request.POST


def _saving(request: HttpRequest, form: ActionForm) -> bool:
    return request.method == "POST" and not _searching(request) and form.is_valid()


@requires(MANAGE)
def action_create(request: HttpRequest) -> HttpResponse:
    form = _form(request, Action())
    if _saving(request, form):
        data = dict(form.cleaned_data)
        data.pop("comment_search", None)
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
    if _saving(request, form):
        changes = form_changes(form)
        changes.pop("comment_search", None)
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
