"""Test helpers for webhooks: a real HTTP receiver on 127.0.0.1 that answers with the
statuses a test gives it and keeps what it received."""

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from kuulo.organisations.access import Permission
from kuulo.organisations.models import Organisation
from kuulo.organisations.testing import AccessFixtures, AccessScope, Canary, CanaryKind

from . import events, services
from .models import Endpoint


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def payload(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    url: str
    statuses: list[int] = field(default_factory=list)  # answered in turn; 200 once they run out
    received: list[Received] = field(default_factory=list)
    redirect_to: str = ""

    def next_status(self) -> int:
        return self.statuses.pop(0) if self.statuses else 200


@contextmanager
def running_receiver() -> Iterator[Receiver]:
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.received.append(Received(self.path, dict(self.headers.items()), body))
            status = state.next_status()
            self.send_response(status)
            if 300 <= status < 400:
                self.send_header("Location", state.redirect_to)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/kuulo"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def _endpoint(scope: AccessScope) -> Endpoint:
    # Webhooks belong to the organisation: out of scope means another organisation's.
    return scope.once(
        "webhook",
        lambda: services.create_endpoint(
            organisation=scope.own_organisation,
            name="Jira",
            url="https://hooks.example.fi/",
            topics=["responses"],
        )[0],
    )


ACCESS_FIXTURES: AccessFixtures = {
    "endpoint_id": lambda scope: _endpoint(scope).pk,
    "delivery_id": lambda scope: services.send_test_event(_endpoint(scope)).pk,
}


def _canary_organisation(world: Any, organisation: Organisation, admin: Any) -> None:
    """An endpoint in every unit, made before anything happens in the units, so that each
    receives its unit's events (a unit's may carry only its subtree's markers)."""
    for unit in world.units:
        if unit.organisation_id != organisation.pk:
            continue
        endpoint, _secret = services.create_endpoint(
            organisation=organisation,
            name="?",
            url="https://hooks.example.fi/",
            topics=["responses", "complaints", "actions"],
            unit=unit,
        )
        endpoint.name = world.mark("HOOK", unit.code, endpoint)
        endpoint.save(update_fields=["name"])
        world.name(unit, endpoint_id=endpoint.pk, delivery_id=services.send_test_event(endpoint).pk)


def _canary_finish(world: Any) -> None:
    events.release_responses()  # responses leave once a day, per unit and day (organisations/rows.py)


CANARY = Canary(
    kinds={"HOOK": CanaryKind(Permission.MANAGE_WEBHOOKS)},  # webhook endpoint name
    organisation=_canary_organisation,
    finish=_canary_finish,
)
