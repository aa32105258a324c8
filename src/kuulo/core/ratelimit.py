"""Fixed-window rate limits kept in the shared cache (so every app server agrees).

Keys are hashed with the secret key: the cache never holds a raw IP address, and
the entries vanish with the window.
"""

import hashlib
import hmac

from django.conf import settings
from django.core.cache import cache


def _key(scope: str, identity: str) -> str:
    digest = hmac.new(settings.SECRET_KEY.encode(), f"{scope}:{identity}".encode(), hashlib.sha256)
    return f"rl:{scope}:{digest.hexdigest()[:32]}"


def allow(scope: str, identity: str, limit: int, window_seconds: int) -> bool:
    """Count one hit for `identity`; False once it exceeds `limit` within the window."""
    if not identity:
        return True
    key = _key(scope, identity)
    if cache.add(key, 1, timeout=window_seconds):
        return True
    try:
        hits = cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.add(key, 1, timeout=window_seconds)
        return True
    return hits <= limit
