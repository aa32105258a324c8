"""Background work on Redis, as several app servers and RQ workers run it: each task is
queued through django.tasks once its transaction commits, waits in Redis, and an RQ
worker started like `manage.py rqworker` runs it; tasks queued with `run_after` wait in
RQ's schedule until a worker with the scheduler finds them due; the cron commands queue
their work for the workers. Run by `make rq-tests` (see conftest.py)."""

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from kuulo.feedback import invitations
from kuulo.feedback import services as feedback_services
from kuulo.feedback.models import Complaint, ImportStatus, Invitation, Response, ResponseImport
from kuulo.feedback.testing import make_publication, send_answers
from kuulo.insights import services as insights
from kuulo.insights.models import Notification, Report, ReportSchedule, ReportStatus
from kuulo.organisations.models import Role
from kuulo.organisations.testing import World, client_for
from kuulo.webhooks import sending
from kuulo.webhooks import services as webhooks
from kuulo.webhooks import tasks as webhook_tasks
from kuulo.webhooks.models import Delivery, DeliveryStatus, Topic
from kuulo.webhooks.testing import running_receiver

from .queues import RedisQueue

pytestmark = [
    pytest.mark.rq,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        django_settings.TASK_BACKEND != "rq",
        reason="needs TASK_BACKEND=rq and a claimed Redis: make rq-tests",
    ),
]

SEND_INVITATIONS = "kuulo.feedback.tasks.send_invitations"
SEND_REMINDERS = "kuulo.feedback.tasks.send_reminders"
READ_IMPORT_FILE = "kuulo.feedback.tasks.read_import_file"
RUN_IMPORT = "kuulo.feedback.tasks.run_import"
DELIVER = "kuulo.webhooks.tasks.deliver"
RETRY_DUE_DELIVERIES = "kuulo.webhooks.tasks.retry_due_deliveries"
SEND_INSIGHTS = "kuulo.insights.tasks.send_insights"
GENERATE_REPORT = "kuulo.insights.tasks.generate_report"


def english(user: Any) -> Any:
    user.language = "en"
    user.save(update_fields=["language"])
    return user


def test_invitations_are_sent_by_the_worker_and_the_reminder_waits_in_rqs_schedule(
    world: World, redis: RedisQueue, rq_worker: Any, settings: Any
) -> None:
    settings.KUULO_PUBLIC_URL = "https://palaute.example.fi"
    publication = make_publication(world.unit, items=("csat", "open"))
    before = timezone.now()
    with transaction.atomic():
        invitations.invite(
            publication, ["anna@example.fi", "bertil@example.fi"], channel="email", language="fi", remind=True
        )
        assert redis.queued() == [] and redis.scheduled() == []  # nothing leaves before the commit
    assert redis.queued() == [SEND_INVITATIONS]
    [reminder] = redis.scheduled()
    assert reminder.task == SEND_REMINDERS and reminder.args == [publication.pk]
    expected = before + invitations.REMINDER_AFTER + timedelta(hours=1)
    assert abs(reminder.at - expected) < timedelta(minutes=1)
    assert mail.outbox == [] and not Invitation.objects.filter(sent_at__isnull=False).exists()

    assert rq_worker() == [SEND_INVITATIONS]
    assert sorted(message.to[0] for message in mail.outbox) == ["anna@example.fi", "bertil@example.fi"]
    assert "https://palaute.example.fi/i/" in str(mail.outbox[0].body)
    assert not Invitation.objects.filter(sent_at__isnull=True).exists()
    assert len(redis.scheduled()) == 1  # not due: a worker leaves the reminder where it is

    # Three days pass; Anna answers, Bertil does not.
    Invitation.objects.update(sent_at=F("sent_at") - invitations.REMINDER_AFTER - timedelta(hours=1))
    Invitation.objects.filter(address="anna@example.fi").update(answered=True)
    redis.make_scheduled_due()
    assert rq_worker() == []  # a worker without the scheduler never runs it
    assert rq_worker(with_scheduler=True) == [SEND_REMINDERS]
    assert [message.to for message in mail.outbox[2:]] == [["bertil@example.fi"]]
    assert Invitation.objects.get(address="bertil@example.fi").reminded_at is not None
    assert redis.scheduled() == []


def test_an_import_is_checked_and_stored_by_the_worker(
    world: World, redis: RedisQueue, rq_worker: Any
) -> None:
    publication = make_publication(world.unit, items=("csat", "open"))
    client = client_for(english(world.users[Role.MANAGER]))
    content = b"id;Date submitted;csat;open\n17;2026-03-02 09:15;5;Kiitos!\n18;3.3.2026 14:05;4;\n"
    upload = {
        "publication": publication.pk,
        "file": SimpleUploadedFile("export.csv", content),
        "encoding": "utf-8",
    }
    assert client.post("/feedback/imports/", upload).status_code == 302
    assert rq_worker() == [READ_IMPORT_FILE]  # the worker reads the file; the request only stored it
    job = ResponseImport.objects.get()
    mapping = {f"column_{index}": target for index, target in job.mapping.items()}
    assert client.post(f"/feedback/imports/{job.pk}/", mapping).status_code == 302
    [queued] = redis.queue.get_jobs()
    assert queued.func_name == RUN_IMPORT
    assert queued.timeout == 3600  # not RQ's 3 minutes, which a 200,000-row file could need
    progress = f"/feedback/imports/{job.pk}/progress/"
    assert client.get(progress).json() == {"running": True, "percent": 0, "text": "Queued"}

    assert rq_worker() == [RUN_IMPORT]
    job.refresh_from_db()
    assert (job.status, job.total_rows, job.created_count, job.errors) == (ImportStatus.DONE, 2, 2, [])
    assert set(Response.objects.values_list("source_key", flat=True)) == {
        f"import:{publication.code}:17",
        f"import:{publication.code}:18",
    }
    assert client.get(progress).json() == {"running": False, "percent": 100, "text": "Imported"}


def test_a_webhook_delivery_is_retried_from_rqs_schedule_and_by_the_sweep(
    world: World, redis: RedisQueue, rq_worker: Any, settings: Any
) -> None:
    settings.KUULO_WEBHOOKS_ALLOW_PRIVATE_NETWORKS = True  # the receiver is on this machine
    with running_receiver() as receiver:
        webhooks.create_endpoint(
            organisation=world.org, name="Jira", url=receiver.url, topics=[Topic.COMPLAINTS]
        )
        receiver.statuses = [503]
        register_complaint(world, "DNRO-1")
        delivery = Delivery.objects.get()
        assert redis.queued() == [DELIVER] and receiver.received == []

        assert rq_worker() == [DELIVER]
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
            DeliveryStatus.FAILED,
            1,
            503,
        )
        [retry] = redis.scheduled()  # the next attempt, at the end of the backoff
        assert retry.task == DELIVER and retry.args == [delivery.pk]
        assert delivery.next_attempt_at is not None
        # Never before it (RQ keeps whole seconds): an attempt that comes early finds nothing due.
        assert timedelta(0) <= retry.at - delivery.next_attempt_at < timedelta(seconds=1)

        # The backoff passes; a worker with the scheduler makes the second attempt.
        passed = sending.BACKOFF[0] + timedelta(seconds=1)
        Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=F("next_attempt_at") - passed)
        redis.make_scheduled_due()
        assert rq_worker(with_scheduler=True) == [DELIVER]
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts) == (DeliveryStatus.SUCCEEDED, 2)
        first, second = receiver.received
        assert (
            first.payload == second.payload and first.payload["data"]["complaint"]["case_number"] == "DNRO-1"
        )

        # A delivery whose queued job was lost (Redis emptied, say) is found by the cron sweep.
        register_complaint(world, "DNRO-2")
        lost = Delivery.objects.latest("pk")
        redis.clear()
        Delivery.objects.filter(pk=lost.pk).update(
            next_attempt_at=timezone.now() - webhook_tasks.SWEEP_GRACE - timedelta(minutes=1)
        )
        call_command("retry_due_deliveries")
        assert redis.queued() == [RETRY_DUE_DELIVERIES]
        assert rq_worker() == [DELIVER, RETRY_DUE_DELIVERIES]  # the sweep queues the delivery it finds
        lost.refresh_from_db()
        assert lost.status == DeliveryStatus.SUCCEEDED and len(receiver.received) == 3


def test_the_daily_run_queues_the_monthly_report_which_the_worker_draws(
    world: World, redis: RedisQueue, rq_worker: Any
) -> None:
    last_month, last_day = insights.previous_month(timezone.localdate())
    publication = make_publication(world.unit, items=("csat", "nps"))
    when = timezone.make_aware(datetime(last_month.year, last_month.month, 10, 12))
    send_answers(world.users[Role.ADMIN], publication, [{"csat": 5, "nps": 9}] * 6, when=when)
    manager = english(world.users[Role.MANAGER])
    schedule = insights.save_schedule(manager, unit=world.unit, language="en", email=True)
    ReportSchedule.objects.filter(pk=schedule.pk).update(
        created_at=timezone.make_aware(datetime(last_month.year, last_month.month, 1)) - timedelta(days=1)
    )

    call_command("send_insights")
    assert redis.queued() == [SEND_INSIGHTS] and not Report.objects.exists()
    assert rq_worker() == [GENERATE_REPORT, SEND_INSIGHTS]  # the daily run queues the report it makes
    report = Report.objects.get()
    assert (report.schedule, report.period_start, report.period_end) == (schedule, last_month, last_day)
    assert (report.status, report.progress, report.error) == (ReportStatus.DONE, 100, "")
    assert bytes(report.content).startswith(b"%PDF")
    assert Notification.objects.get(user=manager).url == f"/dashboards/reports/{report.pk}/"
    assert [message.to for message in mail.outbox] == [[manager.email]]

    call_command("send_insights")  # the next day: the report is not made twice
    assert rq_worker() == [SEND_INSIGHTS]
    assert Report.objects.count() == 1


def register_complaint(world: World, case_number: str) -> None:
    """A complaint registered: its webhook event is sent as it happens (responses go once a day)."""
    feedback_services.save_complaint(
        Complaint(),
        user=world.users[Role.ADMIN],
        unit=world.unit,
        kind="complaint",
        case_number=case_number,
        received_on=date(2026, 10, 1),
    )
