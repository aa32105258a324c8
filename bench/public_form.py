"""Benchmark: the public survey form under concurrent load, against a trivial view and a
bare one-row-insert view of the same server and database.

Run:  .venv/bin/python bench/public_form.py [--engine sqlite|postgres] [--seconds 10]

Starts gunicorn with the production settings (bench/settings_bench.py: plain HTTP on
loopback, abuse limits lifted, persistent database connections), then loads each
endpoint with wrk from a separate process and prints requests/s and p50/p99 latency.
Targets: form submit ≥ 0.9 × the bare insert, p99 under 100 ms.

Then a respondent's whole visit as a browser makes it, from `--connections` clients at
once: GET the form page (keeping its cookies), POST every answer with the page's own start
token, GET the thank-you page; against the same three steps on the bare views (a trivial
page, the one-row insert, the trivial page). Printed: visits/s, p50/p99 of a visit, the
ratio (target ≥ 0.5), and the SQL queries each step runs (target ≤ 10 a visit), counted
in process on the same database.
"""

import argparse
import http.client
import inspect
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from common import Site, add_keep_option, clean_up

TOKENS = 200_000  # more than the posts of a run, so that none is a repeat


def wrk(url: str, seconds: int, connections: int, script: str | None = None) -> dict[str, float]:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    if script:
        command[1:1] = ["-s", script]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]

    def percentile(p: str) -> float:
        value, unit = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)", output).groups()  # type: ignore[union-attr]
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "rate": rate,
        "p50": percentile("50"),
        "p99": percentile("99"),
        "errors": int(errors.group(1)) if errors else 0,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--engine", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=4)
    add_keep_option(parser)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("This benchmark needs wrk (Debian package 'wrk').")

    work = Path(tempfile.mkdtemp(prefix="kuulo-bench-"))
    site = Site(args.engine, work, "kuulo_bench_form")
    try:
        run(args, work, site)
    finally:
        clean_up(args.engine, args.keep, database=site.database, folder=work)


def run(args: argparse.Namespace, work: Path, site: Site) -> None:
    code = site.python(
        "from kuulo.feedback.models import SurveyPublication as P; "
        "print(P.objects.get(unit__code='kuopio-students').code)"
    )
    site.start(args.workers)
    base = site.base
    try:
        page = urllib.request.urlopen(f"{base}/f/{code}/", timeout=5).read().decode()
        question = re.search(r'name="(q\d+)" value="4"', page).group(1)  # type: ignore[union-attr]
        # A start token is single-use (a repeat only thanks again): each post takes its own,
        # made as the form makes them, with the server's secret key.
        tokens = site.python(
            "from kuulo.feedback.abuse import new_start_token; "
            f"print('\\n'.join(new_start_token({code!r}) for _ in range({TOKENS})))"
        ).split()
        body = work / "bodies.txt"
        body.write_text("".join(f"started={token}&ch=link&{question}=4\n" for token in tokens))
        script = work / "post.lua"
        script.write_text(
            'wrk.method = "POST"\n'
            'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n'
            "local bodies, n, threads = {}, 0, 0\n"
            f'for line in io.lines("{body}") do bodies[#bodies + 1] = line end\n'
            "function setup(thread) thread:set('offset', threads); threads = threads + 1 end\n"
            "function init(args) n = offset end\n"
            "function request()\n"
            "  n = n + 2\n"
            "  return wrk.format(nil, nil, nil, bodies[n % #bodies + 1])\n"
            "end\n"
        )
        results = {
            "trivial view": wrk(f"{base}/bench/trivial", args.seconds, args.connections),
            "bare one-row insert": wrk(f"{base}/bench/insert", args.seconds, args.connections, str(script)),
            "public form submit": wrk(f"{base}/f/{code}/", args.seconds, args.connections, str(script)),
        }
        visit = visits(base, code, args.seconds, args.connections, bare=False)
        bare = visits(base, code, args.seconds, args.connections, bare=True)
    finally:
        site.stop()
    queries = site.python(inspect.getsource(answers) + QUERIES_PER_VISIT.replace("CODE", code))
    print(
        f"engine {args.engine}, gunicorn {args.workers} sync workers, wrk {args.connections} connections, "
        f"{args.seconds} s each"
    )
    for name, r in results.items():
        print(
            f"{name:<22} {r['rate']:>8.0f} req/s   p50 {r['p50']:>7.1f} ms   p99 {r['p99']:>7.1f} ms"
            f"   non-2xx/3xx {r['errors']}"
        )
    ratio = results["public form submit"]["rate"] / results["bare one-row insert"]["rate"]
    print(f"form / bare insert     {ratio:>8.2f}   (target >= 0.9; p99 target < 100 ms)")
    for name, r in (("whole visit", visit), ("bare three steps", bare)):
        print(
            f"{name:<22} {r['rate']:>8.1f} visits/s p50 {r['p50']:>7.1f} ms   p99 {r['p99']:>7.1f} ms"
            f"   failed {r['errors']}"
        )
    print(f"visit / bare steps     {visit['rate'] / bare['rate']:>8.2f}   (target >= 0.5)")
    print(f"SQL queries per visit  {queries}   (target <= 10 in all)")


# Counted in process with Django's test client: the same views, settings and database.
QUERIES_PER_VISIT = """
import re
from django.db import connection
from django.test import Client
counts = []
def count(execute, sql, params, many, context):
    counts[-1] += 1
    return execute(sql, params, many, context)
client = Client(HTTP_HOST='localhost')
with connection.execute_wrapper(count):
    counts.append(0)
    page = client.get('/f/CODE/').content.decode()
    counts.append(0)
    reply = client.post('/f/CODE/', answers(page))
    counts.append(0)
    client.get(reply['Location'])
print(f'GET form {counts[0]}, POST {counts[1]}, GET thanks {counts[2]} = {sum(counts)}')
"""


def answers(page: str) -> dict[str, str]:
    """What a respondent sends: the page's start token and an answer to every question
    (a middle point of each scale, a number, a comment)."""
    found = {"started": re.search(r'name="started" value="([^"]+)"', page).group(1)}  # type: ignore[union-attr]
    for name, value in re.findall(r'<input type="radio"[^>]* name="(q\d+)" value="(\d+)"', page):
        found.setdefault(name, value)
        if value == "4":
            found[name] = value
    for name in re.findall(r'<input[^>]* class="number-answer__input"[^>]* name="(q\d+)"', page):
        found[name] = "12"
    for name in re.findall(r'<textarea[^>]* name="(q\d+)"', page):
        found[name] = "Kiitos, asiointi sujui hyvin."
    return found


def visits(base: str, code: str, seconds: float, clients: int, *, bare: bool) -> dict[str, float]:
    """Whole visits from `clients` threads for `seconds`: visits/s and their p50/p99 in ms."""
    port = int(base.rsplit(":", 1)[1])
    times: list[float] = []
    errors = [0]
    stop = time.perf_counter() + seconds

    def step(connection: http.client.HTTPConnection, method: str, path: str, body: str, cookies: str) -> Any:
        headers = {"Cookie": cookies} if cookies else {}
        if body:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body.encode() or None, headers=headers)
        reply = connection.getresponse()
        reply.read()
        return reply

    def visitor() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)  # one browser's connection
        while time.perf_counter() < stop:
            started = time.perf_counter()
            try:
                if bare:
                    step(connection, "GET", "/bench/trivial", "", "")
                    ok = step(connection, "POST", "/bench/insert", "x=1", "").status == 200
                    step(connection, "GET", "/bench/trivial", "", "")
                else:
                    connection.request("GET", f"/f/{code}/?ch=qr")
                    reply = connection.getresponse()
                    page = reply.read().decode()
                    cookies = "; ".join(
                        header.split(";", 1)[0] for header in reply.headers.get_all("Set-Cookie") or []
                    )
                    body = urllib.parse.urlencode(answers(page))
                    sent = step(connection, "POST", f"/f/{code}/?ch=qr", body, cookies)
                    ok = sent.status == 302
                    if ok:
                        step(connection, "GET", sent.headers["Location"], "", cookies)
            except (OSError, http.client.HTTPException):
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                ok = False
            if ok:
                times.append(time.perf_counter() - started)
            else:
                errors[0] += 1
        connection.close()

    threads = [threading.Thread(target=visitor) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    times.sort()
    if not times:
        return {"rate": 0.0, "p50": 0.0, "p99": 0.0, "errors": errors[0]}
    return {
        "rate": len(times) / seconds,
        "p50": 1000 * times[len(times) // 2],
        "p99": 1000 * times[min(len(times) - 1, int(len(times) * 0.99))],
        "errors": errors[0],
    }


if __name__ == "__main__":
    main()
