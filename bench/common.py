"""What the benchmarks share: a fresh database on the chosen engine and Django set up, and
dropping what they made when they end (unless `--keep`)."""

import argparse
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT / "src"))


def setup_django(engine: str, name: str) -> None:
    """Point Django at a fresh, migrated database called `name` and set it up."""
    if engine == "postgres":
        os.environ["DATABASE_URL"] = os.environ.get(
            "BENCH_PG_URL", f"postgres://postgres@127.0.0.1:5432/{name}"
        )
    else:
        path = Path(f"/tmp/{name}.sqlite3")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    os.environ["KUULO_ENV"] = "test"  # fast password hashing, tasks run in process
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kuulo.settings")

    import django

    django.setup()
    from django.core.management import call_command

    if engine == "postgres":
        _recreate_postgres_database()
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)


def _recreate_postgres_database() -> None:
    import psycopg
    from django.conf import settings

    db = settings.DATABASES["default"]
    with psycopg.connect(
        host=db["HOST"], port=db["PORT"] or 5432, user=db["USER"], dbname="postgres", autocommit=True
    ) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{db["NAME"]}"')
        conn.execute(f'CREATE DATABASE "{db["NAME"]}"')


def in_process(
    database: str, parser: argparse.ArgumentParser, run: Callable[[argparse.Namespace], None]
) -> None:
    """An in-process benchmark's whole life: its arguments (with --engine and --keep), a
    fresh database called `database`, `run`, and dropping the database afterwards."""
    parser.add_argument("--engine", choices=["sqlite", "postgres"], default="sqlite")
    add_keep_option(parser)
    args = parser.parse_args()
    setup_django(args.engine, database)
    try:
        run(args)
    finally:
        clean_up(args.engine, args.keep)


def add_keep_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--keep", action="store_true", help="keep the benchmark's database and files for a look afterwards"
    )


def clean_up(engine: str, keep: bool, *, database: str = "", folder: Path | None = None) -> None:
    """Drop the benchmark's PostgreSQL database (the 10M dashboard one is several GB) or
    remove its SQLite file, and its temporary folder; say which, or that `--keep` kept
    them. `database`: the PostgreSQL database's name, or the SQLite file's path; without
    it, the one Django is set up with."""
    if not database:
        from django.conf import settings
        from django.db import connections

        database = str(settings.DATABASES["default"]["NAME"])
        connections.close_all()
    kept = [f"database {database}", *([f"folder {folder}"] if folder else [])]
    if keep:
        print(f"kept (--keep): {', '.join(kept)}")
        return
    if engine == "postgres":
        subprocess.run(
            ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f'DROP DATABASE IF EXISTS "{database}"'],
            check=True,
        )
    else:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
    if folder:
        shutil.rmtree(folder, ignore_errors=True)
    print(f"removed: {', '.join(kept)} (--keep keeps them)")


class Timing:
    """How long something took over several runs, and where the time goes: its SQL
    queries and the time spent waiting for them (the rest is Python)."""

    def __init__(self, times: list[float], queries: int, in_sql: float) -> None:
        times.sort()
        self.p50 = statistics.median(times)
        self.p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
        self.queries = queries
        self.in_sql = in_sql  # seconds of one run spent in the database

    @property
    def sql_share(self) -> float:
        return min(self.in_sql / self.p50, 1.0) if self.p50 else 0.0


def timed(function: Callable[[], object], runs: int) -> Timing:
    """Run `function` once to warm up (counting its queries and their time), then `runs`
    times for the figures."""
    from django.db import connection

    queries: list[str] = []
    spent = [0.0]

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        queries.append(sql)
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            spent[0] += time.perf_counter() - started

    # A wrapper, not CaptureQueriesContext: each request resets the connection's query log.
    with connection.execute_wrapper(count):
        function()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return Timing(times, len(queries), spent[0])


# --- A real server: gunicorn with production settings (bench/settings_bench.py) ------------------


class Site:
    """A demo organisation served by gunicorn from a fresh database, as in production but
    over plain HTTP on loopback with the abuse limits lifted (bench/settings_bench.py)."""

    def __init__(self, engine: str, work: Path, database: str) -> None:
        self.env = {
            **os.environ,
            "PYTHONPATH": f"{ROOT}:{ROOT / 'src'}",
            "DJANGO_SETTINGS_MODULE": "bench.settings_bench",
            "KUULO_VAR_DIR": str(work),
            "DB_CONN_MAX_AGE": "600",
            "KUULO_DEMO_PASSWORD": "bench-Password-2026",
        }
        if engine == "postgres":
            self.env["DATABASE_URL"] = os.environ.get(
                "BENCH_PG_URL", f"postgres://postgres@127.0.0.1:5432/{database}"
            )
            quiet = {**os.environ, "PGOPTIONS": "-c client_min_messages=warning"}
            for sql in (f'DROP DATABASE IF EXISTS "{database}"', f'CREATE DATABASE "{database}"'):
                subprocess.run(
                    ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", sql], check=True, env=quiet
                )
        else:
            self.env["DATABASE_URL"] = f"sqlite:///{work / 'bench.sqlite3'}"
        self.database = database if engine == "postgres" else str(work / "bench.sqlite3")
        for command in (
            ["migrate", "-v0"],
            ["createcachetable"],
            ["createcachetable", "django_cache_bench"],
            ["seed_demo", "--days", "0"],
            ["collectstatic", "--noinput", "-v0"],
        ):
            self.manage(*command)
        self.server: subprocess.Popen[bytes] | None = None
        self.base = ""

    def manage(self, *command: str) -> str:
        """Run a management command against the site's database; its output."""
        done = subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), *command],
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode:
            raise RuntimeError(f"manage.py {command[0]} failed:\n{done.stderr[-3000:]}")
        return done.stdout

    def python(self, code: str) -> str:
        """Run Python in the site's Django (`manage.py shell -c`); what it printed."""
        return self.manage("shell", "--no-imports", "-c", code).strip()

    def start(self, workers: int, port: int = 0) -> float:
        """Start gunicorn (its own process group) and wait until it serves; the seconds that took."""
        started = time.perf_counter()
        port = port or free_port()
        self.server = subprocess.Popen(
            [
                str(VENV_BIN / "gunicorn"),
                "kuulo.wsgi",
                f"--bind=127.0.0.1:{port}",
                f"--workers={workers}",
                "--worker-class=sync",
                "--log-level=critical",
            ],
            env=self.env,
            cwd=ROOT,
            start_new_session=True,
        )
        self.base = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                urllib.request.urlopen(f"{self.base}/healthz", timeout=1).read()
                return time.perf_counter() - started
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("gunicorn did not start")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        """Stop gunicorn and all its workers (SIGKILL: as a crash would)."""
        if self.server is not None:
            os.killpg(self.server.pid, sig)
            self.server.wait(timeout=10)
            self.server = None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
