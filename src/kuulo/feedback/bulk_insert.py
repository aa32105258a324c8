"""Plain multi-row INSERT statements: the hot path of storing a batch of responses.

Kept apart from ingest.py's checks because it is the one place in the app that writes
SQL by hand: only quoted names from the model and %s placeholders go into it.
"""

import json
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, models

# Rows per INSERT statement: well under SQLite's and PostgreSQL's limits on parameters.
INSERT_CHUNK = 400


def insert_rows(model: Any, rows: list[dict[str, Any]], *, returning: bool) -> list[int]:
    """Insert plain rows with multi-row INSERT statements (RETURNING the new ids, in order).

    This is the hot path of every batch: building thousands of model instances and
    letting bulk_create compile them costs several times the insert itself. Values
    still pass through each field's get_db_prep_save, so types are adapted exactly as
    the ORM would adapt them (JSON, time zones, …)."""
    if not rows:
        return []
    names = list(rows[0])
    fields = [model._meta.get_field(name) for name in names]
    db = connections[DEFAULT_DB_ALIAS]  # the wrapper itself, not the per-call proxy
    # Only JSON and date-time values need adapting; integers and text go as they are.
    adapt = [
        _memoised(field, db) if isinstance(field, models.JSONField | models.DateTimeField) else None
        for field in fields
    ]
    columns = ", ".join(db.ops.quote_name(field.column) for field in fields)
    table = db.ops.quote_name(model._meta.db_table)
    row_sql = "(" + ", ".join(["%s"] * len(fields)) + ")"
    ids: list[int] = []
    with db.cursor() as cursor:
        for start in range(0, len(rows), INSERT_CHUNK):
            chunk = rows[start : start + INSERT_CHUNK]
            params = [
                convert(row[name]) if convert else row[name]
                for row in chunk
                for name, convert in zip(names, adapt, strict=True)
            ]
            # Only quoted names from the model and %s placeholders go into the SQL.
            sql = f"INSERT INTO {table} ({columns}) VALUES {', '.join([row_sql] * len(chunk))}"  # noqa: S608
            if returning:
                cursor.execute(f"{sql} RETURNING {db.ops.quote_name('id')}", params)
                ids += [row[0] for row in cursor.fetchall()]
            else:
                cursor.execute(sql, params)
    return ids


def _memoised(field: Any, db: Any) -> Any:
    """The field's adaptation, computed once per distinct value: a batch shares its receive
    time, often its answer times, and nearly always empty attributes."""
    cache: dict[Any, Any] = {}

    def adapt(value: Any) -> Any:
        key = json.dumps(value, sort_keys=True) if isinstance(value, dict | list) else value
        if key not in cache:
            cache[key] = field.get_db_prep_save(value, db)
        return cache[key]

    return adapt
