"""Configuring uniform metrics: the catalogue, standard sets, targets and service paths."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from kuulo.core.forms import add_service_errors
from kuulo.organisations.access import Permission, get_for_user_or_404, organisation_for, requires, restrict

from .. import services
from ..forms import ItemForm, ReviseItemForm, ServicePathForm, TargetForm
from ..models import (
    RATING_KINDS,
    Item,
    ItemKind,
    ItemVersion,
    QuestionSet,
    QuestionSetItem,
    ServicePath,
    Target,
)

CONFIGURE = Permission.CONFIGURE_FEEDBACK


def visible_items(request: HttpRequest) -> QuerySet[Item]:
    """Kuulo's standard items and the organisation's own."""
    return restrict(Item.objects.filter(archived_at__isnull=True), request.user, CONFIGURE)


@requires(CONFIGURE)
def item_list(request: HttpRequest) -> HttpResponse:
    items = visible_items(request)
    if kind := request.GET.get("kind", ""):
        items = items.filter(kind=kind)
    versions = ItemVersion.objects.latest_of(items).select_related("item").order_by("item__code")
    standard: list[dict[str, object]] = []
    custom: list[dict[str, object]] = []
    for version in versions:
        (standard if version.item.is_standard else custom).append({"item": version.item, "version": version})
    return render(request, "feedback/item_list.html", {"standard": standard, "custom": custom})


@requires(CONFIGURE)
def item_create(request: HttpRequest) -> HttpResponse:
    form = ItemForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            item = services.create_item(
                organisation=organisation_for(request.user),
                user=request.user,
                request=request,
                **form.item_fields(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Question added to the catalogue."))
            return redirect("feedback:item_detail", item_id=item.pk)
    return render(request, "feedback/item_form.html", {"form": form})


@requires(CONFIGURE)
def item_detail(request: HttpRequest, item_id: int) -> HttpResponse:
    item = get_for_user_or_404(Item.objects.all(), request.user, CONFIGURE, pk=item_id)
    latest = item.latest_version()
    assert latest is not None
    form = None
    if not item.locked:
        initial = {"text_fi": latest.text_fi, "text_sv": latest.text_sv, "text_en": latest.text_en}
        form = ReviseItemForm(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            try:
                version = services.revise_item(item, user=request.user, request=request, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                if version.number > latest.number:
                    messages.success(request, _("Saved as version %(number)s.") % {"number": version.number})
                return redirect("feedback:item_detail", item_id=item.pk)
    context = {"item": item, "versions": item.versions.order_by("-number"), "form": form}
    return render(request, "feedback/item_detail.html", context)


@requires(CONFIGURE)
def question_set_list(request: HttpRequest) -> HttpResponse:
    sets = QuestionSet.objects.prefetch_related(
        Prefetch(
            "entries", queryset=QuestionSetItem.objects.select_related("item_version__item").order_by("order")
        )
    )
    return render(request, "feedback/question_set_list.html", {"sets": sets})


@requires(CONFIGURE)
def target_list(request: HttpRequest) -> HttpResponse:
    organisation = organisation_for(request.user)
    # Targets are levels of a number: rating scales, and the share of "yes" for yes/no items.
    rated = visible_items(request).filter(kind__in=RATING_KINDS | {ItemKind.YES_NO})
    form = TargetForm(request.POST or None, items=rated, organisation=organisation)
    if request.method == "POST" and form.is_valid():
        try:
            services.set_target(organisation=organisation, request=request, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Target saved."))
            return redirect("feedback:target_list")
    targets = restrict(Target.objects.select_related("item", "unit"), request.user, CONFIGURE)
    return render(request, "feedback/target_list.html", {"targets": targets, "form": form})


@requires(CONFIGURE)
def service_path_list(request: HttpRequest) -> HttpResponse:
    organisation = organisation_for(request.user)
    form = ServicePathForm(request.POST or None, organisation=organisation)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.create_service_path(
                organisation=organisation,
                code=data["code"],
                name_fi=data["name_fi"],
                name_sv=data["name_sv"],
                name_en=data["name_en"],
                unit=data["unit"],
                touchpoints=data["touchpoints_text"],
                request=request,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Service path created."))
            return redirect("feedback:service_path_list")
    paths = restrict(ServicePath.objects.select_related("unit"), request.user, CONFIGURE).prefetch_related(
        "touchpoints"
    )
    return render(request, "feedback/service_path_list.html", {"paths": paths, "form": form})
