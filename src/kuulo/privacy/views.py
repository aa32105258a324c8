"""Retention periods and data-subject requests (organisation admins: `privacy.manage`)."""

import json

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kuulo.organisations.access import Permission, organisation_for, requires

from . import retention, services, subjects
from .forms import RetentionPolicyForm, SubjectLookupForm

MANAGE = Permission.MANAGE_PRIVACY


@requires(MANAGE)
def retention_settings(request: HttpRequest) -> HttpResponse:
    organisation = organisation_for(request.user)
    policy = retention.policy_for(organisation)
    form = RetentionPolicyForm(request.POST or None, instance=policy)
    if request.method == "POST" and form.is_valid():
        services.save_policy(form.instance, request=request)
        messages.success(request, _("Retention periods saved. They are applied every night."))
        return redirect("privacy:retention")
    due = retention.apply(organisation, now=timezone.now(), dry_run=True)
    context = {"form": form, "due": [(RETENTION_LABELS[kind], count) for kind, count in due.items()]}
    return render(request, "privacy/retention.html", context, status=400 if form.errors else 200)


@requires(MANAGE)
def data_subject(request: HttpRequest) -> HttpResponse:
    """Find what is held about one person; download it or erase it."""
    organisation = organisation_for(request.user)
    data = request.POST if request.method == "POST" else request.GET
    form = SubjectLookupForm(data or None)
    found = None
    if form.is_valid():
        identifier = form.cleaned_data["identifier"]
        if not subjects.kind_of(identifier):
            form.add_error("identifier", _("Give an e-mail address or a phone number."))
        else:
            found = subjects.find(organisation, identifier)
            action = request.POST.get("action") if request.method == "POST" else None
            if action == "export":
                content = json.dumps(
                    subjects.export(found, request=request, organisation=organisation), indent=2
                )
                response = HttpResponse(content, content_type="application/json; charset=utf-8")
                response["Content-Disposition"] = 'attachment; filename="personal-data.json"'
                return response
            if action == "erase" and request.POST.get("confirm") == "yes":
                counts = subjects.erase(found, request=request, organisation=organisation)
                messages.success(
                    request,
                    _(
                        "Erased. Contact requests: %(contacts)s, follow-ups: %(follow_ups)s, "
                        "invitations: %(invitations)s, complaint texts: %(complaints)s."
                    )
                    % {
                        "contacts": counts["contact_requests"],
                        "follow_ups": counts["follow_ups"],
                        "invitations": counts["invitations"],
                        "complaints": counts["complaints"],
                    },
                )
                return redirect("privacy:data_subject")
            if action == "erase":
                messages.error(request, _("Tick the box to confirm the erasure."))
    return render(request, "privacy/data_subject.html", {"form": form, "found": found})


RETENTION_LABELS = {
    "responses": gettext_lazy("Responses"),
    "free_text": gettext_lazy("Free-text answers to empty"),
    "contact_requests": gettext_lazy("Contact requests"),
    "follow_ups": gettext_lazy("Closed follow-ups with their contact details"),
    "invitations": gettext_lazy("Invitations"),
    "held_answers": gettext_lazy("Kiosk answers on hold"),
    "rejected_imports": gettext_lazy("Rejected import files"),
    "webhook_deliveries": gettext_lazy("Webhook deliveries"),
    "audit_log": gettext_lazy("Audit log events"),
}
