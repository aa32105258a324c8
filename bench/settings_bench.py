"""Settings for bench/public_form.py: production settings over plain HTTP on loopback,
with the bench's two comparison views added and the abuse limits lifted (the load
comes from one address, faster than any person)."""

import os

os.environ.setdefault("KUULO_ENV", "production")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz")
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")
os.environ.setdefault("EMAIL_HOST", "localhost")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("TRUSTED_PROXY_COUNT", "0")

from kuulo.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
KUULO_SURVEY_MIN_SECONDS = 0
KUULO_RESPOND_RATE_DEVICE = 10**9
KUULO_RESPOND_RATE_IP_SOFT = 10**9
KUULO_RESPOND_RATE_IP_HARD = 10**9
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
LOGGING = {"version": 1, "disable_existing_loggers": True}
