"""Follow-ups: a case is opened with each contact request, due after the organisation's
promise; handlers of the unit assign, reply and close it; low scores alert only them."""

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from kuulo.audit.models import AuditEvent
from kuulo.feedback import services as feedback
from kuulo.feedback.models import ResponseContact
from kuulo.feedback.services import delete_responses
from kuulo.feedback.testing import make_publication
from kuulo.followups import services
from kuulo.followups.models import FollowUp, FollowUpSettings, Outcome, PreferredChannel, ReplyChannel
from kuulo.followups.testing import make_case
from kuulo.insights.models import Notification
from kuulo.organisations.models import Role
from kuulo.organisations.testing import World, make_user

HELSINKI = ZoneInfo("Europe/Helsinki")


def contact_on(world: World, asked: datetime, **contact: Any) -> ResponseContact:
    """A stored response and its contact details as given at `asked` (the case not yet opened)."""
    publication = make_publication(world.unit)
    question = publication.survey.ordered_questions()[0]
    response = feedback.submit_response(
        publication, feedback.Submission(answers={question.pk: 4}, language="sv")
    )
    contact.setdefault("email", "anna@example.test")
    return ResponseContact.objects.create(
        response=response, consent_version="2026-11", consented_at=asked, **contact
    )


def test_a_contact_request_from_the_form_opens_a_case(world: World) -> None:
    case = make_case(world.unit, csat=4, email="maija@example.test", phone="040 123 4567")
    assert (case.unit, case.organisation, case.assignee, case.closed_at) == (
        world.unit,
        world.org,
        None,
        None,
    )
    assert case.preferred_channel == PreferredChannel.EITHER and not case.low_score
    assert case.requested_at == case.response.contact.consented_at
    assert case.due_on > timezone.localdate()
    event = AuditEvent.objects.get(action="follow_up.opened")
    assert event.target_label == f"#{case.pk}"  # never the person's name


@pytest.mark.parametrize(
    ("asked", "promise", "due"),
    [
        (datetime(2026, 6, 16, 14, 0, tzinfo=HELSINKI), 5, date(2026, 6, 24)),  # over Midsummer
        (datetime(2026, 12, 22, 9, 0, tzinfo=HELSINKI), 5, date(2026, 12, 31)),  # over Christmas
        # Late on Friday in UTC is Saturday in Helsinki: counted from the Saturday.
        (datetime(2026, 11, 6, 22, 30, tzinfo=ZoneInfo("UTC")), 3, date(2026, 11, 11)),
        (datetime(2026, 11, 2, 9, 0, tzinfo=HELSINKI), 10, date(2026, 11, 16)),
    ],
)
def test_the_due_date_is_the_promise_in_finnish_working_days(
    world: World, asked: datetime, promise: int, due: date
) -> None:
    FollowUpSettings.objects.create(organisation=world.org, promise_days=promise)
    case = services.open_case(contact_on(world, asked))
    assert case.due_on == due


def test_the_preferred_channel_is_what_the_person_gave(world: World) -> None:
    asked = timezone.now()
    assert services.open_case(contact_on(world, asked)).preferred_channel == PreferredChannel.EMAIL
    by_phone = contact_on(world, asked, email="", phone="+358 40 765 4321")
    assert services.open_case(by_phone).preferred_channel == PreferredChannel.PHONE
    # Both given, and the person asked to be phoned: as they asked.
    asked_for = contact_on(world, asked, phone="+358 40 765 4321", preferred="phone")
    assert services.open_case(asked_for).preferred_channel == PreferredChannel.PHONE


def test_a_low_score_alerts_the_handlers_of_the_unit_and_no_one_else(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    colleague = make_user(world.org, Role.STAFF, world.unit, username="kollega", language="sv")
    sibling_staff = make_user(world.org, Role.STAFF, world.sibling, username="naapuri")
    with django_capture_on_commit_callbacks(execute=True):
        case = make_case(world.unit, csat=2, comment="Ei vastausta kahteen viikkoon.")
    assert case.low_score
    told = set(
        Notification.objects.filter(key=f"follow_up:{case.pk}").values_list("user__username", flat=True)
    )
    # Staff of the unit and the manager of its area; the viewer and the account manager of
    # the area cannot see cases, the sibling's staff not this unit's, and the organisation-wide
    # CX lead and admin are told only about units without handlers of their own.
    assert told == {"a-staff", "a-manager", "kollega"}
    assert sibling_staff.username not in told
    swedish = Notification.objects.get(user=colleague)
    assert swedish.url == f"/follow-ups/{case.pk}/"
    assert "CSAT 2/5" in swedish.body and "kontakt" in swedish.title.lower()
    assert {message.to[0] for message in mail.outbox} == {f"{name}@example.test" for name in told}
    for message in mail.outbox:  # the e-mail leaves Kuulo: no contact details, no comment
        assert "Maija" not in message.body and "maija@" not in message.body
        assert "viikkoon" not in message.body


def test_organisation_wide_handlers_are_told_when_the_unit_has_none(world: World) -> None:
    case = make_case(world.sibling, csat=1)
    told = set(
        Notification.objects.filter(key=f"follow_up:{case.pk}").values_list("user__username", flat=True)
    )
    assert told == {"a-admin", "a-cxlead"}


def test_no_alert_for_good_scores_or_when_the_organisation_turned_them_off(world: World) -> None:
    make_case(world.unit, csat=3)
    FollowUpSettings.objects.create(organisation=world.org, alert_low_scores=False)
    assert make_case(world.unit, csat=1).low_score
    assert not Notification.objects.exists()


def test_lowest_answers_on_every_scale_are_low(world: World) -> None:
    publication = make_publication(world.unit, items=("nps", "ces", "csat"))
    for nps, ces, csat, low in [(6, 7, 5, True), (7, 7, 5, False), (9, 2, 5, True), (9, 3, 3, False)]:
        questions = {q.item_version.item.code: q.pk for q in publication.survey.ordered_questions()}
        response = feedback.submit_response(
            publication,
            feedback.Submission(
                answers={questions["nps"]: nps, questions["ces"]: ces, questions["csat"]: csat},
                language="fi",
                contact={"name": "", "email": "x@example.test", "phone": ""},
            ),
        )
        assert FollowUp.objects.get(response=response).low_score is low, (nps, ces, csat)


def test_handlers_assign_reply_and_close(world: World) -> None:
    case = make_case(world.unit)
    manager, staff = world.users[Role.MANAGER], world.users[Role.STAFF]
    services.assign_case(case, user=manager, assignee=staff)
    case.refresh_from_db()
    assert case.assignee == staff
    reply = services.record_reply(
        case,
        user=staff,
        channel=ReplyChannel.PHONE,
        text="Soitin, lupasin tarkistaa asian. Numero 040 123 4567.",
    )
    assert "040" not in reply.text and "[PHONE]" in reply.text  # redacted like any text
    closed = services.close_case(case, user=staff, outcome=Outcome.RESOLVED, note="Asia hoidettu.")
    assert closed.closed_at is not None and closed.closed_by == staff and closed.outcome == Outcome.RESOLVED
    actions = list(
        AuditEvent.objects.filter(target_type="followups.followup", target_id=str(case.pk))
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == ["follow_up.opened", "follow_up.assigned", "follow_up.replied", "follow_up.closed"]
    with pytest.raises(ValidationError):
        services.record_reply(case, user=staff, channel=ReplyChannel.EMAIL, text="Vielä yksi")


def test_whoever_replies_to_a_case_nobody_had_takes_it(world: World) -> None:
    case = make_case(world.unit)
    staff = world.users[Role.STAFF]
    services.record_reply(case, user=staff, channel=ReplyChannel.NOT_REACHED, text="")
    case.refresh_from_db()
    assert case.assignee == staff


def test_assignment_rules(world: World) -> None:
    case = make_case(world.unit)
    manager = world.users[Role.MANAGER]
    # Only people who may handle cases in the unit: not a viewer, an account manager, the
    # staff of a sibling unit, another organisation's admin or someone deactivated.
    sibling_staff = make_user(world.org, Role.STAFF, world.sibling)
    gone = make_user(world.org, Role.STAFF, world.unit)
    gone.is_active = False
    gone.save()
    for person in [
        world.users[Role.VIEWER],
        world.users[Role.ACCOUNT_MANAGER],
        sibling_staff,
        world.users["other_admin"],
        gone,
    ]:
        with pytest.raises(ValidationError) as refused:
            services.assign_case(case, user=manager, assignee=person)
        assert "assignee" in refused.value.error_dict
    # Nor may anyone outside the unit assign it.
    with pytest.raises(ValidationError):
        services.assign_case(case, user=sibling_staff, assignee=sibling_staff)
    services.assign_case(case, user=manager, assignee=world.users[Role.CX_LEAD])
    services.assign_case(case, user=manager, assignee=None)
    case.refresh_from_db()
    assert case.assignee is None


def test_a_case_is_closed_only_after_someone_tried_to_reach_the_person(world: World) -> None:
    case = make_case(world.unit)
    staff = world.users[Role.STAFF]
    with pytest.raises(ValidationError):
        services.close_case(case, user=staff, outcome=Outcome.RESOLVED)
    with pytest.raises(ValidationError) as refused:
        services.record_reply(case, user=staff, channel=ReplyChannel.EMAIL, text="  ")
    assert "text" in refused.value.error_dict
    services.record_reply(case, user=staff, channel=ReplyChannel.NOT_REACHED, text="")
    with pytest.raises(ValidationError):
        services.close_case(case, user=staff, outcome="forgotten")
    assert services.close_case(case, user=staff, outcome=Outcome.NOT_REACHED).closed_at is not None


def test_a_case_goes_with_its_response(world: World) -> None:
    case = make_case(world.unit)
    delete_responses(type(case.response).objects.filter(pk=case.response_id))
    assert not FollowUp.objects.exists() and not ResponseContact.objects.exists()


def test_a_changed_promise_applies_to_new_requests(world: World) -> None:
    asked = datetime(2026, 11, 2, 9, 0, tzinfo=HELSINKI)
    first = services.open_case(contact_on(world, asked))
    FollowUpSettings.objects.create(organisation=world.org, promise_days=2)
    second = services.open_case(contact_on(world, asked))
    first.refresh_from_db()
    assert (first.due_on, second.due_on) == (date(2026, 11, 9), date(2026, 11, 4))
    assert first.requested_at + timedelta(days=7) > second.requested_at
