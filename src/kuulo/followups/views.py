"""The follow-up queue, a case (contact details, answers, assignment, replies, closing) and
the organisation's promise under Settings. Every view of contact details is audited."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from kuulo.core.forms import add_service_errors
from kuulo.feedback.models import Answer, ResponseContact
from kuulo.organisations.access import (
    Permission,
    get_for_user_or_404,
    organisation_for,
    requires,
    restrict,
    units_for,
)
from kuulo.organisations.models import Unit

from . import services
from .declarations import HANDLE
from .forms import AssignForm, CloseForm, ReplyForm, SettingsForm
from .models import FollowUp, FollowUpQuerySet

# What the queue shows: open cases by default.
SHOWN = ("open", "mine", "unassigned", "overdue", "closed")
PAGE = 50


def _cases(request: HttpRequest) -> FollowUpQuerySet:
    return restrict(
        FollowUp.objects.select_related("unit", "assignee", "response", "response__contact"),
        request.user,
        HANDLE,
    )


@requires(HANDLE)
def queue(request: HttpRequest) -> HttpResponse:
    """The cases of the user's units, due first; filters: mine, unassigned, overdue, closed."""
    today = timezone.localdate()
    shown = request.GET.get("show", "open")
    shown = shown if shown in SHOWN else "open"
    cases = _cases(request)
    units = units_for(request.user, HANDLE).active().order_by("path")
    unit_id = request.GET.get("unit", "")
    if unit_id.isdigit() and (chosen := units.filter(pk=int(unit_id)).first()) is not None:
        cases = cases.filter(unit__in=Unit.objects.subtree_of(chosen))
    if shown == "closed":
        cases = cases.closed().order_by("-closed_at", "-pk")
    else:
        cases = cases.open()
        if shown == "mine":
            cases = cases.filter(assignee=request.user.pk)
        elif shown == "unassigned":
            cases = cases.filter(assignee__isnull=True)
        elif shown == "overdue":
            cases = cases.filter(due_on__lt=today)
    page = Paginator(cases, PAGE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    answers = _answers_by_response([case.response_id for case in rows])
    for case in rows:
        case.contact = _contact(case)  # type: ignore[attr-defined]
        case.scores = services.scores_of(answers.get(case.response_id, []))  # type: ignore[attr-defined]
        case.overdue = case.is_open and case.due_on < today  # type: ignore[attr-defined]
    services.record_listed(rows, request=request, shown=shown)
    return render(
        request,
        "followups/queue.html",
        {
            "page": page,
            "cases": rows,
            "shown": shown,
            "filters": [
                ("open", _("Open")),
                ("mine", _("Mine")),
                ("unassigned", _("Unassigned")),
                ("overdue", _("Overdue")),
                ("closed", pgettext("follow-ups shown", "Closed")),
            ],
            "units": units,
            "unit_id": unit_id,
        },
    )


def _answers_by_response(response_ids: list[int]) -> dict[int, list[Any]]:
    found: dict[int, list[Any]] = {}
    for answer in (
        Answer.objects.filter(response_id__in=response_ids)
        .select_related("item_version__item")
        .order_by("pk")
    ):
        found.setdefault(answer.response_id, []).append(answer)
    return found


def _contact(case: FollowUp) -> ResponseContact | None:
    try:
        return case.response.contact
    except ResponseContact.DoesNotExist:
        return None


def _handlers(case: FollowUp) -> QuerySet[Any]:
    """People of the organisation who may handle cases in the case's unit."""
    return services.handlers_for(case.unit).order_by("last_name", "first_name", "username")


def _case_page(
    request: HttpRequest,
    case: FollowUp,
    *,
    assign: AssignForm | None = None,
    reply: ReplyForm | None = None,
    close: CloseForm | None = None,
    status: int = 200,
) -> HttpResponse:
    services.record_viewed(case, request=request)
    answers = services.answers_of(case.response_id)
    context = {
        "case": case,
        "contact": _contact(case),
        "response": case.response,
        "answers": [
            answer
            for answer in answers
            if answer.number is not None
            or answer.amount is not None
            or answer.cant_say
            or answer.choices
            or answer.text
        ],
        "scores": services.scores_of(answers),
        "overdue": case.is_open and case.due_on < timezone.localdate(),
        "replies": case.replies.select_related("recorded_by"),
        "assign_form": assign or AssignForm(initial={"assignee": case.assignee_id}, handlers=_handlers(case)),
        "reply_form": reply or ReplyForm(prefix="reply"),
        "close_form": close or CloseForm(prefix="close"),
        "may_take": case.is_open and case.assignee_id != request.user.pk,
    }
    return render(request, "followups/case_detail.html", context, status=status)


def _case(request: HttpRequest, case_id: int) -> FollowUp:
    return get_for_user_or_404(
        FollowUp.objects.select_related("unit", "assignee", "closed_by", "response__survey"),
        request.user,
        HANDLE,
        pk=case_id,
    )


@requires(HANDLE)
def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    return _case_page(request, _case(request, case_id))


@requires(HANDLE)
@require_POST
def case_assign(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _case(request, case_id)
    form = AssignForm(request.POST, handlers=_handlers(case))
    if form.is_valid():
        try:
            services.assign_case(
                case, user=request.user, assignee=form.cleaned_data["assignee"], request=request
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("followups:case_detail", case.pk)
    return _case_page(request, case, assign=form, status=400)


@requires(HANDLE)
@require_POST
def case_reply(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _case(request, case_id)
    form = ReplyForm(request.POST, prefix="reply")
    if form.is_valid():
        try:
            services.record_reply(case, user=request.user, request=request, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The reply is recorded."))
            return redirect("followups:case_detail", case.pk)
    return _case_page(request, case, reply=form, status=400)


@requires(HANDLE)
@require_POST
def case_close(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _case(request, case_id)
    form = CloseForm(request.POST, prefix="close")
    if form.is_valid():
        try:
            services.close_case(case, user=request.user, request=request, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The follow-up is closed."))
            return redirect("followups:queue")
    return _case_page(request, case, close=form, status=400)


@requires(Permission.MANAGE_ORGANISATION)
def follow_up_settings(request: HttpRequest) -> HttpResponse:
    organisation = organisation_for(request.user)
    form = SettingsForm(request.POST or None, instance=services.settings_for(organisation))
    if request.method == "POST" and form.is_valid():
        services.save_settings(form.instance, request=request)
        messages.success(request, _("Saved. The new promise applies to requests from now on."))
        return redirect("followups:settings")
    return render(request, "followups/settings.html", {"form": form}, status=400 if form.errors else 200)
