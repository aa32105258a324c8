"""An action made from a comment or a figure: the form comes pre-filled with the unit,
the metric and the comment, and lists the chosen unit's and metric's released comments,
searchable, without losing what was typed."""

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from kuulo.feedback.models import Item, Response
from kuulo.feedback.testing import make_publication, send_answers
from kuulo.improvements.models import Action
from kuulo.organisations.models import Role
from kuulo.organisations.testing import World, client_for


def offered(page: Any) -> set[str]:
    form = page.context["form"]
    return {a.text for r in form.fields["responses"].queryset for a in r.answers.all() if a.text}


@pytest.fixture
def commented(world: World) -> World:
    """Ten comments a day (the comment threshold) in the unit, with CSAT, and in the area
    itself, answering only the open question; and a sibling's."""
    yesterday = timezone.now() - timedelta(days=1)
    admin = world.users[Role.ADMIN]
    unit = make_publication(world.unit, items=("csat", "open"))
    send_answers(admin, unit, [{"csat": 2, "open": f"Jono oli pitkä {n}"} for n in range(5)], when=yesterday)
    send_answers(admin, unit, [{"csat": 5, "open": f"Kiitos avusta {n}"} for n in range(5)], when=yesterday)
    area = make_publication(world.area, items=("open",))
    send_answers(admin, area, [{"open": f"Alueen kommentti {n}"} for n in range(10)], when=yesterday)
    sibling = make_publication(world.sibling, items=("csat", "open"))
    send_answers(admin, sibling, [{"csat": 1, "open": f"SISAR {n}"} for n in range(10)], when=yesterday)
    return world


def test_a_comment_link_fills_in_the_unit_and_ticks_the_comment(commented: World) -> None:
    comment = Response.objects.filter(unit=commented.unit, answers__text="Jono oli pitkä 3").get()
    client = client_for(commented.users[Role.MANAGER])
    page = client.get(f"/actions/new/?unit={commented.unit.pk}&comment={comment.pk}")
    form = page.context["form"]
    assert form.initial["unit"] == commented.unit.pk and form.initial["responses"] == [comment.pk]
    assert offered(page) == {f"Jono oli pitkä {n}" for n in range(5)} | {
        f"Kiitos avusta {n}" for n in range(5)
    }
    html = page.content.decode()
    assert f'value="{comment.pk}"' in html and "checked" in html
    saved = client.post(
        "/actions/new/",
        {"title": "Takaisinsoitto", "unit": commented.unit.pk, "status": "idea", "responses": [comment.pk]},
    )
    assert saved.status_code == 302
    assert list(Action.objects.get().responses.all()) == [comment]


def test_a_figure_link_fills_in_the_metric_and_lists_its_comments(commented: World) -> None:
    csat = Item.objects.get(organisation=None, code="csat")
    page = client_for(commented.users[Role.MANAGER]).get(
        f"/actions/new/?unit={commented.area.pk}&item={csat.pk}"
    )
    assert page.context["form"].initial["item"] == csat.pk
    # The area's subtree, and only comments of respondents who answered CSAT.
    assert offered(page) == {f"Jono oli pitkä {n}" for n in range(5)} | {
        f"Kiitos avusta {n}" for n in range(5)
    }
    without_item = client_for(commented.users[Role.MANAGER]).get(f"/actions/new/?unit={commented.area.pk}")
    assert {f"Alueen kommentti {n}" for n in range(10)} <= offered(without_item)


def test_searching_comments_keeps_what_was_typed_and_saves_nothing(commented: World) -> None:
    client = client_for(commented.users[Role.MANAGER])
    page = client.post(
        "/actions/new/",
        {"title": "Puhelinjono", "unit": commented.unit.pk, "comment_search": "jono", "refresh": "1"},
    )
    assert page.status_code == 200 and Action.objects.count() == 0
    assert offered(page) == {f"Jono oli pitkä {n}" for n in range(5)}
    form = page.context["form"]
    assert not form.errors and form.initial["title"] == "Puhelinjono"
    assert 'value="Puhelinjono"' in page.content.decode()


def test_other_units_comments_cannot_be_asked_for(commented: World) -> None:
    sister = Response.objects.filter(unit=commented.sibling).first()
    assert sister is not None
    client = client_for(commented.users[Role.MANAGER])
    page = client.get(f"/actions/new/?unit={commented.sibling.pk}&comment={sister.pk}")
    form = page.context["form"]
    assert not form.initial.get("responses") and "SISAR" not in page.content.decode()
    assert form.initial.get("unit") is None  # not a unit the manager may plan for
    refused = client.post(
        "/actions/new/", {"title": "X", "unit": commented.unit.pk, "status": "idea", "responses": [sister.pk]}
    )
    assert refused.status_code == 200 and Action.objects.count() == 0


def test_the_unit_page_links_its_cards_and_comments_to_the_action_form(commented: World) -> None:
    manager = client_for(commented.users[Role.MANAGER])
    html = manager.get(f"/dashboards/units/{commented.unit.pk}/").content.decode()
    assert f"/actions/new/?unit={commented.unit.pk}&amp;item=" in html
    assert f"/actions/new/?unit={commented.unit.pk}&amp;comment=" in html
    staff = client_for(commented.users[Role.STAFF]).get(f"/dashboards/units/{commented.unit.pk}/")
    assert "/actions/new/" not in staff.content.decode()  # staff do not plan actions
