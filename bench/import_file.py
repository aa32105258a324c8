"""Benchmark: importing a 100,000-row CSV export (LimeSurvey style) end to end.

Run:  .venv/bin/python bench/import_file.py [--engine sqlite|postgres] [--rows 100000]

The file goes through the same steps as in the UI: upload, the reading task (header
read, columns guessed, rows counted), column choices, then the background task checks
every row (the ingest checks: scales, time, language, duplicate ids, redaction of free
text) and stores the file in one transaction. Printed: rows/s for the whole import, the
progress updates a person would have seen, and a re-import of the same file (every row a
duplicate, nothing stored twice). The baseline is a raw executemany/COPY of the same
rows, as in bench/ingest_api.py.
"""

import argparse
import io
import time

from common import in_process


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    in_process("kuulo_bench_import", parser, run)


def run(args: argparse.Namespace) -> None:

    from kuulo.demo.data import create_demo_organisation
    from kuulo.feedback import imports
    from kuulo.feedback.models import ImportStatus, Response, ResponseImport, SurveyPublication
    from kuulo.feedback.testing import limesurvey_export
    from kuulo.organisations.models import Role, RoleAssignment

    create_demo_organisation("bench-Password-2026")
    publication = SurveyPublication.objects.select_related("survey", "unit").get(unit__code="kuopio-students")
    user = (
        RoleAssignment.objects.filter(role=Role.ADMIN).select_related("membership__user")[0].membership.user
    )
    content = limesurvey_export(args.rows)

    def run() -> tuple[ResponseImport, float]:
        started = time.perf_counter()
        job = imports.upload_file(user, publication, file_name="export.csv", file=io.BytesIO(content))
        job.refresh_from_db()  # read (header, columns guessed, rows counted) by the task, in process
        imports.set_mapping(job, job.mapping)  # the guessed columns; runs at once (tasks in process)
        job.refresh_from_db()
        return job, time.perf_counter() - started

    before = Response.objects.count()
    job, seconds = run()
    assert job.status == ImportStatus.DONE, job.errors[:5]
    assert Response.objects.count() - before == args.rows
    again, again_seconds = run()
    assert (again.created_count, again.duplicate_count) == (0, args.rows)
    progress_rows = ResponseImport.objects.filter(pk=job.pk).values_list("checked_rows", flat=True)[0]

    print(f"engine                 {args.engine}")
    print(f"rows                   {args.rows} ({len(content) / 1e6:.1f} MB CSV, 3 answers each)")
    print(f"import                 {args.rows / seconds:>10,.0f} rows/s  ({seconds:.2f} s)")
    print(f"re-import (duplicates) {args.rows / again_seconds:>10,.0f} rows/s  ({again_seconds:.2f} s)")
    print(f"rows checked           {progress_rows}, progress updates every {imports.CHECK_SLICE} rows")


if __name__ == "__main__":
    main()
