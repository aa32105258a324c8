"""Benchmark: a survey's results split by the answer to one of its questions, at 100,000
responses to the survey.

Run:  .venv/bin/python bench/answer_split.py [--engine sqlite|postgres] [--responses 100000]

The demo organisation's survey with the most questions gets N responses (spread over the
last year across the units it is published for, every question answered at random on its
own scale or choices), stored through the ingest service, so the aggregates are kept as in
production. Measured, each many times:

- the survey's results data over the last 365 days for the whole organisation, unsplit;
- the same cross-tabulated by the answer to its first question that splits (every
  question's figure per answer group), and filtered to one answer group;
- the results page with the cross-tabulation, as a browser gets it;
- the baseline: the cross-tabulation's own counts (per unit, answer group, question and
  answer value) by one GROUP BY over the survey's raw answers joined to themselves, served
  by the same indexes.

Printed: p50/p95 in ms, SQL queries and the time spent in SQL per endpoint, and the ratio to
the baseline. The target (issue 12) is an answer within 2 s.
"""

import argparse
import random
import time
from datetime import timedelta
from typing import Any

from common import Timing, in_process, timed

TARGET_SECONDS = 2.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--responses", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=10)
    in_process("kuulo_bench_answer_split", parser, run)


def run(args: argparse.Namespace) -> None:

    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from kuulo.demo.data import create_demo_organisation
    from kuulo.feedback.models import Survey
    from kuulo.insights import results
    from kuulo.insights.answer_split import answer_groups
    from kuulo.insights.figures import Filters
    from kuulo.organisations.models import Role, RoleAssignment, Unit

    organisation = create_demo_organisation("bench-Password-2026")
    admin = (
        RoleAssignment.objects.filter(role=Role.ADMIN).select_related("membership__user")[0].membership.user
    )
    survey = max(
        Survey.objects.filter(organisation=organisation, publications__isnull=False).distinct(),
        key=lambda survey: survey.questions.count(),
    )
    questions = list(survey.questions.select_related("item_version__item").order_by("order"))
    splitter = next(q for q in questions if answer_groups(q.item_version))
    started = time.perf_counter()
    load(admin, survey, questions, args.responses)
    print(f"stored                 {args.responses:,} responses in {time.perf_counter() - started:.0f} s")
    if args.engine == "postgres":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    today = timezone.localdate()
    filters = Filters(start=today - timedelta(days=365), end=today - timedelta(days=1))
    # The top unit above the survey's links (the demo's tree has several).
    first = survey.publications.select_related("unit").first()
    assert first is not None
    top = Unit.objects.get(pk=int(first.unit.path.strip("/").split("/")[0]))
    group = answer_groups(splitter.item_version)[0].key
    threshold = organisation.reporting_threshold
    client = Client()
    client.force_login(admin)
    query = f"period=365&unit={top.pk}"

    def page() -> None:
        assert client.get(f"/dashboards/surveys/{survey.pk}/?{query}&by={splitter.pk}").status_code == 200

    baseline = Baseline(survey, splitter.item_version, filters)
    endpoints = {
        "results, unsplit": lambda: results.survey_results(survey, top, filters, threshold),
        "results, by answer": lambda: results.survey_results(
            survey, top, filters, threshold, by=splitter.item_version
        ),
        "results, one answer": lambda: results.survey_results(
            survey, top, filters, threshold, by=splitter.item_version, only=group
        ),
        "results page, by answer": page,
        "baseline GROUP BY": baseline.run,
    }
    print(f"survey                 {survey.name_fi}: {len(questions)} questions")
    print(f"split by               “{splitter.item_version.text}”")
    measured = {name: timed(function, args.runs) for name, function in endpoints.items()}
    report(args.engine, args.responses, measured)


def load(admin: Any, survey: Any, questions: list[Any], count: int) -> None:
    """`count` responses through the ingest service, in batches, over the last year."""
    from django.utils import timezone

    from kuulo.feedback import ingest
    from kuulo.feedback.models import ItemKind

    rng = random.Random(12)
    links = [publication.code for publication in survey.publications.all()]
    now = timezone.now()

    def answer(version: Any) -> Any:
        kind = version.item.kind
        if kind in (ItemKind.SINGLE_CHOICE,):
            return rng.choice(version.choice_values())
        if kind == ItemKind.MULTIPLE_CHOICE:
            return rng.sample(version.choice_values(), k=rng.randint(1, len(version.choices)))
        if kind == ItemKind.NUMBER:
            return str(round(rng.uniform(float(version.lower), float(version.upper) / 4), version.decimals))
        if version.scale_min is not None:
            return rng.randint(version.scale_min, version.scale_max)
        return None  # open text: left empty

    for low in range(0, count, ingest.MAX_BATCH):
        batch = []
        for _ in range(min(ingest.MAX_BATCH, count - low)):
            answers = {q.item_version.item.code: answer(q.item_version) for q in questions}
            batch.append(
                ingest.IncomingResponse(
                    link=rng.choice(links),
                    answers={code: value for code, value in answers.items() if value is not None},
                    responded_at=now - timedelta(days=1 + rng.random() * 364),
                )
            )
        result = ingest.ingest(admin, batch)
        assert len(result.created) == len(batch)


class Baseline:
    """The cross-tabulation's counts by one GROUP BY over the survey's raw answers."""

    def __init__(self, survey: Any, splitter: Any, filters: Any) -> None:
        from django.db import connection

        from kuulo.insights.figures import start_of

        adapt = connection.ops.adapt_datetimefield_value
        self.sql = (
            "SELECT r.unit_id, g.number, g.choices, a.item_version_id, "
            "a.number, a.amount, a.choices, COUNT(*) "
            "FROM feedback_answer a JOIN feedback_response r ON r.id = a.response_id "
            "JOIN feedback_answer g ON g.response_id = r.id AND g.item_version_id = %s "
            "WHERE r.survey_id = %s AND r.responded_at >= %s AND r.responded_at < %s "
            "GROUP BY r.unit_id, g.number, g.choices, a.item_version_id, a.number, a.amount, a.choices"
        )
        self.params = [
            splitter.pk,
            survey.pk,
            adapt(start_of(filters.start)),
            adapt(start_of(filters.end + timedelta(days=1))),
        ]

    def run(self) -> None:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(self.sql, self.params)
            assert cursor.fetchall()


def report(engine: str, size: int, results: dict[str, Timing]) -> None:
    baseline = results["baseline GROUP BY"].p50
    print(f"engine {engine}, {size:,} responses to the survey (target: under {TARGET_SECONDS:.0f} s)")
    print(f"{'endpoint':<26} {'p50 ms':>9} {'p95 ms':>9} {'queries':>8} {'in SQL ms':>10} {'/ baseline':>11}")
    for name, timing in results.items():
        print(
            f"{name:<26} {timing.p50 * 1000:>9.1f} {timing.p95 * 1000:>9.1f} {timing.queries:>8} "
            f"{timing.in_sql * 1000:>10.1f} {timing.p50 / baseline:>11.2f}"
        )
    print(flush=True)


if __name__ == "__main__":
    main()
