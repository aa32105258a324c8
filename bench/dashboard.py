"""Benchmark: dashboards at 1 and 10 million responses, against a naive GROUP BY.

Run:  .venv/bin/python bench/dashboard.py [--engine sqlite|postgres] [--responses 1000000]
      (add --responses 10000000 for the 10M run: it takes several minutes to generate)

Synthetic responses (3 answers each, spread over a year, the demo organisation's units,
touchpoints, channels and languages) are written straight into the raw tables, then the
aggregates are rebuilt from them (`rebuild_aggregates`). Measured, each many times:

- the organisation overview's data (`metrics.unit_rows`, every unit, last 28 days and the
  28 before, every headline item, counts and complaints) and the whole overview page;
- one unit's dashboard page (cards, trends, distributions, changes, comments);
- the naive query a dashboard would otherwise run: the same figures by GROUP BY over the
  raw answers joined to their responses.

Printed: p50/p95 latency, the ratio of the overview's data to the naive query (target ≤ 0.01),
and, when run at two sizes (--compare 1000000,10000000), the growth (target ≤ 1.2×).
"""

import argparse
import random
import statistics
import time
from datetime import UTC, datetime, timedelta

from common import setup_django


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--engine", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--responses", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    setup_django(args.engine, "kuulo_bench_dashboard")

    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from kuulo.demo.data import create_demo_organisation
    from kuulo.insights import aggregates, metrics
    from kuulo.organisations.access import Permission, units_for
    from kuulo.organisations.models import Role, RoleAssignment

    organisation = create_demo_organisation("bench-Password-2026")
    admin = (
        RoleAssignment.objects.filter(role=Role.ADMIN).select_related("membership__user")[0].membership.user
    )
    started = time.perf_counter()
    generate(args.engine, args.responses)
    generated = time.perf_counter() - started
    started = time.perf_counter()
    aggregates.rebuild()
    rebuilt = time.perf_counter() - started

    units = list(units_for(admin, Permission.VIEW_INSIGHTS).active().order_by("path"))
    today = timezone.localdate()
    filters = metrics.Filters(start=today - timedelta(days=27), end=today)

    def overview_data() -> None:
        metrics.unit_rows(units, filters, organisation.reporting_threshold)

    client = Client()
    client.force_login(admin)
    unit = units[2]

    def overview_page() -> None:
        assert client.get("/dashboards/").status_code == 200

    def unit_page() -> None:
        assert client.get(f"/dashboards/units/{unit.pk}/").status_code == 200

    naive_sql = (
        "SELECT r.unit_id, a.item_version_id, COUNT(a.number), SUM(a.number), SUM(a.number * a.number) "
        "FROM feedback_answer a JOIN feedback_response r ON r.id = a.response_id "
        "WHERE a.number IS NOT NULL GROUP BY r.unit_id, a.item_version_id"
    )

    def naive() -> None:
        with connection.cursor() as cursor:
            cursor.execute(naive_sql)
            cursor.fetchall()

    results = {
        "overview data": timed(overview_data, args.runs),
        "overview page": timed(overview_page, args.runs),
        "unit page": timed(unit_page, args.runs),
        "naive GROUP BY": timed(naive, max(3, args.runs // 10)),
    }
    print(f"engine                 {args.engine}")
    print(f"responses              {args.responses:,} (3 answers each; generated in {generated:.0f} s)")
    print(f"aggregates rebuilt     in {rebuilt:.1f} s")
    for name, (p50, p95) in results.items():
        print(f"{name:<22} p50 {p50 * 1000:>8.1f} ms   p95 {p95 * 1000:>8.1f} ms")
    ratio = results["overview data"][0] / results["naive GROUP BY"][0]
    print(f"overview data / naive  {ratio:>8.4f}   (target <= 0.01)")


def timed(function: object, runs: int) -> tuple[float, float]:
    assert callable(function)
    function()  # warm up
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.95))]


def generate(engine: str, count: int) -> None:
    """Write `count` responses with their answers straight into the raw tables."""
    from django.db import connection, transaction

    from kuulo.feedback.models import SurveyPublication

    rng = random.Random(2026)
    publications = []
    for publication in SurveyPublication.objects.select_related("survey"):
        numeric = [
            (q.item_version_id, q.item_version.scale_min, q.item_version.scale_max)
            for q in publication.survey.questions.select_related("item_version")
            if q.item_version.scale_min is not None
        ][:3]
        if numeric:
            publications.append((publication, numeric))
    now = datetime.now(UTC)
    columns = (
        "id, organisation_id, unit_id, touchpoint_id, survey_id, publication_id, channel, responded_at, "
        "received_at, language, respondent_type, age_band, attributes, source_key, sentiment"
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM feedback_response")
        first_id = cursor.fetchone()[0] + 1
    adapt = connection.ops.adapt_datetimefield_value  # stored as Django stores it
    chunk = 100_000
    for start in range(0, count, chunk):
        responses, answers = [], []
        for n in range(start, min(start + chunk, count)):
            publication, numeric = publications[n % len(publications)]
            survey = publication.survey
            when = now - timedelta(minutes=rng.randrange(365 * 24 * 60))
            response_id = first_id + n
            responses.append(
                (
                    response_id,
                    survey.organisation_id,
                    publication.unit_id,
                    survey.touchpoint_id,
                    survey.pk,
                    publication.pk,
                    rng.choice(["link", "qr", "kiosk", "widget", "email"]),
                    when,
                    when,
                    rng.choice(["fi", "fi", "fi", "sv", "en"]),
                    rng.choice(["", "", "student", "employer"]),
                    "",
                    "{}",
                    None,
                    "",
                )
            )
            for version_id, low, high in numeric:
                answers.append((response_id, version_id, rng.randint(low, high), None, ""))
        with transaction.atomic(), connection.cursor() as cursor:
            if engine == "postgres":
                with cursor.copy(f"COPY feedback_response ({columns}) FROM STDIN") as copy:
                    for row in responses:
                        copy.write_row(row)
                with cursor.copy(
                    "COPY feedback_answer (response_id, item_version_id, number, choices, text) FROM STDIN"
                ) as copy:
                    for row in answers:
                        copy.write_row(row)
            else:
                cursor.executemany(
                    f"INSERT INTO feedback_response ({columns}) VALUES ({', '.join(['%s'] * 15)})",
                    [(*row[:7], adapt(row[7]), adapt(row[8]), *row[9:]) for row in responses],
                )
                cursor.executemany(
                    "INSERT INTO feedback_answer (response_id, item_version_id, number, choices, text) "
                    "VALUES (%s, %s, %s, %s, %s)",
                    answers,
                )
    if engine == "postgres":
        with connection.cursor() as cursor:
            sequence = "pg_get_serial_sequence('feedback_response', 'id')"
            cursor.execute(f"SELECT setval({sequence}, MAX(id)) FROM feedback_response")
            cursor.execute("ANALYZE")


if __name__ == "__main__":
    main()
