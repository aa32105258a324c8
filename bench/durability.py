"""Benchmark: nothing acknowledged is lost, or stored twice, when the app server dies.

Run:  .venv/bin/python bench/durability.py [--engine sqlite|postgres] [--clients 32] [--kills 3]

Concurrent clients submit while gunicorn (its master and every worker) is killed with
SIGKILL mid-load and started again, `--kills` times:

- half through the public form as a browser does: GET the form, POST the answers with the
  page's start token; acknowledged = the redirect to the thank-you page;
- half through the ingest API, one response per request with an idempotency key, sent
  again after a failure as the API's clients are told to; acknowledged = 201.

Every submission carries a marker (the form: in its open answer; the API: its idempotency
key). Afterwards each acknowledged one is looked for in the database. Printed: submissions
acknowledged, failed (connection refused or cut by the kill, never acknowledged), stored;
lost (acknowledged but not stored) and duplicated (one marker stored twice), both must
be 0; and how long the server took to serve again after each restart.
"""

import argparse
import http.client
import json
import re
import signal
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from pathlib import Path

from common import Site, add_keep_option, clean_up

WORKERS = 4


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--engine", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--kills", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=3.0, help="load between kills")
    add_keep_option(parser)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="kuulo-bench-"))
    site = Site(args.engine, work, "kuulo_bench_durability")
    try:
        run(args, site)
    finally:
        site.stop(signal.SIGKILL)
        clean_up(args.engine, args.keep, database=site.database, folder=work)


def run(args: argparse.Namespace, site: Site) -> None:
    code, key = site.python(
        "from kuulo.feedback.models import SurveyPublication as P\n"
        "from kuulo.organisations.models import Organisation\n"
        "from kuulo.organisations.services import create_api_key\n"
        "from kuulo.organisations.access import Permission\n"
        "p = P.objects.select_related('unit').get(unit__code='kuopio-students')\n"
        "_, secret = create_api_key(organisation=p.unit.organisation, name='durability',"
        " permissions=[Permission.SUBMIT_RESPONSES], units=[p.unit])\n"
        "print(p.code, secret)"
    ).split()
    site.start(WORKERS)
    port = int(site.base.rsplit(":", 1)[1])
    stop = threading.Event()
    clients = [Client(n, port, code, key, stop) for n in range(args.clients)]
    threads = [threading.Thread(target=client.run, daemon=True) for client in clients]
    for thread in threads:
        thread.start()
    restarts = []
    for _ in range(args.kills):
        time.sleep(args.seconds)
        site.stop(signal.SIGKILL)  # the whole process group, mid-request
        time.sleep(0.5)
        restarts.append(site.start(WORKERS, port))
    time.sleep(args.seconds)
    stop.set()
    for thread in threads:
        thread.join(timeout=30)

    acknowledged = [marker for client in clients for marker in client.acknowledged]
    failed = sum(client.failed for client in clients)
    stored = Counter(
        json.loads(
            site.python(
                "import json\n"
                "from kuulo.feedback.models import Answer, Response\n"
                "form = Answer.objects.filter(text__startswith='kestavyys ')\n"
                "api = Response.objects.filter(source_key__startswith='kestavyys-')\n"
                "print(json.dumps([*form.values_list('text', flat=True),"
                " *api.values_list('source_key', flat=True)]))"
            )
        )
    )
    lost = [marker for marker in acknowledged if stored[marker] == 0]
    duplicated = [marker for marker, count in stored.items() if count > 1]
    print(
        f"engine {args.engine}, gunicorn {WORKERS} workers killed with SIGKILL {args.kills} times, "
        f"{args.clients} clients (half the form, half the API)"
    )
    print(f"acknowledged           {len(acknowledged):>8}")
    print(f"failed (never acked)   {failed:>8}")
    print(f"stored                 {sum(stored.values()):>8}")
    examples = f"  e.g. {', '.join(lost[:3])}" if lost else ""
    print(f"lost                   {len(lost):>8}   (must be 0){examples}")
    print(f"duplicated             {len(duplicated):>8}   (must be 0)")
    print(f"serving again after    {', '.join(f'{seconds:.2f} s' for seconds in restarts)}")


class Client:
    """One simulated respondent (even numbers: the form) or sending system (odd: the API)."""

    def __init__(self, number: int, port: int, code: str, key: str, stop: threading.Event) -> None:
        self.number, self.port, self.code, self.key, self.stop = number, port, code, key, stop
        self.acknowledged: list[str] = []
        self.failed = 0
        self.sent = 0

    def run(self) -> None:
        while not self.stop.is_set():
            self.sent += 1
            marker = f"kestavyys {self.number} {self.sent}"
            try:
                done = self.form(marker) if self.number % 2 == 0 else self.api(marker.replace(" ", "-"))
            except (OSError, http.client.HTTPException):
                done = ""
            if done:
                self.acknowledged.append(done)
            else:
                self.failed += 1
                time.sleep(0.05)

    def request(
        self, method: str, path: str, body: str = "", headers: dict[str, str] | None = None
    ) -> http.client.HTTPResponse:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        connection.request(method, path, body=body.encode() or None, headers=headers or {})
        return connection.getresponse()

    def form(self, marker: str) -> str:
        page = self.request("GET", f"/f/{self.code}/").read().decode()
        token = re.search(r'name="started" value="([^"]+)"', page)
        names = re.findall(r'name="(q\d+)"', page)
        if token is None or len(names) < 2:
            return ""
        first, last = names[0], names[-1]  # CSAT, and the open question at the end
        body = urllib.parse.urlencode({"started": token.group(1), first: "4", last: marker})
        reply = self.request(
            "POST", f"/f/{self.code}/", body, {"Content-Type": "application/x-www-form-urlencoded"}
        )
        reply.read()
        return marker if reply.status == 302 else ""

    def api(self, key: str) -> str:
        body = json.dumps({"link": self.code, "answers": {"csat": 4}, "idempotency_key": key})
        headers = {"Authorization": f"Bearer {self.key}", "Content-Type": "application/json"}
        for _attempt in range(20):  # sent again after a failure, as the API's clients are told to
            try:
                reply = self.request("POST", "/api/v1/responses", body, headers)
                reply.read()
                if reply.status in (200, 201):
                    return key
            except (OSError, http.client.HTTPException):
                pass
            if self.stop.is_set():
                return ""
            time.sleep(0.1)
        return ""


if __name__ == "__main__":
    main()
