"""Organisation pages: the unit tree, unit types, people and roles, settings.

Views parse input, check access through `access`, call `services` and render.
"""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kuulo.core.forms import add_service_errors, form_changes

from . import services
from .access import Permission, api_key_permissions, get_for_user_or_404, organisation_for, requires, restrict
from .forms import (
    ApiKeyForm,
    MemberForm,
    MoveUnitForm,
    OrganisationSettingsForm,
    RoleGrantForm,
    UnitFilterForm,
    UnitForm,
    UnitTypeForm,
)
from .models import ApiKey, Membership, RoleAssignment, Unit, UnitType

User = get_user_model()
MANAGE = Permission.MANAGE_ORGANISATION


# --- Units --------------------------------------------------------------------------


@requires(Permission.VIEW_UNITS)
def unit_list(request: HttpRequest) -> HttpResponse:
    organisation = organisation_for(request.user)
    filters = UnitFilterForm(request.GET or None, organisation_id=organisation.pk)
    units = restrict(Unit.objects.select_related("unit_type"), request.user, Permission.VIEW_UNITS)
    if filters.is_valid():
        if not filters.cleaned_data["archived"]:
            units = units.active()
        if query := filters.cleaned_data["q"]:
            units = units.filter(
                Q(name_fi__icontains=query)
                | Q(name_sv__icontains=query)
                | Q(name_en__icontains=query)
                | Q(code__icontains=query)
            )
        if unit_type := filters.cleaned_data["unit_type"]:
            units = units.filter(unit_type=unit_type)
    else:
        units = units.active()
    return render(
        request,
        "organisations/unit_list.html",
        {"units": units, "filters": filters, "filtered": bool(request.GET)},
    )


@requires(Permission.VIEW_UNITS)
def unit_detail(request: HttpRequest, unit_id: int) -> HttpResponse:
    unit = get_for_user_or_404(
        Unit.objects.select_related("unit_type"), request.user, Permission.VIEW_UNITS, pk=unit_id
    )
    visible = restrict(Unit.objects.all(), request.user, Permission.VIEW_UNITS)
    context = {
        "unit": unit,
        "ancestors": visible.filter(pk__in=unit.ancestor_ids()).order_by("depth"),
        "children": visible.filter(parent=unit).select_related("unit_type"),
        "roles": restrict(RoleAssignment.objects.all(), request.user, MANAGE)
        .filter(unit=unit)
        .select_related("membership__user"),
    }
    return render(request, "organisations/unit_detail.html", context)


@requires(MANAGE)
def unit_create(request: HttpRequest) -> HttpResponse:
    organisation = organisation_for(request.user)
    initial = {}
    if (parent_id := request.GET.get("parent", "")).isdigit():
        initial["parent"] = parent_id
    form = UnitForm(request.POST or None, organisation=organisation, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            unit = services.create_unit(organisation=organisation, request=request, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Unit “%(name)s” created.") % {"name": unit.name})
            return redirect("organisations:unit_detail", unit_id=unit.pk)
    return render(request, "organisations/unit_form.html", {"form": form})


@requires(MANAGE)
def unit_edit(request: HttpRequest, unit_id: int) -> HttpResponse:
    unit = get_for_user_or_404(Unit.objects.all(), request.user, MANAGE, pk=unit_id)
    form = UnitForm(request.POST or None, instance=unit, organisation=unit.organisation)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_unit(unit, request=request, **form_changes(form))
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("organisations:unit_detail", unit_id=unit.pk)
    return render(request, "organisations/unit_form.html", {"form": form, "unit": unit})


@requires(MANAGE)
def unit_move(request: HttpRequest, unit_id: int) -> HttpResponse:
    unit = get_for_user_or_404(Unit.objects.all(), request.user, MANAGE, pk=unit_id)
    form = MoveUnitForm(request.POST or None, unit=unit)
    if request.method == "POST" and form.is_valid():
        try:
            services.move_unit(unit, form.cleaned_data["parent"], request=request)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Unit moved."))
            return redirect("organisations:unit_detail", unit_id=unit.pk)
    return render(request, "organisations/unit_move.html", {"form": form, "unit": unit})


@requires(MANAGE)
def unit_archive(request: HttpRequest, unit_id: int) -> HttpResponse:
    """GET asks for confirmation; POST archives (or restores) the unit."""
    unit = get_for_user_or_404(Unit.objects.all(), request.user, MANAGE, pk=unit_id)
    subtree_size = Unit.objects.subtree_of(unit).active().count()
    error = ""
    if request.method == "POST":
        try:
            if unit.is_archived:
                services.restore_unit(unit, request=request)
                messages.success(request, _("Unit restored."))
            else:
                services.archive_unit(unit, request=request)
                messages.success(request, _("Unit archived. Its data is kept."))
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            return redirect("organisations:unit_detail", unit_id=unit.pk)
    return render(
        request,
        "organisations/unit_archive.html",
        {"unit": unit, "subtree_size": subtree_size, "error": error},
    )


@requires(MANAGE)
def unit_delete(request: HttpRequest, unit_id: int) -> HttpResponse:
    unit = get_for_user_or_404(Unit.objects.all(), request.user, MANAGE, pk=unit_id)
    error = ""
    if request.method == "POST":
        parent_id = unit.parent_id
        try:
            services.delete_unit(unit, request=request)
        except services.UnitHasData as exc:
            error = str(exc)
        else:
            messages.success(request, _("Unit deleted."))
            if parent_id:
                return redirect("organisations:unit_detail", unit_id=parent_id)
            return redirect("organisations:unit_list")
    return render(request, "organisations/unit_delete.html", {"unit": unit, "error": error})


# --- Unit types ---------------------------------------------------------------------


@requires(MANAGE)
def unit_type_list(request: HttpRequest) -> HttpResponse:
    types = restrict(UnitType.objects.all(), request.user, MANAGE).annotate(unit_count=Count("units"))
    return render(request, "organisations/unit_type_list.html", {"unit_types": types})


@requires(MANAGE)
def unit_type_form(request: HttpRequest, type_id: int | None = None) -> HttpResponse:
    organisation = organisation_for(request.user)
    instance = (
        get_for_user_or_404(UnitType.objects.all(), request.user, MANAGE, pk=type_id)
        if type_id
        else UnitType(organisation=organisation)
    )
    form = UnitTypeForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_unit_type(form.instance, request=request)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Unit type saved."))
            return redirect("organisations:unit_type_list")
    return render(request, "organisations/unit_type_form.html", {"form": form, "unit_type": instance})


# --- People and roles ---------------------------------------------------------------


@requires(MANAGE)
def people_list(request: HttpRequest) -> HttpResponse:
    memberships = restrict(Membership.objects.all(), request.user, MANAGE).select_related("user")
    query = request.GET.get("q", "").strip()
    if query:
        memberships = memberships.filter(
            Q(user__username__icontains=query)
            | Q(user__first_name__icontains=query)
            | Q(user__last_name__icontains=query)
            | Q(user__email__icontains=query)
        )
    memberships = memberships.prefetch_related("roles__unit").order_by("user__last_name", "user__username")
    page = Paginator(memberships, 50).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "query": query,
        "query_string": urlencode({"q": query}) if query else "",
    }
    return render(request, "organisations/people_list.html", context)


@requires(MANAGE)
def person_create(request: HttpRequest) -> HttpResponse:
    form = MemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.create_member(
                organisation=organisation_for(request.user), request=request, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("User created. They set a password with “Forgot your password?” when signing in."),
            )
            return redirect("organisations:person_detail", user_id=user.pk)
    return render(request, "organisations/person_form.html", {"form": form})


def _member_or_404(request: HttpRequest, user_id: int) -> Membership:
    return get_for_user_or_404(
        Membership.objects.select_related("user"), request.user, MANAGE, user_id=user_id
    )


@requires(MANAGE)
def person_detail(request: HttpRequest, user_id: int) -> HttpResponse:
    membership = _member_or_404(request, user_id)
    person = membership.user
    form = MemberForm(request.POST or None, instance=person)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_member(person, request=request, **form_changes(form))
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("organisations:person_detail", user_id=person.pk)
    context = {
        "person": person,
        "form": form,
        "roles": membership.roles.select_related("unit"),
        "grant_form": RoleGrantForm(organisation=membership.organisation),
    }
    return render(request, "organisations/person_detail.html", context)


@requires(MANAGE)
@require_POST
def person_grant_role(request: HttpRequest, user_id: int) -> HttpResponse:
    membership = _member_or_404(request, user_id)
    form = RoleGrantForm(request.POST, organisation=membership.organisation)
    if form.is_valid():
        try:
            services.grant_role(
                membership.user,
                form.cleaned_data["role"],
                form.cleaned_data["unit"],
                request=request,
            )
        except ValidationError as error:
            add_service_errors(form, error)
    if form.errors:
        context = {
            "person": membership.user,
            "form": MemberForm(instance=membership.user),
            "roles": membership.roles.select_related("unit"),
            "grant_form": form,
        }
        return render(request, "organisations/person_detail.html", context, status=400)
    messages.success(request, _("Role granted."))
    return redirect("organisations:person_detail", user_id=user_id)


@requires(MANAGE)
@require_POST
def person_revoke_role(request: HttpRequest, user_id: int, assignment_id: int) -> HttpResponse:
    membership = _member_or_404(request, user_id)
    assignment = get_object_or_404(RoleAssignment, pk=assignment_id, membership=membership)
    try:
        services.revoke_role(assignment, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Role removed."))
    return redirect("organisations:person_detail", user_id=user_id)


@requires(MANAGE)
@require_POST
def person_set_active(request: HttpRequest, user_id: int) -> HttpResponse:
    membership = _member_or_404(request, user_id)
    active = request.POST.get("active") == "1"
    try:
        services.set_member_active(membership.user, active, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("User activated.") if active else _("User deactivated."))
    return redirect("organisations:person_detail", user_id=user_id)


# --- Settings ------------------------------------------------------------------------


@requires(MANAGE)
def organisation_settings(request: HttpRequest) -> HttpResponse:
    organisation = organisation_for(request.user)
    form = OrganisationSettingsForm(request.POST or None, instance=organisation)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_organisation(organisation, request=request, **form_changes(form))
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Settings saved."))
            return redirect("organisations:settings")
    return render(request, "organisations/settings.html", {"form": form})


# --- API keys ------------------------------------------------------------------------------


@requires(MANAGE)
def api_key_list(request: HttpRequest) -> HttpResponse:
    """Keys for other systems. A new key's secret is shown once, on the page that creates it."""
    organisation = organisation_for(request.user)
    form = ApiKeyForm(request.POST or None, organisation=organisation)
    new_secret = ""
    if request.method == "POST" and form.is_valid():
        try:
            _, new_secret = services.create_api_key(
                organisation=organisation,
                name=form.cleaned_data["name"],
                permissions=form.cleaned_data["permissions"],
                units=list(form.cleaned_data["units"]),
                whole_organisation=form.cleaned_data["whole_organisation"],
                created_by=request.user,
                request=request,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            form = ApiKeyForm(organisation=organisation)
    keys = restrict(ApiKey.objects.prefetch_related("units"), request.user, MANAGE)
    context = {
        "keys": keys,
        "form": form,
        "new_secret": new_secret,
        "permission_labels": api_key_permissions(),
    }
    return render(request, "organisations/api_key_list.html", context)


@requires(MANAGE)
@require_POST
def api_key_revoke(request: HttpRequest, key_id: int) -> HttpResponse:
    key = get_for_user_or_404(ApiKey.objects.all(), request.user, MANAGE, pk=key_id)
    services.revoke_api_key(key, request=request)
    messages.success(request, _("API key revoked. Requests with it are refused from now on."))
    return redirect("organisations:api_key_list")
