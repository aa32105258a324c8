"""Webhook pages for organisation admins: endpoints, their secrets and delivery logs.

A secret is shown once, on the page that creates or renews it (like an API key).
"""

import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kuulo.core.forms import add_service_errors, form_changes
from kuulo.organisations.access import Permission, get_for_user_or_404, organisation_for, requires, restrict

from . import services
from .forms import EndpointForm
from .models import Delivery, Endpoint

MANAGE = Permission.MANAGE_WEBHOOKS
LOG_LENGTH = 100


@requires(MANAGE)
def endpoint_list(request: HttpRequest) -> HttpResponse:
    endpoints = restrict(Endpoint.objects.select_related("unit"), request.user, MANAGE)
    return render(request, "webhooks/endpoint_list.html", {"endpoints": endpoints})


@requires(MANAGE)
def endpoint_create(request: HttpRequest) -> HttpResponse:
    organisation = organisation_for(request.user)
    form = EndpointForm(request.POST or None, organisation=organisation)
    if request.method == "POST" and form.is_valid():
        try:
            endpoint, secret = services.create_endpoint(
                organisation=organisation,
                created_by=request.user,
                request=request,
                **{name: form.cleaned_data[name] for name in services.FIELDS},
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Webhook created."))
            return _detail(request, endpoint, new_secret=secret)
    return render(request, "webhooks/endpoint_form.html", {"form": form})


@requires(MANAGE)
def endpoint_detail(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    return _detail(request, _endpoint_or_404(request, endpoint_id))


def _detail(request: HttpRequest, endpoint: Endpoint, new_secret: str = "") -> HttpResponse:
    deliveries = endpoint.deliveries.all()[:LOG_LENGTH]
    context = {
        "endpoint": endpoint,
        "deliveries": deliveries,
        "new_secret": new_secret,
        "log_length": LOG_LENGTH,
    }
    return render(request, "webhooks/endpoint_detail.html", context)


@requires(MANAGE)
def endpoint_edit(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    endpoint = _endpoint_or_404(request, endpoint_id)
    form = EndpointForm(request.POST or None, instance=endpoint, organisation=endpoint.organisation)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_endpoint(endpoint, request=request, **form_changes(form))
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("webhooks:endpoint_detail", endpoint_id=endpoint.pk)
    return render(request, "webhooks/endpoint_form.html", {"form": form, "endpoint": endpoint})


@requires(MANAGE)
def endpoint_delete(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    endpoint = _endpoint_or_404(request, endpoint_id)
    if request.method == "POST":
        services.delete_endpoint(endpoint, request=request)
        messages.success(request, _("Webhook deleted."))
        return redirect("webhooks:endpoint_list")
    return render(request, "webhooks/endpoint_delete.html", {"endpoint": endpoint})


@requires(MANAGE)
@require_POST
def endpoint_rotate_secret(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    endpoint = _endpoint_or_404(request, endpoint_id)
    secret = services.rotate_secret(endpoint, request=request)
    messages.success(request, _("The secret was renewed. Give the new one to the receiving system."))
    return _detail(request, endpoint, new_secret=secret)


@requires(MANAGE)
@require_POST
def endpoint_test(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    endpoint = _endpoint_or_404(request, endpoint_id)
    try:
        services.send_test_event(endpoint, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("A test event is on its way. Its delivery appears in the log below."))
    return redirect("webhooks:endpoint_detail", endpoint_id=endpoint.pk)


@requires(MANAGE)
def delivery_detail(request: HttpRequest, delivery_id: int) -> HttpResponse:
    delivery = _delivery_or_404(request, delivery_id)
    payload = json.dumps(delivery.payload, ensure_ascii=False, indent=2)
    return render(request, "webhooks/delivery_detail.html", {"delivery": delivery, "payload": payload})


@requires(MANAGE)
@require_POST
def delivery_redeliver(request: HttpRequest, delivery_id: int) -> HttpResponse:
    delivery = _delivery_or_404(request, delivery_id)
    try:
        services.redeliver(delivery, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The event is sent again, as a new delivery."))
    return redirect("webhooks:endpoint_detail", endpoint_id=delivery.endpoint_id)


def _endpoint_or_404(request: HttpRequest, endpoint_id: int) -> Endpoint:
    return get_for_user_or_404(
        Endpoint.objects.select_related("unit", "organisation"), request.user, MANAGE, pk=endpoint_id
    )


def _delivery_or_404(request: HttpRequest, delivery_id: int) -> Delivery:
    return get_for_user_or_404(
        Delivery.objects.select_related("endpoint"), request.user, MANAGE, pk=delivery_id
    )
