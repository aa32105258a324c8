"""Sliding-window rate limits kept in the database, counted in the caller's transaction.

A key's hits are kept in buckets of a tenth of the window; its count is the sum of the
buckets that overlap the last `window` seconds, so hits just before and just after any
moment count together (a fixed window would forget them all at once at its turn). Every
app server shares the counts, and since a hit is counted in the same transaction as the
write it limits, an answer stays one write transaction and a refused or failed write
counts nothing.

Keys are hashed with the secret key: no raw address or cookie is stored, and rows older
than the window are swept away.
"""

import hashlib
import hmac
import time
from collections.abc import Sequence

from django.conf import settings
from django.db import connection
from django.db.models import Sum

from .models import RateCounter

BUCKETS_PER_WINDOW = 10


def key(scope: str, identity: str) -> str:
    digest = hmac.new(settings.SECRET_KEY.encode(), f"{scope}:{identity}".encode(), hashlib.sha256)
    return f"{scope}:{digest.hexdigest()[:32]}"


def _bucket(window: int) -> tuple[int, int]:
    """The current bucket's first second and the buckets' length."""
    length = max(1, window // BUCKETS_PER_WINDOW)
    now = int(time.time())
    return now - now % length, length


def hits(keys: Sequence[str], window: int) -> dict[str, int]:
    """Each key's hits within the last `window` seconds (read only). The oldest bucket counts
    whole, so a hit is remembered for at least the window and at most a tenth longer."""
    current, _length = _bucket(window)
    rows = (
        RateCounter.objects.filter(key__in=keys, bucket__gte=current - window)
        .values_list("key")
        .annotate(total=Sum("hits"))
    )
    counts = dict.fromkeys(keys, 0)
    counts.update(dict(rows))
    return counts


def count(keys: Sequence[str], window: int) -> dict[str, int]:
    """Count one hit for each key and return their hits within the window, this one included.
    Call inside the transaction of the write being limited: its rollback takes the hit back."""
    current, _length = _bucket(window)
    ops = connection.ops
    table = ops.quote_name(RateCounter._meta.db_table)
    key_column, bucket_column, hits_column = (ops.quote_name(c) for c in ("key", "bucket", "hits"))
    unique = sorted(set(keys))  # one order for every writer: no deadlocks between them
    with connection.cursor() as cursor:
        # Only quoted names from the model and %s placeholders go into the SQL.
        cursor.execute(
            f"INSERT INTO {table} ({key_column}, {bucket_column}, {hits_column}) "  # noqa: S608
            f"VALUES {', '.join(['(%s, %s, 1)'] * len(unique))} "
            f"ON CONFLICT ({key_column}, {bucket_column}) "
            f"DO UPDATE SET {hits_column} = {table}.{hits_column} + 1",
            [value for k in unique for value in (k, current)],
        )
    return hits(keys, window)


def sweep(window: int) -> None:
    """Delete the buckets that no longer count (`window`: the longest window in use)."""
    current, _length = _bucket(window)
    RateCounter.objects.filter(bucket__lt=current - window).delete()
