"""Background work of webhooks. Tasks take ids, re-read state and are safe to run twice."""

from datetime import datetime, timedelta

from django.tasks import task
from django.utils import timezone

from . import events, sending

# The sweep leaves a delivery this long to the task queued for it before queueing another.
SWEEP_GRACE = timedelta(minutes=2)


@task
def deliver(delivery_id: int) -> str:
    """One attempt at a delivery; a failure schedules the next one (backends that can defer)."""
    delivery = sending.attempt(delivery_id)
    if delivery is None:
        return "skipped"
    if (retry_at := sending.retry_at(delivery)) is not None:
        later = deliver.using(run_after=_whole_second_from(retry_at))
        # Backends that cannot defer leave the retry to `retry_due_deliveries`.
        if later.get_backend().supports_defer:
            later.enqueue(delivery.pk)
    return str(delivery.status)


def _whole_second_from(moment: datetime) -> datetime:
    """The moment, or the next whole second: RQ keeps a deferred task's time in whole
    seconds, rounded down, and an attempt that starts before `next_attempt_at` finds
    nothing due (the delivery would wait for the retry sweep)."""
    if moment.microsecond == 0:
        return moment
    return moment.replace(microsecond=0) + timedelta(seconds=1)


@task
def retry_due_deliveries() -> int:
    """Queue every overdue delivery: retries of backends that cannot defer, and attempts a
    dead worker left unfinished; delete finished deliveries past their retention; release
    the responses of days that are over (each endpoint gets each day once). Run every few
    minutes (the `retry_due_deliveries` command)."""
    now = timezone.now()
    sending.prune(now)
    events.release_responses(now)
    ids = sending.due_ids(now, grace=SWEEP_GRACE)
    for delivery_id in ids:
        deliver.enqueue(delivery_id)
    return len(ids)
