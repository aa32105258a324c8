"""Benchmark: the background export of single responses (12 months, as a CX lead asks for it).

Run:  .venv/bin/python bench/export.py [--engine sqlite|postgres] [--responses 200000] [--format csv|xlsx]

The demo organisation gets N synthetic responses over the last year (the dashboard
benchmark's set-based loader: 3 numeric answers each, a comment on every tenth), then
the export task (`insights.exports.make_export`) runs in process for the organisation's
admin over the last 365 days, as the worker would. Printed: rows, rows/s, SQL queries and
the share of the time spent in SQL, and the peak of Python's memory while it ran
(tracemalloc). Target (issue 13): at least 50,000 rows/s in constant memory; the export
is capped at `comments.EXPORT_LIMIT` rows.
"""

import argparse
import time
import tracemalloc
from datetime import timedelta

from common import in_process, timed
from dashboard import PostgresLoader, SqliteLoader

ROWS_PER_SECOND_TARGET = 50_000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--responses", type=int, default=200_000)
    parser.add_argument("--format", choices=["csv", "xlsx"], default="csv")
    in_process("kuulo_bench_export", parser, run)


def run(args: argparse.Namespace) -> None:
    from django.utils import timezone

    from kuulo.audit.models import Export, ExportStatus
    from kuulo.demo.data import create_demo_organisation
    from kuulo.insights import aggregates, exports
    from kuulo.insights.figures import Filters
    from kuulo.organisations.models import Role, RoleAssignment

    create_demo_organisation("bench-Password-2026")
    started = time.perf_counter()
    (PostgresLoader() if args.engine == "postgres" else SqliteLoader()).load(0, args.responses)
    aggregates.rebuild()
    print(f"generated              {args.responses:,} responses in {time.perf_counter() - started:.0f} s")
    admin = (
        RoleAssignment.objects.filter(role=Role.ADMIN).select_related("membership__user")[0].membership.user
    )
    yesterday = timezone.localdate() - timedelta(days=1)
    filters = Filters(start=yesterday - timedelta(days=364), end=yesterday)

    def export() -> Export:
        # Tasks run at once here (KUULO_ENV=test): the request runs what the worker would.
        queued = exports.request_responses_export(admin, filters, args.format, "fi")
        queued.refresh_from_db()
        assert queued.status == ExportStatus.DONE, queued.error
        return queued

    timing = timed(export, 1)  # once to count its queries, once for the time
    tracemalloc.start()
    made = export()
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rate = made.rows / timing.p50
    print(f"engine {args.engine}, {args.format}, {made.rows:,} rows ({len(made.content) / 1e6:.1f} MB)")
    target = f"target >= {ROWS_PER_SECOND_TARGET:,}"
    print(f"export                 {rate:>10,.0f} rows/s  ({timing.p50:.1f} s; {target})")
    print(f"queries                {timing.queries:>10}   ({timing.sql_share:.0%} of the time in SQL)")
    print(f"peak Python memory     {peak / 1e6:>10.0f} MB  (constant memory is the target: compare sizes)")


if __name__ == "__main__":
    main()
