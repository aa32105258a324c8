"""Personal invitations: sent in the background, opened → answered tracking, single use,
one reminder, and addresses checked line by line."""

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from kuulo.feedback import invitations
from kuulo.feedback.models import Channel, Invitation, InvitationDay, Response, SurveyPublication
from kuulo.feedback.sms import MemorySmsBackend
from kuulo.feedback.testing import make_publication
from kuulo.organisations.models import Role
from kuulo.organisations.testing import World, client_for


@pytest.fixture
def publication(world: World, settings: Any) -> SurveyPublication:
    settings.KUULO_SURVEY_MIN_SECONDS = 0
    settings.KUULO_PUBLIC_URL = "https://palaute.example.fi"
    return make_publication(world.unit, items=("csat", "open"))


def invite_by_ui(
    world: World, publication: SurveyPublication, recipients: str, channel: str = "email"
) -> Any:
    return client_for(world.users[Role.CX_LEAD]).post(
        reverse("feedback:publication_invite", args=[publication.pk]),
        {"channel": channel, "language": "sv", "recipients": recipients},
    )


def link_in(message: str) -> str:
    return message.split("https://palaute.example.fi")[1].split()[0]


def test_invitations_are_sent_once_committed_and_answered_once(
    world: World, publication: SurveyPublication, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        invite_by_ui(world, publication, "anna@example.fi\nbertil@example.fi\nanna@example.fi")
    assert Invitation.objects.count() == 2  # each address once
    assert len(mail.outbox) == 2 and mail.outbox[0].subject == "En kort fråga om vår service"
    assert all(invitation.sent_at for invitation in Invitation.objects.all())

    path = link_in(str(mail.outbox[0].body))
    browser = Client()
    survey_page = browser.get(path)
    assert survey_page.status_code == 302
    invitation = Invitation.objects.get(address=mail.outbox[0].to[0])
    assert invitation.opened and not invitation.answered
    form = browser.get(survey_page["Location"])
    assert form.context["channel"] == Channel.EMAIL
    question = publication.survey.questions.get(item_version__item__code="csat")
    data = {
        "started": form.context["started"],
        "ch": "email",
        "inv": form.context["invitation_token"],
        "lang": form.context["requested_language"],
        f"q{question.pk}": "4",
    }
    assert browser.post(survey_page["Location"], data).status_code == 302
    invitation.refresh_from_db()
    assert invitation.answered and invitation.response is None  # nothing joins the two
    response = Response.objects.get()
    assert response.channel == Channel.EMAIL and response.language == "sv"
    # Not linked to the address: the response row holds nothing about the invitation.
    assert "anna" not in str(Response.objects.values().get()) and "bertil" not in str(
        Response.objects.values().get()
    )

    # The link is single-use: the same form sent again only thanks again, and another form
    # opened with the invitation before it was answered is refused.
    assert browser.post(survey_page["Location"], data).status_code == 302
    fresh = browser.get(survey_page["Location"]).context["started"]
    assert browser.post(survey_page["Location"], {**data, "started": fresh}).status_code == 400
    assert Response.objects.count() == 1
    assert Client().get(path).status_code == 410


def test_forged_or_foreign_invitation_tokens_are_refused(
    world: World, publication: SurveyPublication
) -> None:
    assert Client().get("/i/1:forged/").status_code == 404
    other = make_publication(world.sibling)
    foreign = Invitation.objects.create(
        publication=other, channel="email", address="x@example.fi", language="fi"
    )
    question = publication.survey.questions.get(item_version__item__code="csat")
    url = reverse("feedback:respond", args=[publication.code])
    for token in ("1:forged", invitations.token_for(foreign)):
        client = Client()
        started = client.get(url).context["started"]
        response = client.post(url, {"started": started, "inv": token, f"q{question.pk}": "4"})
        assert response.status_code == 400
    assert Response.objects.count() == 0
    assert not Invitation.objects.get(pk=foreign.pk).answered


def test_one_reminder_only_to_those_who_have_not_answered(
    world: World, publication: SurveyPublication
) -> None:
    old = timezone.now() - timedelta(days=4)
    answered = Invitation.objects.create(
        publication=publication,
        channel="email",
        address="a@example.fi",
        language="fi",
        sent_at=old,
        answered=True,
    )
    waiting = Invitation.objects.create(
        publication=publication, channel="email", address="b@example.fi", language="fi", sent_at=old
    )
    recent = Invitation.objects.create(
        publication=publication,
        channel="email",
        address="c@example.fi",
        language="fi",
        sent_at=timezone.now(),
    )
    assert invitations.send_reminders(publication.pk) == 1
    assert invitations.send_reminders(publication.pk) == 0  # one reminder, never two
    assert [m.to for m in mail.outbox] == [["b@example.fi"]]
    waiting.refresh_from_db()
    assert waiting.reminded_at is not None
    assert Invitation.objects.get(pk=answered.pk).reminded_at is None
    assert Invitation.objects.get(pk=recent.pk).reminded_at is None


def test_text_messages_go_through_the_sms_backend(
    world: World, publication: SurveyPublication, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.KUULO_SMS_BACKEND = "kuulo.feedback.sms.MemorySmsBackend"
    MemorySmsBackend.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        invite_by_ui(world, publication, "+358 40 123 4567", channel="sms")
    assert MemorySmsBackend.outbox[0][0] == "+358 40 123 4567"
    assert "https://palaute.example.fi/i/" in MemorySmsBackend.outbox[0][1]


def test_bad_addresses_are_reported_by_line_and_nothing_is_sent(
    world: World, publication: SurveyPublication
) -> None:
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        invitations.parse_recipients("ok@example.fi\nnot-an-address\n\nalso bad@", "email")
    assert any("Line 2" in m for m in caught.value.messages) and any(
        "Line 4" in m for m in caught.value.messages
    )
    invite_by_ui(world, publication, "ok@example.fi\nnot-an-address")
    assert Invitation.objects.count() == 0 and len(mail.outbox) == 0


def test_sending_twice_sends_once(world: World, publication: SurveyPublication) -> None:
    invitation = Invitation.objects.create(
        publication=publication, channel="email", address="d@example.fi", language="en"
    )
    assert invitations.send_pending([invitation.pk]) == 1
    assert invitations.send_pending([invitation.pk]) == 0
    assert len(mail.outbox) == 1


def test_the_reminder_is_scheduled_with_the_invitations_when_asked(
    world: World, publication: SurveyPublication, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from django.tasks import default_task_backend

    # A backend that keeps tasks for later, as the database and Redis workers do.
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    client = client_for(world.users[Role.CX_LEAD])
    url = reverse("feedback:publication_invite", args=[publication.pk])
    page = client.get(reverse("feedback:survey_detail", args=[publication.survey_id])).content.decode()
    assert f'id="inv-{publication.pk}-remind" name="remind" checked' in page  # on unless unticked
    before = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"channel": "email", "language": "fi", "recipients": "a@example.fi", "remind": "on"})
        client.post(url, {"channel": "email", "language": "fi", "recipients": "b@example.fi"})
    queued = default_task_backend.results  # type: ignore[attr-defined]
    reminders = [r for r in queued if r.task.name == "send_reminders"]
    assert [r.args for r in reminders] == [[publication.pk]]  # only the first batch asked for it
    run_after = reminders[0].task.run_after
    assert before + invitations.REMINDER_AFTER < run_after < timezone.now() + invitations.REMINDER_AFTER * 2
    assert sum(r.task.name == "send_invitations" for r in queued) == 2


def test_invitations_carry_no_times_that_could_be_matched_with_responses(
    world: World, publication: SurveyPublication, django_capture_on_commit_callbacks: Any
) -> None:
    fields = {field.name for field in Invitation._meta.get_fields()}
    assert not {"opened_at", "answered_at"} & fields
    with django_capture_on_commit_callbacks(execute=True):
        invite_by_ui(world, publication, "anna@example.fi\nbertil@example.fi")
    invitation = Invitation.objects.get(address="anna@example.fi")
    invitations.mark_opened(invitation)
    invitations.mark_opened(invitation)  # opening twice counts once
    invitations.claim(invitation.pk)
    today = timezone.localdate()
    day = InvitationDay.objects.get(publication=publication)
    assert (day.day, day.invited, day.sent, day.opened, day.answered) == (today, 2, 2, 1, 1)
    assert invitations.funnel([publication.pk])[publication.pk] == {
        "invited": 2,
        "sent": 2,
        "reminded": 0,
        "opened": 1,
        "answered": 1,
    }


def test_addresses_are_forgotten_when_the_reminder_window_closes(
    world: World, publication: SurveyPublication
) -> None:
    long_ago = timezone.now() - timedelta(days=8)
    old = Invitation.objects.create(
        publication=publication, channel="email", address="a@example.fi", language="fi", sent_at=long_ago
    )
    Invitation.objects.filter(pk=old.pk).update(created_at=long_ago)
    fresh = Invitation.objects.create(
        publication=publication,
        channel="email",
        address="b@example.fi",
        language="fi",
        sent_at=timezone.now(),
    )
    assert invitations.forget_addresses(dry_run=True) == 1
    assert Invitation.objects.get(pk=old.pk).address == "a@example.fi"  # a dry run changes nothing
    assert invitations.forget_addresses() == 1
    assert Invitation.objects.get(pk=old.pk).address == ""
    assert Invitation.objects.get(pk=fresh.pk).address == "b@example.fi"
    assert invitations.send_reminders(publication.pk, now=timezone.now() + timedelta(days=30)) == 1
    assert [m.to for m in mail.outbox] == [["b@example.fi"]]  # nobody to remind at a forgotten address
    # The forgotten invitation's link still works once.
    assert Client().get(reverse("feedback:invitation", args=[invitations.token_for(old)])).status_code == 302


def test_a_link_whose_respondents_agreed_to_be_identified_links_answers_and_says_so(
    world: World, publication: SurveyPublication
) -> None:
    client = client_for(world.users[Role.CX_LEAD])
    client.post(reverse("feedback:publication_identified", args=[publication.pk]), {"identified": "1"})
    publication.refresh_from_db()
    assert publication.identified
    invitation = Invitation.objects.create(
        publication=publication, channel="email", address="asiakas@yritys.fi", language="en"
    )
    browser = Client()
    form_url = browser.get(reverse("feedback:invitation", args=[invitations.token_for(invitation)]))[
        "Location"
    ]
    form = browser.get(form_url)
    assert "sees that these answers are yours" in form.content.decode()
    # No offer to leave contact details "or stay anonymous": these answers are not anonymous.
    assert 'name="contact_opt_in"' not in form.content.decode()
    question = publication.survey.questions.get(item_version__item__code="csat")
    data = {
        "started": form.context["started"],
        "inv": form.context["invitation_token"],
        f"q{question.pk}": "5",
    }
    assert browser.post(form_url, data).status_code == 302
    invitation.refresh_from_db()
    assert invitation.response == Response.objects.get()
    assert invitations.forget_addresses(now=timezone.now() + timedelta(days=30)) == 0  # kept: identified
    # Anonymous again: the open link never says so, and new answers are not linked.
    assert (
        "sees that these answers are yours"
        not in Client().get(reverse("feedback:respond", args=[publication.code])).content.decode()
    )
