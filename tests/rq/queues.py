"""What the test run's Redis database holds, read through django-rq as django-tasks-rq
writes it.

django-rq is imported when it is used: it refuses to load without RQ_QUEUES, which the
settings only have with TASK_BACKEND=rq.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone

CLAIM_KEY = "kuulo:test-run"  # written by scripts/redis-test-db claim
QUEUE = "default"


@dataclass(frozen=True)
class Scheduled:
    task: str
    args: list[Any]
    at: datetime


class RedisQueue:
    """The queue the tasks go to, its schedule and the jobs a worker ran or failed."""

    def __init__(self) -> None:
        import django_rq

        self.queue = django_rq.get_queue(QUEUE)
        self.connection = self.queue.connection

    def clear(self) -> None:
        """Delete what RQ keeps (every key is under "rq:"), in this run's own database only."""
        if not self.connection.exists(CLAIM_KEY):
            pytest.fail(
                f"{settings.RQ_QUEUES[QUEUE]['URL']} is not claimed for a test run, so these tests "
                "will not empty it: run `make rq-tests`, or see scripts/redis-test-db."
            )
        for key in self.connection.scan_iter(match="rq:*", count=1000):
            self.connection.delete(key)

    def queued(self) -> list[str]:
        """The tasks waiting in the queue, in order."""
        return [job.func_name for job in self.queue.get_jobs()]

    def scheduled(self) -> list[Scheduled]:
        """The tasks queued with `run_after`, waiting in RQ's schedule."""
        registry = self.queue.scheduled_job_registry
        found = []
        for job_id in registry.get_job_ids():
            job = self.queue.fetch_job(job_id)
            found.append(Scheduled(job.func_name, list(job.args), registry.get_scheduled_time(job)))
        return found

    def make_scheduled_due(self) -> None:
        """Time passes: every scheduled task is due now."""
        registry = self.queue.scheduled_job_registry
        for job_id in registry.get_job_ids():
            registry.schedule(self.queue.fetch_job(job_id), timezone.now())

    def finished(self) -> list[str]:
        return [
            self.queue.fetch_job(job_id).func_name
            for job_id in self.queue.finished_job_registry.get_job_ids()
        ]

    def failures(self) -> list[str]:
        failed = [self.queue.fetch_job(job_id) for job_id in self.queue.failed_job_registry.get_job_ids()]
        return [f"{job.func_name}: {result.exc_string}" for job in failed if (result := job.latest_result())]
