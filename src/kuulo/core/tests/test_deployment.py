"""Production configuration and the health check."""

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.db import DatabaseError, connection
from django.test import Client

ROOT = Path(__file__).resolve().parents[4]


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    inherited = {"DJANGO_SETTINGS_MODULE", "KUULO_ENV", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    base = {k: v for k, v in os.environ.items() if k not in inherited}
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        env={**base, "DJANGO_SETTINGS_MODULE": "kuulo.settings", **env},
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )


PRODUCTION_ENV = {
    "KUULO_ENV": "production",
    "SECRET_KEY": "x7!kP2#vQ9@mL4$wR8^tY1&zN6*bH3(jC5)dF0_gS2+aE7-uI9",
    "ALLOWED_HOSTS": "kuulo.example.fi",
    "DATABASE_URL": "sqlite:////tmp/kuulo-deploy-check.sqlite3",
    "EMAIL_HOST": "smtp.example.fi",
}


def test_production_settings_pass_the_deploy_check() -> None:
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("variable", ["SECRET_KEY", "ALLOWED_HOSTS", "EMAIL_HOST"])
def test_production_refuses_to_start_without_required_settings(variable: str) -> None:
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != variable}
    result = run_manage("check", **env)
    assert result.returncode != 0
    assert variable in result.stderr


def test_production_with_rq_workers_needs_the_redis_they_share() -> None:
    refused = run_manage("check", **PRODUCTION_ENV, TASK_BACKEND="rq")
    assert refused.returncode != 0 and "REDIS_URL" in refused.stderr
    shared = "redis://redis.kuulo.internal:6379/0"
    result = run_manage(
        "check", "--deploy", "--fail-level", "WARNING", **PRODUCTION_ENV, TASK_BACKEND="rq", REDIS_URL=shared
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_security_headers(settings: Any) -> None:
    result = run_manage(
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings as s; print(s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE, "
        "s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, s.DEBUG)",
        **PRODUCTION_ENV,
    )
    assert result.stdout.split() == ["31536000", "True", "True", "True", "False"], result.stderr


def test_production_trusts_no_proxy_unless_told() -> None:
    """Without a proxy, a trusted X-Forwarded-For would let any client pick its own address."""
    show = "from django.conf import settings as s; print(s.TRUSTED_PROXY_COUNT, s.SECURE_PROXY_SSL_HEADER)"
    alone = run_manage("shell", "--no-imports", "-c", show, **PRODUCTION_ENV)
    assert alone.stdout.split() == ["0", "None"], alone.stderr
    behind = run_manage("shell", "--no-imports", "-c", show, **PRODUCTION_ENV, TRUSTED_PROXY_COUNT="1")
    assert behind.stdout.split()[0] == "1", behind.stderr


def test_pages_carry_csp_and_referrer_policy(db: Any) -> None:
    response = Client().get("/accounts/login/")
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_healthz_reports_database(db: Any) -> None:
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_healthz_reports_unreachable_database(db: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken_cursor(*args: Any, **kwargs: Any) -> Any:
        raise DatabaseError("database is down")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = Client().get("/healthz")
    monkeypatch.undo()
    assert response.status_code == 503
    assert response.json()["database"] == "unavailable"
