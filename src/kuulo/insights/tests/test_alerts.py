"""Alerts and digests: below-target and significant drops once a week at most, digests on
their days, e-mail after commit, in the recipient's language, and nothing about units the
recipient may no longer see."""

from datetime import date, datetime, timedelta
from typing import Any

from django.core import mail
from django.utils import timezone

from kuulo.feedback import services
from kuulo.feedback.models import Item, SurveyPublication, TargetMeasure
from kuulo.feedback.testing import make_publication, send_answers
from kuulo.insights import alerts
from kuulo.insights.models import AlertSubscription, Notification
from kuulo.organisations.models import Role
from kuulo.organisations.testing import World, client_for

MONDAY = date(2026, 11, 16)  # a Monday in the past: ingest refuses answers from the future


def send(world: World, publication: SurveyPublication, answers: list[dict[str, Any]], day: date) -> None:
    when = timezone.make_aware(datetime(day.year, day.month, day.day, 12))
    send_answers(world.users[Role.ADMIN], publication, answers, when=when)


def subscribe(world: World, role: str = Role.MANAGER, **fields: Any) -> AlertSubscription:
    user = world.users[role]
    user.language = "en"
    user.email = f"{user.username}@example.fi"
    user.save()
    return AlertSubscription.objects.create(user=user, unit=world.area, **fields)


def run(today: date, django_capture_on_commit_callbacks: Any) -> int:
    with django_capture_on_commit_callbacks(execute=True):
        return alerts.run_daily(today)


def test_a_drop_and_a_missed_target_alert_once_a_week(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    publication = make_publication(world.unit, items=("csat",))
    csat = Item.objects.get(organisation=None, code="csat")
    services.set_target(organisation=world.org, item=csat, unit=None, measure=TargetMeasure.MEAN, value=4)
    send(world, publication, [{"csat": 5}] * 30, MONDAY - timedelta(days=60))  # baseline 5.0
    send(world, publication, [{"csat": 2}] * 10, MONDAY - timedelta(days=2))
    subscription = subscribe(world, digest="")
    assert run(MONDAY, django_capture_on_commit_callbacks) == 2
    titles = sorted(Notification.objects.values_list("title", flat=True))
    assert titles == ["CSAT below target in Yksikkö a-area", "CSAT dropped in Yksikkö a-area"]
    assert sorted(m.subject for m in mail.outbox) == titles and mail.outbox[0].to == ["a-manager@example.fi"]
    assert "http" in mail.outbox[0].body and f"/dashboards/units/{world.area.pk}/" in mail.outbox[0].body
    assert (
        run(MONDAY + timedelta(days=1), django_capture_on_commit_callbacks) == 0
    )  # the same week: not again
    subscription.email = False
    subscription.save()
    send(world, publication, [{"csat": 2}] * 10, MONDAY + timedelta(days=5))
    assert run(MONDAY + timedelta(days=7), django_capture_on_commit_callbacks) == 2  # next week: again
    assert len(mail.outbox) == 2  # but no longer by e-mail


def test_noise_and_small_groups_raise_no_alert(world: World, django_capture_on_commit_callbacks: Any) -> None:
    publication = make_publication(world.unit, items=("csat",))
    send(world, publication, [{"csat": 4}, {"csat": 5}] * 10, MONDAY - timedelta(days=60))
    send(world, publication, [{"csat": 4}, {"csat": 5}, {"csat": 4}] * 3, MONDAY - timedelta(days=2))  # ~same
    send(world, make_publication(world.unit, items=("nps",)), [{"nps": 0}] * 3, MONDAY - timedelta(days=2))
    subscribe(world, digest="")
    assert run(MONDAY, django_capture_on_commit_callbacks) == 0


def test_digests_come_on_their_days_with_hidden_small_groups(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    publication = make_publication(world.unit, items=("csat", "nps", "open"))
    send(world, publication, [{"csat": 4, "nps": 9, "open": "Kiitos!"}] * 12, MONDAY - timedelta(days=3))
    send(world, publication, [{"nps": 3}] * 2, MONDAY - timedelta(days=1))
    subscribe(world, digest="weekly", below_target=False, significant_drop=False)
    assert (
        run(MONDAY + timedelta(days=1), django_capture_on_commit_callbacks) == 0
    )  # Tuesday: no weekly digest
    assert run(MONDAY, django_capture_on_commit_callbacks) == 1
    digest = Notification.objects.get(kind="digest")
    assert digest.title == "Yksikkö a-area: the last 7 days"
    # Sunday's two NPS answers are a small group on their day: the responses and the NPS of
    # the week that holds them are shown for whole months only; the CSAT (answered on
    # Friday only) is shown, and so are the comments of Friday's twelve.
    assert "Responses: Shown for whole months only" in digest.body and "14" not in digest.body
    assert "CSAT: 4.0" in digest.body and "NPS: Shown for whole months only" in digest.body
    assert "Kiitos!" in digest.body
    daily = subscribe(world, role=Role.VIEWER, digest="daily", below_target=False, significant_drop=False)
    assert run(MONDAY, django_capture_on_commit_callbacks) == 1
    body = Notification.objects.get(user=daily.user).body
    assert "Responses: Shown for whole months only" in body and "2" not in body  # yesterday's 2, never said


def test_nothing_is_sent_about_a_unit_the_person_can_no_longer_see(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    publication = make_publication(world.unit, items=("csat",))
    send(world, publication, [{"csat": 1}] * 10, MONDAY - timedelta(days=1))
    subscription = subscribe(world, digest="daily")
    subscription.user.membership.roles.all().delete()
    assert run(MONDAY, django_capture_on_commit_callbacks) == 0 and not mail.outbox


def test_people_follow_only_their_own_units_and_read_their_notifications(world: World) -> None:
    manager = world.users[Role.MANAGER]
    manager.language = "en"
    manager.save()
    client = client_for(manager)
    page = client.get("/dashboards/alerts/")
    assert f'value="{world.sibling.pk}"' not in page.content.decode()
    assert [str(item["label"]) for item in page.context["nav_items"] if item["current"]] == ["Alerts"]
    refused = client.post("/dashboards/alerts/", {"unit": world.sibling.pk, "digest": "weekly"})
    assert refused.status_code == 200 and not AlertSubscription.objects.exists()
    client.post("/dashboards/alerts/", {"unit": world.unit.pk, "digest": "daily", "email": "on"})
    subscription = AlertSubscription.objects.get()
    assert (subscription.user, subscription.unit, subscription.digest, subscription.below_target) == (
        manager,
        world.unit,
        "daily",
        False,
    )
    Notification.objects.create(
        user=manager, unit=world.unit, kind="alert", title="T", body="B", url="/", key="k"
    )
    client.post("/dashboards/alerts/", {"action": "read"})
    assert Notification.objects.get().read_at is not None
    other = client_for(world.users[Role.STAFF])
    other.post("/dashboards/alerts/", {"action": "unsubscribe", "subscription": subscription.pk})
    assert AlertSubscription.objects.exists()  # not theirs to remove
    client.post("/dashboards/alerts/", {"action": "unsubscribe", "subscription": subscription.pk})
    assert not AlertSubscription.objects.exists()


def test_a_failing_mailbox_does_not_stop_the_run(
    world: World, django_capture_on_commit_callbacks: Any, monkeypatch: Any
) -> None:
    publication = make_publication(world.unit, items=("csat",))
    csat = Item.objects.get(organisation=None, code="csat")
    services.set_target(organisation=world.org, item=csat, unit=None, measure=TargetMeasure.MEAN, value=4)
    send(world, publication, [{"csat": 2}] * 10, MONDAY - timedelta(days=2))
    subscribe(world, digest="")
    subscribe(world, role=Role.VIEWER, digest="")

    def refuse(message: Any) -> None:
        raise OSError("mail server down")

    monkeypatch.setattr(alerts.EmailMessage, "send", refuse)
    assert run(MONDAY, django_capture_on_commit_callbacks) == 2  # both people get their alert
    assert set(Notification.objects.values_list("emailed_at", flat=True)) == {None}  # shown as not e-mailed
