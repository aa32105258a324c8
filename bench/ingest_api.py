"""Benchmark: batch ingest through the API against a raw insert of the same rows.

Run:  .venv/bin/python bench/ingest_api.py [--engine sqlite|postgres] [--responses 20000]

Both sides write the same responses (3 answers each) into the same, freshly migrated
database. The baseline is the fastest plain path: executemany on SQLite, COPY on
PostgreSQL, with no validation. The API side is the whole stack in-process (Django's
test client → URL routing → API-key auth → JSON parsing → per-item validation,
redaction and idempotency checks → bulk insert). Printed: responses/s and the ratio
API / raw (the target is ≥ 0.5).
"""

import argparse
import json
import time
from typing import Any

from common import in_process


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--responses", type=int, default=20000)
    parser.add_argument("--batch", type=int, default=1000)
    in_process("kuulo_bench", parser, run)


def run(args: argparse.Namespace) -> None:
    from django.db import connection, transaction
    from django.test import Client

    from kuulo.demo.data import create_demo_organisation
    from kuulo.feedback.models import Answer, Response, SurveyPublication
    from kuulo.organisations import services

    organisation = create_demo_organisation("bench-Password-2026")
    publication = SurveyPublication.objects.get(unit__code="kuopio-students")
    _, key = services.create_api_key(
        organisation=organisation, name="bench", permissions=["responses.submit"], whole_organisation=True
    )
    versions = {q.item_version.item.code: q.item_version for q in publication.survey.questions.all()}

    def payload(start: int, count: int) -> str:
        return json.dumps(
            {
                "responses": [
                    {
                        "link": publication.code,
                        "idempotency_key": f"bench-{n}",
                        "responded_at": "2026-10-01T10:00:00+03:00",
                        "answers": {"csat": 1 + n % 5, "ces": 1 + n % 7, "open": f"Palaute numero {n}"},
                    }
                    for n in range(start, start + count)
                ]
            }
        )

    # --- Raw baseline: the same rows, no validation ---------------------------------------
    n = args.responses
    response_columns = (
        "organisation_id, unit_id, touchpoint_id, survey_id, publication_id, channel, responded_at, "
        "received_at, language, respondent_type, age_band, attributes, source_key, sentiment, source_digest"
    )
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        rows = [
            (
                organisation.pk,
                publication.unit_id,
                publication.survey.touchpoint_id,
                publication.survey_id,
                publication.pk,
                "api",
                "2026-10-01 07:00:00+00",
                "2026-10-01 07:00:00+00",
                "fi",
                "",
                "",
                "{}",
                f"raw-{i}",
                "",
                "",
            )
            for i in range(n)
        ]
        if args.engine == "postgres":
            with cursor.copy(f"COPY feedback_response ({response_columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            cursor.execute("SELECT id FROM feedback_response WHERE source_key LIKE 'raw-%%' ORDER BY id")
        else:
            cursor.executemany(
                f"INSERT INTO feedback_response ({response_columns}) VALUES ({', '.join(['%s'] * 15)})", rows
            )
            cursor.execute("SELECT id FROM feedback_response WHERE source_key LIKE 'raw-%%' ORDER BY id")
        ids = [row[0] for row in cursor.fetchall()]
        answers: list[tuple[Any, ...]] = []
        for i, response_id in enumerate(ids):
            answers.append((response_id, versions["csat"].pk, 1 + i % 5, None, "", False))
            answers.append((response_id, versions["ces"].pk, 1 + i % 7, None, "", False))
            answers.append((response_id, versions["open"].pk, None, None, f"Palaute numero {i}", False))
        answer_columns = "response_id, item_version_id, number, choices, text, cant_say"
        if args.engine == "postgres":
            with cursor.copy(f"COPY feedback_answer ({answer_columns}) FROM STDIN") as copy:
                for answer in answers:
                    copy.write_row(answer)
        else:
            cursor.executemany(
                f"INSERT INTO feedback_answer ({answer_columns}) VALUES (%s, %s, %s, %s, %s, %s)", answers
            )
    raw_seconds = time.perf_counter() - started
    Answer.objects.all().delete()
    Response.objects.all().delete()

    # --- Through the API ----------------------------------------------------------------------
    client = Client(headers={"authorization": f"Bearer {key}"})
    bodies = [payload(start, min(args.batch, n - start)) for start in range(0, n, args.batch)]
    started = time.perf_counter()
    for body in bodies:
        response = client.post("/api/v1/responses", data=body, content_type="application/json")
        assert response.status_code == 201, response.content[:500]
    api_seconds = time.perf_counter() - started
    assert Response.objects.count() == n

    # A retry of the first batch stores nothing new.
    retry = client.post("/api/v1/responses", data=bodies[0], content_type="application/json").json()
    assert retry["created"] == 0

    raw_rate, api_rate = n / raw_seconds, n / api_seconds
    print(f"engine                 {args.engine}")
    print(f"responses              {n} (3 answers each, batches of {args.batch})")
    print(f"raw insert             {raw_rate:>10,.0f} responses/s  ({raw_seconds:.2f} s)")
    print(f"API batch ingest       {api_rate:>10,.0f} responses/s  ({api_seconds:.2f} s)")
    print(f"ratio API / raw        {api_rate / raw_rate:>10.3f}   (target >= 0.5)")


if __name__ == "__main__":
    main()
