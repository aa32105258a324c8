"""Benchmark: dashboards at 1 and 10 million responses, against a naive GROUP BY.

Run:  .venv/bin/python bench/dashboard.py [--engine sqlite|postgres] [--responses 1000000]
      .venv/bin/python bench/dashboard.py --engine postgres --compare 1000000,10000000

Synthetic responses (3 numeric answers each, and a free-text comment on every tenth
response to a survey that asks for one; spread evenly over the last year, the demo
organisation's units, touchpoints, channels and languages) are written straight into the
raw tables by set-based SQL, then the aggregates are rebuilt from them
(`rebuild_aggregates`). With --compare the database grows in place: generated up to the
first size, measured, then the missing responses are added (over the same year, so the
same days hold more responses) and everything is measured again.

Measured, each many times:
- the organisation overview's data (`metrics.unit_rows`: every unit, the last 28 days and
  the 28 before, every headline item, counts and complaints) and the whole overview page,
  unfiltered and filtered by a channel;
- a unit's dashboard page (cards, trends, distributions, changes, comments), for the top
  of the tree (every unit below it) and for one leaf unit;
- the naive way to get the overview's figures: per unit and headline item, for the period
  and the one before, the distribution of answers (from which n, sum and sum of squares
  follow) by GROUP BY over the raw answers joined to their responses, and the responses
  per unit and channel by GROUP BY over the raw responses; with the indexes the raw
  tables have.

Printed: p50/p95 latency and queries per endpoint at each size, each endpoint's ratio to
the naive query (target ≤ 0.01), and the growth from the first size to the last
(target ≤ 1.2×).

Loading is for speed only and touches only the benchmark's own database: the raw tables'
secondary indexes are dropped while loading and created again exactly as they were; on
PostgreSQL commits are asynchronous and foreign-key triggers are skipped while loading (the
rows are consistent by construction), on SQLite the journal is off.
"""

import argparse
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from common import Timing, in_process, timed

CHUNK = 1_000_000  # responses per INSERT … SELECT
COMMENT_EVERY = 10  # every tenth response to a survey with an open question has a comment
RATIO_TARGET = 0.01
GROWTH_TARGET = 1.2


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--responses", type=int, default=1_000_000)
    parser.add_argument("--compare", help="sizes to grow through and measure at, e.g. 1000000,10000000")
    parser.add_argument("--runs", type=int, default=30)
    in_process("kuulo_bench_dashboard", parser, run)


def run(args: argparse.Namespace) -> None:
    sizes = [int(size) for size in args.compare.split(",")] if args.compare else [args.responses]
    assert sizes == sorted(sizes), "sizes grow: give them smallest first"
    from kuulo.demo.data import create_demo_organisation

    organisation = create_demo_organisation("bench-Password-2026")
    bench = Bench(args.engine, organisation, args.runs)
    measured: dict[int, dict[str, Timing]] = {}
    for size in sizes:
        print(f"--- {size:,} responses", flush=True)
        bench.grow_to(size)
        measured[size] = bench.measure()
        report(args.engine, size, measured[size])
    if len(sizes) > 1:
        report_growth(sizes[0], sizes[-1], measured[sizes[0]], measured[sizes[-1]])


class Bench:
    def __init__(self, engine: str, organisation: Any, runs: int) -> None:
        from django.test import Client
        from django.utils import timezone

        from kuulo.insights import metrics
        from kuulo.organisations.access import Permission, units_for
        from kuulo.organisations.models import Role, RoleAssignment

        self.engine = engine
        self.organisation = organisation
        self.runs = runs
        self.count = 0
        assignment = RoleAssignment.objects.filter(role=Role.ADMIN).select_related("membership__user")[0]
        self.admin = assignment.membership.user
        self.units = list(units_for(self.admin, Permission.VIEW_INSIGHTS).active().order_by("path"))
        today = timezone.localdate()
        self.filters = metrics.Filters(start=today - timedelta(days=27), end=today)
        self.client = Client()
        self.client.force_login(self.admin)
        self.top = self.units[0]
        self.leaf = next(unit for unit in self.units if unit.code == "kuopio-students")

    # --- Data -------------------------------------------------------------------------------------

    def grow_to(self, size: int) -> None:
        """Add responses (with their answers) until there are `size`, then rebuild the aggregates."""
        from kuulo.insights import aggregates

        if size > self.count:
            started = time.perf_counter()
            loader = PostgresLoader() if self.engine == "postgres" else SqliteLoader()
            loader.load(self.count, size)
            elapsed = time.perf_counter() - started
            print(f"generated              {size - self.count:,} responses in {elapsed:.0f} s")
            self.count = size
        started = time.perf_counter()
        aggregates.rebuild()
        if self.engine == "postgres":
            analyze()
        print(f"aggregates rebuilt     in {time.perf_counter() - started:.0f} s", flush=True)

    # --- Measuring --------------------------------------------------------------------------------

    def measure(self) -> dict[str, Timing]:
        from kuulo.insights import metrics

        threshold = self.organisation.reporting_threshold
        client = self.client

        def get(url: str) -> Callable[[], None]:
            def fetch() -> None:
                assert client.get(url).status_code == 200

            return fetch

        endpoints: dict[str, Callable[[], object]] = {
            "overview data": lambda: metrics.unit_rows(self.units, self.filters, threshold),
            "overview page": get("/dashboards/"),
            "overview page, kiosk": get("/dashboards/?channel=kiosk"),
            f"unit page, {self.top.code}": get(f"/dashboards/units/{self.top.pk}/"),
            f"unit page, {self.leaf.code}": get(f"/dashboards/units/{self.leaf.pk}/"),
        }
        naive = NaiveOverview(self.organisation.pk, [unit.pk for unit in self.units], self.filters)
        naive.check_against_aggregates()
        results = {name: timed(function, self.runs) for name, function in endpoints.items()}
        results["naive GROUP BY"] = timed(naive.run, max(3, self.runs // 6))
        return results


class NaiveOverview:
    """The overview's figures straight from the raw tables: what a dashboard without
    aggregates would run."""

    def __init__(self, organisation_id: int, unit_ids: list[int], filters: Any) -> None:
        from django.db import connection

        from kuulo.insights.figures import headline_measures, start_of

        adapt = connection.ops.adapt_datetimefield_value
        previous = filters.previous()
        since = adapt(start_of(previous.start))
        middle = adapt(start_of(filters.start))
        until = adapt(start_of(filters.end + timedelta(days=1)))
        # Every version of each headline measure, as the dashboards sum them (ADR 0010).
        versions = [
            pk for measure in headline_measures(organisation_id).values() for pk in measure.version_ids
        ]
        self.filters, self.previous, self.unit_ids, self.versions = filters, previous, unit_ids, versions
        in_units = ", ".join(["%s"] * len(unit_ids))
        in_versions = ", ".join(["%s"] * len(versions))
        # Scoped as the dashboards are, by the units shown, so that the (unit, responded_at)
        # index serves both queries.
        self.answers_sql = (
            "SELECT r.unit_id, a.item_version_id, r.responded_at >= %s AS recent, a.number, COUNT(*) "
            "FROM feedback_answer a JOIN feedback_response r ON r.id = a.response_id "
            f"WHERE r.unit_id IN ({in_units}) AND r.responded_at >= %s AND r.responded_at < %s "
            f"AND a.item_version_id IN ({in_versions}) AND a.number IS NOT NULL "
            "GROUP BY r.unit_id, a.item_version_id, recent, a.number"
        )
        self.answers_params = [middle, *unit_ids, since, until, *versions]
        self.responses_sql = (
            "SELECT r.unit_id, r.channel, r.responded_at >= %s AS recent, COUNT(*) "
            "FROM feedback_response r "
            f"WHERE r.unit_id IN ({in_units}) AND r.responded_at >= %s AND r.responded_at < %s "
            "GROUP BY r.unit_id, r.channel, recent"
        )
        self.responses_params = [middle, *unit_ids, since, until]

    def check_against_aggregates(self) -> None:
        """Both ways count the same answers and responses: the comparison is fair."""
        from django.db import connection
        from django.db.models import Sum

        from kuulo.insights.models import DailyItemStats, DailyUnitCount

        with connection.cursor() as cursor:
            cursor.execute(self.answers_sql, self.answers_params)
            answers = sum(row[-1] for row in cursor.fetchall())
            cursor.execute(self.responses_sql, self.responses_params)
            responses = sum(row[-1] for row in cursor.fetchall())
        period = {"day__range": (self.previous.start, self.filters.end), "unit_id__in": self.unit_ids}
        aggregated = (
            DailyItemStats.objects.filter(**period, item_version_id__in=self.versions).aggregate(n=Sum("n"))[
                "n"
            ],
            DailyUnitCount.objects.filter(**period).aggregate(n=Sum("count"))["n"],
        )
        assert aggregated == (answers, responses), (aggregated, answers, responses)
        print(f"naive = aggregates     {answers:,} answers, {responses:,} responses in the two periods")

    def run(self) -> None:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(self.answers_sql, self.answers_params)
            assert cursor.fetchall()
            cursor.execute(self.responses_sql, self.responses_params)
            assert cursor.fetchall()


def report(engine: str, size: int, results: dict[str, Timing]) -> None:
    naive = results["naive GROUP BY"].p50
    print(f"engine {engine}, {size:,} responses")
    header = f"{'endpoint':<30} {'p50 ms':>9} {'p95 ms':>9} {'queries':>8} {'in SQL':>7} {'/ naive':>8}"
    print(f"{header}  (target <= {RATIO_TARGET}; in SQL: share of the time waiting for the database)")
    for name, timing in results.items():
        ratio = "" if name == "naive GROUP BY" else f"{timing.p50 / naive:8.4f}"
        print(
            f"{name:<30} {timing.p50 * 1000:>9.1f} {timing.p95 * 1000:>9.1f} {timing.queries:>8} "
            f"{timing.sql_share:>7.0%} {ratio:>8}"
        )
    print(flush=True)


def report_growth(small: int, large: int, before: dict[str, Timing], after: dict[str, Timing]) -> None:
    print(f"growth {large:,} / {small:,} responses (p50; target <= {GROWTH_TARGET}x for endpoints)")
    for name in before:
        growth = after[name].p50 / before[name].p50
        print(f"{name:<30} {growth:>6.2f}x")
    print(flush=True)


def analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


# --- Loading ------------------------------------------------------------------------------------

RESPONSE_COLUMNS = (
    "id, organisation_id, unit_id, touchpoint_id, survey_id, publication_id, channel, responded_at, "
    "received_at, language, respondent_type, age_band, attributes, source_key, sentiment, source_digest"
)
RAW_TABLES = ("feedback_response", "feedback_answer")
# Picked by a random number from 0 to 4 (channels), 0 to 4 (languages) and 0 to 3 (respondents).
CHANNEL = (
    "CASE {} WHEN 0 THEN 'link' WHEN 1 THEN 'qr' WHEN 2 THEN 'kiosk' WHEN 3 THEN 'widget' ELSE 'email' END"
)
LANGUAGE = "CASE {} WHEN 3 THEN 'sv' WHEN 4 THEN 'en' ELSE 'fi' END"
RESPONDENT = "CASE {} WHEN 2 THEN 'student' WHEN 3 THEN 'employer' ELSE '' END"


class Loader(ABC):
    """Writes responses with ids first+1 … last, in chunks, by INSERT … SELECT; each
    engine fills in its own SQL."""

    def load(self, first: int, last: int) -> None:
        from django.db import connection

        self.prepare_plan()
        indexes = self.drop_indexes()
        print(f"loading with {len(indexes)} secondary indexes dropped", flush=True)
        started = time.perf_counter()
        now = connection.ops.adapt_datetimefield_value(datetime.now().astimezone().replace(microsecond=0))
        with connection.cursor() as cursor:
            for low in range(first + 1, last + 1, CHUNK):
                high = min(low + CHUNK - 1, last)
                cursor.execute(self.responses_sql(), self.responses_params(now, low, high))
                cursor.execute(self.answers_sql(), [low, high])
                cursor.execute(self.comments_sql(), [low, high])
                print(f"  {high:>12,} responses  {time.perf_counter() - started:6.0f} s", flush=True)
        started = time.perf_counter()
        with connection.cursor() as cursor:
            for sql in indexes:
                cursor.execute(sql)
        print(f"  indexes created again in {time.perf_counter() - started:.0f} s", flush=True)
        self.finish()

    def prepare_plan(self) -> None:
        """Temporary tables: each publication's number (0…), its first three numeric
        questions and its open question."""
        from django.db import connection

        from kuulo.feedback.models import ItemKind, SurveyPublication

        publications: list[tuple[int, ...]] = []
        numeric: list[tuple[int | None, ...]] = []
        open_text: list[tuple[int, ...]] = []
        for publication in SurveyPublication.objects.select_related("survey").order_by("pk"):
            questions = publication.survey.questions.select_related("item_version__item").order_by("pk")
            scaled = [q.item_version for q in questions if q.item_version.scale_min is not None][:3]
            if not scaled:
                continue
            index = len(publications)
            survey = publication.survey
            publications.append(
                (
                    index,
                    publication.pk,
                    survey.organisation_id,
                    publication.unit_id,
                    survey.touchpoint_id,
                    survey.pk,
                )
            )
            numeric += [(publication.pk, v.pk, v.scale_min, v.scale_max) for v in scaled]
            texts = [q.item_version for q in questions if q.item_version.item.kind == ItemKind.TEXT]
            open_text += [(publication.pk, texts[0].pk)] if texts else []
        self.publications = len(publications)
        with connection.cursor() as cursor:
            for table, columns, rows in (
                (
                    "bench_publication",
                    "idx, id, organisation_id, unit_id, touchpoint_id, survey_id",
                    publications,
                ),
                ("bench_numeric", "publication_id, item_version_id, low, high", numeric),
                ("bench_open", "publication_id, item_version_id", open_text),
            ):
                cursor.execute(f"DROP TABLE IF EXISTS {table}")
                names = columns.split(", ")
                cursor.execute(f"CREATE TEMPORARY TABLE {table} ({', '.join(f'{c} integer' for c in names)})")
                placeholders = ", ".join(["%s"] * len(names))
                cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", rows)

    def answers_sql(self) -> str:
        return (
            "INSERT INTO feedback_answer (response_id, item_version_id, number, choices, text, cant_say) "
            f"SELECT r.id, q.item_version_id, q.low + {self.random('q.high - q.low + 1')}, NULL, '', FALSE "
            "FROM feedback_response r JOIN bench_numeric q ON q.publication_id = r.publication_id "
            "WHERE r.id BETWEEN %s AND %s"
        )

    def comments_sql(self) -> str:
        return (
            "INSERT INTO feedback_answer (response_id, item_version_id, number, choices, text, cant_say) "
            f"SELECT r.id, o.item_version_id, NULL, NULL, 'Kommentti ' || r.id, FALSE "
            "FROM feedback_response r JOIN bench_open o ON o.publication_id = r.publication_id "
            f"WHERE r.id BETWEEN %s AND %s AND r.id %% {COMMENT_EVERY} = 0"
        )

    @abstractmethod
    def random(self, below: str) -> str:
        """SQL for a random integer from 0 to `below` - 1."""

    @abstractmethod
    def responses_sql(self) -> str:
        """The INSERT … SELECT that writes one chunk of responses."""

    def responses_params(self, now: Any, low: int, high: int) -> list[Any]:
        return [now, low, high]

    @abstractmethod
    def drop_indexes(self) -> list[str]:
        """Drop the raw tables' secondary indexes; return the SQL that makes them again."""

    def finish(self) -> None:  # noqa: B027 - most engines have nothing to finish
        """Whatever the engine does or undoes once the data is in."""


class PostgresLoader(Loader):
    def prepare_plan(self) -> None:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit = off")
            cursor.execute("SET session_replication_role = replica")  # no foreign-key triggers
            cursor.execute("SET maintenance_work_mem = '1GB'")
        super().prepare_plan()

    def random(self, below: str) -> str:
        return f"floor(random() * ({below}))::int"

    def responses_sql(self) -> str:
        return (
            f"INSERT INTO feedback_response ({RESPONSE_COLUMNS}) "
            "SELECT s.g, p.organisation_id, p.unit_id, p.touchpoint_id, p.survey_id, p.id, "
            f"{CHANNEL.format('s.c')}, s.t, s.t, {LANGUAGE.format('s.l')}, {RESPONDENT.format('s.k')}, "
            "'', '{}', NULL, '', '' "
            "FROM (SELECT g, %s::timestamptz - floor(random() * 31536000) * interval '1 second' AS t, "
            f"{self.random('5')} AS c, {self.random('5')} AS l, {self.random('4')} AS k "
            "FROM generate_series(%s::int, %s::int) g) s "
            f"JOIN bench_publication p ON p.idx = s.g %% {self.publications}"
        )

    def drop_indexes(self) -> list[str]:
        from django.db import connection

        names = ", ".join(f"'{table}'" for table in RAW_TABLES)
        with connection.cursor() as cursor:
            # Unique constraints (dropped as constraints), then plain indexes; never primary keys.
            cursor.execute(
                "SELECT c.conname, t.relname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
                f"JOIN pg_class t ON t.oid = c.conrelid WHERE c.contype = 'u' AND t.relname IN ({names})"
            )
            constraints = cursor.fetchall()
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes i "
                f"WHERE tablename IN ({names}) AND indexname NOT IN "
                "(SELECT conname FROM pg_constraint WHERE contype IN ('p', 'u'))"
            )
            indexes = cursor.fetchall()
            remake = []
            for name, table, definition in constraints:
                cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
                remake.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
            for name, definition in indexes:
                cursor.execute(f'DROP INDEX "{name}"')
                remake.append(definition)
        return remake

    def finish(self) -> None:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = DEFAULT")
            sequence = "pg_get_serial_sequence('feedback_response', 'id')"
            cursor.execute(f"SELECT setval({sequence}, MAX(id)) FROM feedback_response")
        analyze()


class SqliteLoader(Loader):
    def prepare_plan(self) -> None:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode = OFF")
            cursor.execute("PRAGMA synchronous = OFF")
            cursor.execute("PRAGMA cache_size = -1000000")  # 1 GB, for building the indexes
        super().prepare_plan()

    def random(self, below: str) -> str:
        return f"(abs(random()) %% ({below}))"

    def responses_sql(self) -> str:
        # Stored as Django stores an aware datetime on SQLite: UTC text without an offset.
        return (
            f"INSERT INTO feedback_response ({RESPONSE_COLUMNS}) "
            "WITH RECURSIVE g(n) AS (SELECT %s UNION ALL SELECT n + 1 FROM g WHERE n < %s), "
            # Materialised, so that each row's random time is drawn once (answered = received).
            "s AS MATERIALIZED (SELECT n, "
            f"datetime(%s, '-' || {self.random('31536000')} || ' seconds') AS t, "
            f"{self.random('5')} AS c, {self.random('5')} AS l, {self.random('4')} AS k FROM g) "
            "SELECT s.n, p.organisation_id, p.unit_id, p.touchpoint_id, p.survey_id, p.id, "
            f"{CHANNEL.format('s.c')}, s.t, s.t, {LANGUAGE.format('s.l')}, {RESPONDENT.format('s.k')}, "
            "'', '{}', NULL, '', '' "
            f"FROM s JOIN bench_publication p ON p.idx = s.n %% {self.publications}"
        )

    def responses_params(self, now: Any, low: int, high: int) -> list[Any]:
        return [low, high, now]

    def drop_indexes(self) -> list[str]:
        from django.db import connection

        names = ", ".join(f"'{table}'" for table in RAW_TABLES)
        with connection.cursor() as cursor:
            # Indexes declared inside CREATE TABLE (sql NULL) cannot be dropped, and stay.
            cursor.execute(
                "SELECT name, sql FROM sqlite_master "
                f"WHERE type = 'index' AND tbl_name IN ({names}) AND sql IS NOT NULL"
            )
            indexes = cursor.fetchall()
            for name, _sql in indexes:
                cursor.execute(f'DROP INDEX "{name}"')
        return [sql for _name, sql in indexes]


if __name__ == "__main__":
    main()
