"""The canary check (see tests/canary/): every page, export and API answer, as every
role, anonymously and with API keys, holds no marker of what the principal must not see,
and ids out of scope in links and forms reveal and change nothing."""

import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction
from django.urls import reverse

from kuulo.organisations.models import Unit
from kuulo.webhooks.models import Endpoint

from .canary import CanaryWorld, build_canary_world, check, marker_text
from .canary.markers import MarkerIndex

PRINCIPALS = [
    "admin",
    "cx_lead",
    "manager",
    "staff",
    "account_manager",
    "viewer",
    "anonymous",
    "key_unit",
    "key_other_organisation",
]


@pytest.fixture(scope="module")
def canary(django_db_setup: Any, django_db_blocker: Any) -> Iterator[CanaryWorld]:
    """Built once per module (and worker) inside a transaction that is rolled back at the
    end; each test runs in a savepoint inside it, so tests cannot change it for each other."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_canary_world()
        transaction.set_rollback(True)


@pytest.mark.parametrize("principal", PRINCIPALS)
def test_nothing_out_of_scope_is_shown_or_changed(canary: CanaryWorld, principal: str, db: Any) -> None:
    findings = check(canary, principal)
    problems = findings.problems()
    assert not problems, "\n".join(problems)
    if principal == "admin":  # every kind of answer was read and searched
        assert {"html", "json", "csv", "xlsx", "pdf"} <= findings.formats


def test_every_principal_of_the_world_is_checked(canary: CanaryWorld, db: Any) -> None:
    assert sorted(PRINCIPALS) == sorted(canary.principals)


def test_a_list_view_that_forgets_restrict_is_caught(canary: CanaryWorld, db: Any, settings: Any) -> None:
    """Two list views without `restrict` beside the project's URLs: the check reports what
    they show, and nothing else."""
    settings.ROOT_URLCONF = "tests.canary.leaky_urls"
    findings = check(canary, "staff")
    problems = findings.problems()
    assert problems and all(p.startswith("leak: GET /leaky/") for p in problems), "\n".join(problems)
    assert {(leak.route, leak.marker.text) for leak in findings.leaks} == {
        # Surveys belong to the organisation: only the other organisation's must not show.
        ("leaky_surveys", marker_text("b-unit", "SURVEY")),
        ("leaky_surveys", marker_text("org-b", "DRAFT")),
        # Actions belong to a unit. The staff member's role is in a-unit: not its ancestors'
        # (a-area, a-root), a sibling branch's or the other organisation's.
        *(
            ("leaky_actions", marker_text(code, "ACTION"))
            for code in ("a-root", "a-area", "a-sibling", "b-unit")
        ),
    }


def test_a_units_webhooks_send_only_its_subtrees_events(canary: CanaryWorld, db: Any) -> None:
    """Deliveries leave Kuulo: an endpoint scoped to a unit is a receiver that may see
    that unit's subtree only (the world's events were sent to every unit's endpoint)."""
    index = MarkerIndex(canary.markers)
    for unit in canary.units:
        endpoint = Endpoint.objects.get(unit=unit)
        subtree = set(Unit.objects.subtree_of(unit).values_list("pk", flat=True))
        sent = {marker for d in endpoint.deliveries.all() for marker in index.find(json.dumps(d.payload))}
        assert marker_text(unit.code, "COMMENT") in {m.text for m in sent}
        assert {
            m.text
            for m in sent
            if m.organisation_id != unit.organisation_id or m.unit_id not in (None, *subtree)
        } == set(), unit.code


def test_a_units_service_path_is_named_in_its_line_only(canary: CanaryWorld, db: Any) -> None:
    """A unit's own service path is named to that unit, the units above it and the units
    below it (it is shared with them), never to a sibling unit (ADR 0005)."""
    staff = canary.principals["staff"]  # role in a-unit, below a-area and a-root
    page = staff.client().get(reverse("insights:overview")).content.decode().upper()
    for code in ("a-unit", "a-area", "a-root"):
        assert marker_text(code, "PATH") in page, code
    assert marker_text("a-sibling", "PATH") not in page
    assert marker_text("b-unit", "PATH") not in page
