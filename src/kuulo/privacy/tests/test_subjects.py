"""A person's data request: everything carrying their e-mail address or phone number in
the organisation is found, downloaded as JSON and erased; audited without the identifier."""

import json
from datetime import date
from typing import Any

import pytest
from django.utils import timezone

from kuulo.audit.models import AuditEvent
from kuulo.feedback.models import Complaint, Invitation, Response, ResponseContact, SurveyPublication
from kuulo.feedback.testing import make_publication, send_answers
from kuulo.organisations.models import Role
from kuulo.organisations.testing import World, client_for
from kuulo.privacy import subjects

URL = "/organisation/privacy/data-subjects/"


@pytest.fixture
def publication(world: World) -> SurveyPublication:
    return make_publication(world.unit, items=("csat", "open"))


def contact(publication: SurveyPublication, world: World, **details: str) -> ResponseContact:
    sender = world.users[Role.ADMIN if publication.unit.organisation == world.org else "other_admin"]
    send_answers(sender, publication, [{"csat": 3, "open": "Soittakaa"}])
    response = Response.objects.latest("pk")
    return ResponseContact.objects.create(
        response=response, consent_version="2026-11", consented_at=timezone.now(), **details
    )


def test_a_persons_data_is_found_by_email_or_phone_within_the_organisation(
    world: World, publication: SurveyPublication
) -> None:
    contact(publication, world, email="Anna.Asiakas@example.fi", name="Anna")
    contact(publication, world, phone="+358 40 123 4567")
    Invitation.objects.create(publication=publication, channel="sms", address="040-1234567", language="fi")
    Invitation.objects.create(
        publication=publication, channel="email", address="anna.asiakas@example.fi", language="fi"
    )
    elsewhere = make_publication(world.other_org_unit)
    contact(elsewhere, world, email="anna.asiakas@example.fi")  # another organisation's: never found
    by_email = subjects.find(world.org, "anna.asiakas@EXAMPLE.fi")
    assert (len(by_email.contacts), len(by_email.invitations)) == (1, 1)
    by_phone = subjects.find(world.org, "0401234567")
    assert (len(by_phone.contacts), len(by_phone.invitations)) == (1, 1)
    copy = by_email.as_json()
    assert copy["contact_requests"][0]["name"] == "Anna"
    assert copy["contact_requests"][0]["answers"][0]["answer"] in (3, "Soittakaa")


def test_the_admin_downloads_a_copy_and_erases_it(world: World, publication: SurveyPublication) -> None:
    kept = contact(publication, world, email="anna@example.fi")
    other = contact(publication, world, email="bertil@example.fi")
    Complaint.objects.create(
        organisation=world.org,
        unit=world.unit,
        kind="complaint",
        case_number="K-1",
        received_on=date(2026, 10, 1),
        summary="Asiakas (anna@example.fi) toivoi vastausta.",
    )
    admin = client_for(world.users[Role.ADMIN])
    admin.cookies["django_language"] = "en"
    page = admin.get(URL, {"identifier": "anna@example.fi"}).content.decode()
    assert "1 contact request left with a response" in page and "1 complaint text mentioning it" in page
    download = admin.post(URL, {"identifier": "anna@example.fi", "action": "export"})
    assert download["Content-Type"].startswith("application/json")
    assert json.loads(download.content)["contact_requests"][0]["email"] == "anna@example.fi"
    not_confirmed = admin.post(URL, {"identifier": "anna@example.fi", "action": "erase"}, follow=True)
    assert "Tick the box" in not_confirmed.content.decode() and ResponseContact.objects.count() == 2
    admin.post(URL, {"identifier": "anna@example.fi", "action": "erase", "confirm": "yes"})
    assert not ResponseContact.objects.filter(pk=kept.pk).exists()
    assert ResponseContact.objects.filter(pk=other.pk).exists()
    assert Response.objects.count() == 2  # the anonymous answers stay
    assert "anna@example.fi" not in Complaint.objects.get().summary
    for action in ("data_subject.exported", "data_subject.erased"):
        event = AuditEvent.objects.get(action=action)
        assert "anna" not in json.dumps(event.details) + event.target_label  # the log keeps no identifier


def test_only_admins_handle_personal_data_requests(world: World) -> None:
    for role in (Role.CX_LEAD, Role.MANAGER, Role.STAFF):
        assert client_for(world.users[role]).get(URL).status_code == 403
    assert client_for(world.users["other_admin"]).get(URL, {"identifier": "x@example.fi"}).status_code == 200


@pytest.mark.parametrize(("text", "kind"), [("a@b.fi", "email"), ("+358 40 123", "phone"), ("Anna", "")])
def test_what_counts_as_an_identifier(text: str, kind: Any) -> None:
    assert subjects.kind_of(text) == kind
