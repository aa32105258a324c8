"""Contact details end: open follow-ups keep them, closed ones lose them (and the case)
once the retention period after closing is over; a data subject's request finds, exports
and erases follow-ups by e-mail address or phone number."""

from datetime import timedelta

from django.utils import timezone

from kuulo.feedback.models import Response, ResponseContact
from kuulo.followups import services
from kuulo.followups.models import FollowUp, FollowUpReply, Outcome, ReplyChannel
from kuulo.followups.testing import make_case
from kuulo.organisations.models import Role
from kuulo.organisations.testing import World
from kuulo.privacy import retention, subjects
from kuulo.privacy.models import RetentionPolicy


def closed(world: World, **kwargs: object) -> FollowUp:
    case = make_case(world.unit, **kwargs)
    staff = world.users[Role.STAFF]
    services.record_reply(case, user=staff, channel=ReplyChannel.EMAIL, text="Vastasin sähköpostilla.")
    return services.close_case(case, user=staff, outcome=Outcome.EXPLAINED)


def test_retention_erases_closed_cases_after_the_period_and_keeps_open_ones(world: World) -> None:
    RetentionPolicy.objects.create(organisation=world.org, contact_requests_months=12)
    open_case = make_case(world.unit, email="auki@example.test")
    old, recent = closed(world, email="vanha@example.test"), closed(world, email="uusi@example.test")
    # The open case's request and the old one's closing are long past; the recent one closed today.
    long_ago = timezone.now() - timedelta(days=400)
    ResponseContact.objects.update(consented_at=long_ago)
    FollowUp.objects.filter(pk=old.pk).update(closed_at=long_ago)
    due = retention.apply(world.org, dry_run=True)
    assert (due["follow_ups"], due["contact_requests"]) == (1, 0)
    counts = retention.apply(world.org)
    assert counts["follow_ups"] == 1
    assert set(FollowUp.objects.values_list("pk", flat=True)) == {open_case.pk, recent.pk}
    assert set(ResponseContact.objects.values_list("email", flat=True)) == {
        "auki@example.test",
        "uusi@example.test",
    }
    assert Response.objects.filter(pk=old.response_id).exists()  # the anonymous answers stay
    assert not FollowUpReply.objects.filter(follow_up_id=old.pk).exists()


def test_contact_details_without_a_case_end_as_before(world: World) -> None:
    case = make_case(world.unit)
    FollowUp.objects.filter(pk=case.pk).delete()
    ResponseContact.objects.update(consented_at=timezone.now() - timedelta(days=400))
    assert retention.apply(world.org)["contact_requests"] == 1


def test_a_data_subject_request_finds_exports_and_erases_follow_ups(world: World, rf: object) -> None:
    by_mail = closed(world, email="Maija@Example.test", phone="")
    by_phone = make_case(world.unit, email="", phone="+358 40 123 4567")
    other = make_case(world.unit, email="joku@example.test")
    found = subjects.find(world.org, "maija@example.test")
    assert [case.pk for case in found.follow_ups] == [by_mail.pk]
    copy = found.as_json()
    assert copy["follow_ups"][0]["outcome"] == "explained"
    assert copy["follow_ups"][0]["replies"][0]["text"] == "Vastasin sähköpostilla."
    assert [case.pk for case in subjects.find(world.org, "040-1234567").follow_ups] == [by_phone.pk]
    counts = subjects.erase(subjects.find(world.org, "040 123 4567"), request=None, organisation=world.org)
    assert counts["follow_ups"] == 1 and counts["contact_requests"] == 1
    assert set(FollowUp.objects.values_list("pk", flat=True)) == {by_mail.pk, other.pk}
    assert Response.objects.filter(pk=by_phone.response_id).exists()
