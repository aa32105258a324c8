"""Benchmark: the public survey form under concurrent load, against a trivial view and a
bare one-row-insert view of the same server and database.

Run:  .venv/bin/python bench/public_form.py [--engine sqlite|postgres] [--seconds 10]

Starts gunicorn with the production settings (bench/settings_bench.py: plain HTTP on
loopback, abuse limits lifted, persistent database connections), then loads each
endpoint with wrk from a separate process and prints requests/s and p50/p99 latency.
Targets: form submit ≥ 0.9 × the bare insert, p99 under 100 ms.
"""

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

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
    finally:
        site.stop()
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


if __name__ == "__main__":
    main()
