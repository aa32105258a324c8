"""Browsing the audit log (organisation administrators)."""

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from kuulo.organisations.access import Permission, requires, restrict

from .forms import AuditFilterForm
from .models import AuditEvent


@requires(Permission.VIEW_AUDIT_LOG)
def event_list(request: HttpRequest) -> HttpResponse:
    events = restrict(AuditEvent.objects.all(), request.user, Permission.VIEW_AUDIT_LOG)
    filters = AuditFilterForm(request.GET or None)
    if filters.is_valid():
        data = filters.cleaned_data
        if data["action"]:
            events = events.filter(action=data["action"])
        if data["actor"]:
            events = events.filter(actor_label__icontains=data["actor"])
        if data["date_from"]:
            events = events.filter(occurred_at__date__gte=data["date_from"])
        if data["date_to"]:
            events = events.filter(occurred_at__date__lte=data["date_to"])
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/event_list.html",
        {"page": page, "filters": filters, "query": query.urlencode()},
    )
