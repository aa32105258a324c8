"""The home page: every role's own figures against targets, new comments and actions due,
read through the insights functions, in a bounded number of queries."""

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from kuulo.core.registry import registry
from kuulo.feedback.testing import make_publication, send_answers
from kuulo.improvements import services as improvements
from kuulo.improvements.models import Action, ActionStatus
from kuulo.insights import metrics
from kuulo.organisations.models import Role
from kuulo.organisations.testing import World, client_for

COMMENTS = [f"Kommentti numero {n}" for n in range(10)]  # the comment threshold's worth


@pytest.fixture
def answered(world: World) -> World:
    publication = make_publication(world.unit, items=("csat", "nps", "open"))
    yesterday = timezone.now() - timedelta(days=1)
    # NPS: 8 promoters and 3 detractors of 16 = 31.25; CSAT (12 × 4 + 4 × 2) / 16 = 3.5.
    nps = [10] * 8 + [0] * 3 + [8] * 5
    answers: list[dict[str, Any]] = [{"csat": 4 if n < 12 else 2, "nps": nps[n]} for n in range(16)]
    for answer, text in zip(answers, COMMENTS, strict=False):
        answer["open"] = text
    send_answers(world.users[Role.ADMIN], publication, answers, when=yesterday)
    sibling = make_publication(world.sibling, items=("csat", "open"))
    send_answers(world.users[Role.ADMIN], sibling, [{"csat": 2, "open": "SIBLING-ONLY"}] * 6, when=yesterday)
    return world


def home(world: World, role: str) -> Any:
    user = world.users[role]
    user.language = "en"
    user.save(update_fields=["language"])
    return client_for(user).get("/")


def test_a_manager_sees_their_units_figures_from_the_unit_cards(answered: World) -> None:
    page = home(answered, Role.MANAGER)
    assert page.status_code == 200
    panels = {panel["template"]: panel["context"] for panel in page.context["panels"]}
    (block,) = panels["insights/_home_figures.html"]["blocks"]
    assert block["unit"] == answered.area  # the top of the manager's branch
    today = timezone.localdate()
    expected = metrics.item_cards(answered.area, today, answered.org.reporting_threshold)
    by_code = {card.code: card for card in block["cards"]}
    for card in expected:  # the unit page's cards, figure by figure
        for window in ("yesterday", "week", "month"):
            assert by_code[card.code].windows[window].value == card.windows[window].value
    assert by_code["csat"].windows["yesterday"].value == pytest.approx(3.5)
    html = page.content.decode()
    assert "Yesterday" in html and "Last 28 days" in html and "+31" in html
    assert f"/actions/new/?unit={answered.area.pk}&amp;item=" in html  # an action from a figure


def test_new_comments_follow_the_privacy_rules_and_link_to_an_action(answered: World) -> None:
    page = home(answered, Role.MANAGER)
    html = page.content.decode()
    assert sum(text in html for text in COMMENTS) == 6  # the newest few
    assert "SIBLING-ONLY" not in html  # another branch
    assert f"?unit={answered.unit.pk}&amp;comment=" in html
    # A staff member sees the comments too, but cannot plan actions.
    staff = home(answered, Role.STAFF).content.decode()
    assert "Kommentti numero" in staff and "comment=" not in staff


def test_comments_of_a_small_day_are_not_shown(world: World) -> None:
    publication = make_publication(world.unit, items=("csat", "open"))
    send_answers(
        world.users[Role.ADMIN],
        publication,
        [{"csat": 3, "open": "ALONE"}] * 2,
        when=timezone.now() - timedelta(days=1),
    )
    html = home(world, Role.MANAGER).content.decode()
    assert "ALONE" not in html and "No comments to show from the last 7 days" in html


def test_actions_due_are_the_persons_units_own_first(world: World) -> None:
    today = timezone.localdate()
    manager, admin = world.users[Role.MANAGER], world.users[Role.ADMIN]

    def action(unit: Any, title: str, due: int, **fields: Any) -> Action:
        return improvements.save_action(
            Action(), user=admin, unit=unit, title=title, due_date=today + timedelta(days=due), **fields
        )

    action(world.unit, "Someone else's soon", 3, status=ActionStatus.PLANNED)
    action(world.unit, "Mine later", 10, owner=manager, status=ActionStatus.IN_PROGRESS)
    action(world.unit, "Late one", -2, status=ActionStatus.IDEA)
    action(world.unit, "Far away", 40, owner=manager)
    action(world.unit, "Finished", 1, status=ActionStatus.DONE)
    action(world.sibling, "SIBLING-ACTION", 1)
    page = home(world, Role.MANAGER)
    panel = next(p["context"] for p in page.context["panels"] if "actions" in p["context"])
    assert [a.title for a in panel["actions"]] == ["Mine later", "Late one", "Someone else's soon"]
    html = page.content.decode()
    assert "overdue" in html and "SIBLING-ACTION" not in html


def test_every_role_gets_its_own_panels_in_few_queries(
    answered: World, django_assert_max_num_queries: Any
) -> None:
    for role in (Role.ADMIN, Role.CX_LEAD, Role.MANAGER, Role.STAFF, Role.VIEWER):
        client = client_for(answered.users[role])
        client.get("/")  # sessions and caches warmed
        with django_assert_max_num_queries(32):
            page = client.get("/")
        assert page.status_code == 200
        # Figures, comments and actions; follow-ups for those who handle cases.
        expected = 3 if role == Role.VIEWER else 4
        assert len(page.context["panels"]) == expected, role


def test_apps_add_their_own_panels() -> None:
    templates = [panel.template for panel in registry.home_panels]
    assert templates == [
        "insights/_home_figures.html",
        "insights/_home_comments.html",
        "followups/_home_follow_ups.html",
        "improvements/_home_actions.html",
    ]
