"""The scale-out path: tasks go through django.tasks to Redis (django-tasks-rq) and an RQ
worker runs them. `make rq-tests` claims a Redis database of its own for the run
(scripts/redis-test-db) and runs these tests with TASK_BACKEND=rq and REDIS_URL on it.

The worker is `manage.py rqworker` as a server runs it, in burst mode (it runs what is
queued, and what those jobs queue, then stops) and with RQ's SimpleWorker, which runs
each job in this process rather than a forked child: so it sees the test database. The
tests are transactional, so what they wrote is committed before the worker reads it, as
on separate app and worker servers, and tasks are queued by the real on-commit hooks.
"""

import signal
from collections.abc import Callable, Iterator

import pytest
from django.core.management import call_command

from .queues import QUEUE, RedisQueue


@pytest.fixture
def redis() -> Iterator[RedisQueue]:
    state = RedisQueue()
    state.clear()
    yield state
    state.clear()


@pytest.fixture
def rq_worker(redis: RedisQueue) -> Iterator[Callable[..., list[str]]]:
    """Run a burst worker; returns the tasks it ran (sorted by name), failing the test if any
    of them failed. `with_scheduler` lets it queue the scheduled tasks that are due first,
    as a worker started with --with-scheduler does."""
    handlers = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM)}

    def run(*, with_scheduler: bool = False) -> list[str]:
        before = redis.finished()
        options = ["--burst", "--worker-class", "rq.SimpleWorker", "--verbosity", "0"]
        call_command("rqworker", QUEUE, *options, *(["--with-scheduler"] if with_scheduler else []))
        assert redis.failures() == []
        ran = redis.finished()
        for name in before:
            ran.remove(name)
        return sorted(ran)

    yield run
    for number, handler in handlers.items():  # the worker installs its own on start
        signal.signal(number, handler)
