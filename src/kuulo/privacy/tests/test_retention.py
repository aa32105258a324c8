"""Retention: every kind of data ends, a dry run changes nothing, deleted responses leave
the dashboards' aggregates in the same run, and what was removed is recorded."""

from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db.models import Sum
from django.utils import timezone

from kuulo.audit.models import AuditEvent
from kuulo.feedback.models import (
    Answer,
    HeldAnswer,
    HeldAnswerStatus,
    ImportStatus,
    Invitation,
    Response,
    ResponseContact,
    ResponseImport,
    SurveyPublication,
)
from kuulo.feedback.testing import make_publication, send_answers
from kuulo.insights.models import DailyResponseCount
from kuulo.organisations.models import Role
from kuulo.organisations.testing import World, client_for
from kuulo.privacy import retention
from kuulo.privacy.models import RetentionPolicy
from kuulo.privacy.services import save_policy
from kuulo.webhooks import services as webhooks
from kuulo.webhooks.models import Delivery

MONTH = timedelta(days=30)


@pytest.fixture
def publication(world: World) -> SurveyPublication:
    return make_publication(world.unit, items=("csat", "open"))


def months_ago(months: int) -> Any:
    return timezone.now() - months * MONTH - timedelta(days=1)


def counted_responses(world: World) -> int:
    return DailyResponseCount.objects.filter(organisation_id=world.org.pk).aggregate(n=Sum("count"))["n"] or 0


def old_data(world: World, publication: SurveyPublication) -> None:
    sender = world.users[Role.ADMIN]
    send_answers(sender, publication, [{"csat": 2, "open": "Vanha"}] * 3, when=months_ago(61))
    send_answers(sender, publication, [{"csat": 4, "open": "Kaksi vuotta sitten"}] * 2, when=months_ago(25))
    send_answers(sender, publication, [{"csat": 5, "open": "Tuore"}], when=timezone.now() - timedelta(days=1))
    contact_response = Response.objects.filter(answers__text="Kaksi vuotta sitten").first()
    assert contact_response is not None
    ResponseContact.objects.create(
        response=contact_response,
        email="anna@example.fi",
        consent_version="2024",
        consented_at=months_ago(13),
    )
    invitation = Invitation.objects.create(
        publication=publication, channel="email", address="", language="fi"
    )
    Invitation.objects.filter(pk=invitation.pk).update(created_at=months_ago(13))
    held = HeldAnswer.objects.create(
        organisation=world.org,
        unit=world.unit,
        publication=publication,
        source_key="k",
        payload={},
        status=HeldAnswerStatus.DISCARDED,
    )
    HeldAnswer.objects.filter(pk=held.pk).update(received_at=months_ago(4))
    job = ResponseImport.objects.create(
        publication=publication,
        file_name="x.csv",
        file_format="csv",
        content=b"a;b",
        status=ImportStatus.REJECTED,
    )
    ResponseImport.objects.filter(pk=job.pk).update(updated_at=timezone.now() - timedelta(days=31))
    endpoint = webhooks.create_endpoint(
        organisation=world.org, name="Jira", url="https://hooks.example.fi/", topics=["responses"]
    )[0]
    Delivery.objects.filter(endpoint=endpoint).delete()
    delivery = Delivery.objects.create(endpoint=endpoint, event="ping", payload={"text": "Vanha"})
    Delivery.objects.filter(pk=delivery.pk).update(created_at=timezone.now() - timedelta(days=31))
    event = AuditEvent.objects.create(organisation=world.org, action="auth.login")
    AuditEvent.objects.filter(pk=event.pk).update(occurred_at=months_ago(37))


EXPECTED = {
    "responses": 3,
    "free_text": 2,  # the 25-month-old comments (the 61-month-old go with their responses)
    "contact_requests": 1,
    "invitations": 1,
    "held_answers": 1,
    "rejected_imports": 1,
    "webhook_deliveries": 1,
    "audit_log": 1,
}


def test_a_dry_run_counts_and_changes_nothing(world: World, publication: SurveyPublication) -> None:
    old_data(world, publication)
    before = (Response.objects.count(), counted_responses(world), AuditEvent.objects.count())
    due = retention.apply(world.org, dry_run=True)
    assert due["responses"] == 3 and due["contact_requests"] == 1
    assert (Response.objects.count(), counted_responses(world), AuditEvent.objects.count()) == before


def test_everything_past_its_period_goes_and_is_recorded(
    world: World, publication: SurveyPublication
) -> None:
    old_data(world, publication)
    assert counted_responses(world) == 6
    counts = retention.apply(world.org)
    assert {kind: counts[kind] for kind in EXPECTED} == EXPECTED
    assert Response.objects.count() == 3 and counted_responses(world) == 3  # the aggregates lost them too
    texts = sorted(Answer.objects.exclude(text="").values_list("text", flat=True))
    assert texts == ["Tuore"]  # two-year-old comments emptied, their numbers kept
    assert Answer.objects.filter(number=4).count() == 2
    assert not ResponseContact.objects.exists() and not Invitation.objects.exists()
    assert not HeldAnswer.objects.exists() and not Delivery.objects.exists()
    emptied = ResponseImport.objects.get()
    assert (emptied.content, emptied.samples, emptied.values) == (b"", [], {})
    assert not AuditEvent.objects.filter(action="auth.login").exists()
    event = AuditEvent.objects.get(action="retention.applied")
    assert event.details["responses"] == 3
    assert retention.apply(world.org)["responses"] == 0  # nothing twice


def test_an_organisation_may_keep_data_longer_within_bounds(
    world: World, publication: SurveyPublication
) -> None:
    old_data(world, publication)
    RetentionPolicy.objects.create(organisation=world.org, responses_months=120, free_text_months=36)
    counts = retention.apply(world.org)
    assert counts["responses"] == 0 and counts["free_text"] == 3
    admin = client_for(world.users[Role.ADMIN])
    admin.cookies["django_language"] = "en"
    refused = admin.post("/organisation/privacy/retention/", {**_form(), "free_text_months": "130"})
    assert refused.status_code == 400
    page = admin.post("/organisation/privacy/retention/", {**_form(), "free_text_months": "70"})
    assert "cannot be kept longer than the responses" in page.content.decode()


def _form() -> dict[str, str]:
    return {
        "responses_months": "60",
        "free_text_months": "24",
        "contact_requests_months": "12",
        "invitations_months": "12",
        "held_answers_months": "3",
        "rejected_imports_days": "30",
        "webhook_deliveries_days": "30",
        "audit_log_months": "36",
    }


def test_the_command_runs_every_organisation_and_forgets_old_addresses(
    world: World, publication: SurveyPublication
) -> None:
    old_data(world, publication)
    sent = Invitation.objects.create(
        publication=publication, channel="email", address="b@example.fi", language="fi", sent_at=months_ago(1)
    )
    Invitation.objects.filter(pk=sent.pk).update(created_at=months_ago(1))
    out = StringIO()
    call_command("apply_retention", "--dry-run", stdout=out)
    assert "would be removed" in out.getvalue() and Response.objects.count() == 6
    call_command("apply_retention", stdout=StringIO())
    assert Response.objects.count() == 3
    assert Invitation.objects.get(pk=sent.pk).address == ""


def test_only_admins_set_retention(world: World) -> None:
    for role in (Role.CX_LEAD, Role.MANAGER):
        assert client_for(world.users[role]).get("/organisation/privacy/retention/").status_code == 403
    page = client_for(world.users[Role.ADMIN]).get("/organisation/privacy/retention/")
    assert page.status_code == 200


def test_keeping_responses_forever_is_not_an_option(world: World) -> None:
    for months in (0, 121):
        with pytest.raises(ValidationError):
            save_policy(RetentionPolicy(organisation=world.org, responses_months=months))
