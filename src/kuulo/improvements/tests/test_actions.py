"""Improvement actions: the board by stage, moving along by keyboard-friendly buttons,
done dates, the user's units only, linked feedback from the unit, and the public page."""

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from kuulo.audit.models import AuditEvent
from kuulo.feedback import ingest
from kuulo.feedback.models import Response
from kuulo.feedback.testing import make_publication
from kuulo.improvements import services
from kuulo.improvements.models import Action, ActionStatus
from kuulo.organisations.models import Role
from kuulo.organisations.testing import World, client_for


def new_action(world: World, unit: Any = None, **fields: Any) -> Action:
    fields.setdefault("title", "Lyhyempi jono")
    return services.save_action(Action(), user=world.users[Role.ADMIN], unit=unit or world.unit, **fields)


def test_a_manager_plans_an_action_and_moves_it_to_done(world: World) -> None:
    manager = world.users[Role.MANAGER]
    client = client_for(manager)
    response = client.post(
        "/actions/new/",
        {"title": "Ajanvaraus verkkoon", "unit": world.unit.pk, "status": "idea", "owner": manager.pk},
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    action = Action.objects.get()
    assert (action.organisation, action.created_by, action.status) == (world.org, manager, ActionStatus.IDEA)
    board = client.get("/actions/")
    columns = {
        str(column["stage"]): [a.title for a in column["cards"]] for column in board.context["columns"]
    }
    assert columns["idea"] == ["Ajanvaraus verkkoon"] and columns["done"] == []
    for _ in range(3):
        client.post(f"/actions/{action.pk}/move/", {"step": "next", "back": "/actions/?mine=1"})
    action.refresh_from_db()
    assert action.status == ActionStatus.DONE and action.done_on == timezone.localdate()
    moved = client.post(f"/actions/{action.pk}/move/", {"step": "back", "back": "https://evil.example/"})
    assert moved["Location"] == f"/actions/#action-{action.pk}"  # never off the board
    action.refresh_from_db()
    assert action.status == ActionStatus.IN_PROGRESS and action.done_on is None
    assert AuditEvent.objects.filter(action="action.moved").count() == 4


def test_actions_stay_in_the_users_units(world: World) -> None:
    sibling_action = new_action(world, unit=world.sibling)
    manager = client_for(world.users[Role.MANAGER])
    assert manager.get(f"/actions/{sibling_action.pk}/").status_code == 404
    assert manager.post(f"/actions/{sibling_action.pk}/move/", {"step": "next"}).status_code == 404
    refused = manager.post("/actions/new/", {"title": "X", "unit": world.sibling.pk, "status": "idea"})
    assert refused.status_code == 200 and Action.objects.count() == 1
    titles = [a.title for column in manager.get("/actions/").context["columns"] for a in column["cards"]]
    assert titles == []  # the sibling's action is not on the manager's board
    viewer = client_for(world.users[Role.VIEWER])
    own = new_action(world, title="Näkyy")
    board = viewer.get("/actions/")
    assert "Näkyy" in board.content.decode() and f"/actions/{own.pk}/move/" not in board.content.decode()
    assert viewer.post(f"/actions/{own.pk}/move/", {"step": "next"}).status_code == 403
    with pytest.raises(ValidationError):
        services.save_action(sibling_action, user=world.users[Role.MANAGER], title="Siirretty")


def test_linked_feedback_must_come_from_the_unit(world: World) -> None:
    publication = make_publication(world.unit, items=("csat", "open"))
    when = timezone.now() - timedelta(days=1)
    ingest.ingest(
        world.users[Role.ADMIN],
        [
            ingest.IncomingResponse(
                link=publication.code, answers={"csat": 2, "open": "Jono!"}, responded_at=when
            )
        ]
        * 12,
    )
    other = make_publication(world.sibling, items=("csat",))
    ingest.ingest(world.users[Role.ADMIN], [ingest.IncomingResponse(link=other.code, answers={"csat": 1})])
    own = list(Response.objects.filter(unit=world.unit)[:2])
    action = new_action(world, responses=own)
    assert set(action.responses.all()) == set(own)
    with pytest.raises(ValidationError):
        new_action(world, responses=[Response.objects.get(unit=world.sibling)])
    form = client_for(world.users[Role.MANAGER]).get("/actions/new/").context["form"]
    offered = list(form.fields["responses"].queryset)
    assert offered and all(response.unit == world.unit for response in offered)


def test_only_comments_the_row_level_policy_releases_are_offered(world: World) -> None:
    """The same rule as everywhere (organisations/rows.py), not a threshold of its own:
    a unit's day's comments must be a large enough group, and the day over."""
    publication = make_publication(world.unit, items=("csat", "open"))
    yesterday, two_days_ago = timezone.now() - timedelta(days=1), timezone.now() - timedelta(days=2)
    send = [
        ingest.IncomingResponse(link=publication.code, answers={"open": text}, responded_at=when)
        for text, when, count in (
            ("Iso päivä", yesterday, 10),
            ("Hiljainen", two_days_ago, 3),
            ("Tänään", None, 12),
        )
        for _ in range(count)
    ]
    # Plenty of answers without comments on the quiet day: the group is the day's comments.
    send += [
        ingest.IncomingResponse(link=publication.code, answers={"csat": 4}, responded_at=two_days_ago)
    ] * 20
    ingest.ingest(world.users[Role.ADMIN], send)
    form = client_for(world.users[Role.MANAGER]).get("/actions/new/").context["form"]
    offered = {
        answer.text for response in form.fields["responses"].queryset for answer in response.answers.all()
    }
    assert offered == {"Iso päivä"}


def test_the_public_page_shows_only_what_was_marked_public_and_done(world: World) -> None:
    new_action(world, title="Sisäinen", status="done")
    new_action(world, title="Kesken", status="planned", public=True, public_text="Tulossa")
    new_action(
        world, title="Chat", status="done", public=True, public_text="Avasimme chatin. Kysy: 040 1234567"
    )
    with pytest.raises(ValidationError):
        new_action(world, title="Ilman tekstiä", status="done", public=True)
    page = client_for(None).get(f"/o/{world.org.slug}/{world.area.code}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Chat" in text and "Avasimme chatin" in text and "[PHONE]" in text and "040 1234567" not in text
    assert "Sisäinen" not in text and "Kesken" not in text
    assert client_for(None).get(f"/o/{world.org.slug}/nope/").status_code == 404


def test_titles_and_descriptions_are_redacted_before_they_are_stored(world: World) -> None:
    action = new_action(
        world,
        title="Soita asiakkaalle 040 1234567",
        description="Asiakas 131052-308T toivoi takaisinsoittoa, matti.meikalainen@example.fi",
        status="done",
        public=True,
        public_text="Soitimme takaisin.",
    )
    stored = Action.objects.get(pk=action.pk)
    for text in (stored.title, stored.description):
        assert "040 1234567" not in text and "131052-308T" not in text and "@example.fi" not in text
    assert "[PHONE]" in stored.title
    page = client_for(None).get(f"/o/{world.org.slug}/{world.area.code}/").content.decode()
    assert "040 1234567" not in page
    event = AuditEvent.objects.filter(action="action.saved").latest("pk")
    assert "040 1234567" not in event.target_label
