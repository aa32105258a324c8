"""Every item reaches its measure by its kind: an NPS item of any question set counts in
the NPS column, and so do an organisation's own CSAT and CES items (ADR 0010)."""

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from kuulo.feedback import services
from kuulo.feedback.models import ItemVersion
from kuulo.feedback.testing import make_publication, make_survey, send_answers, standard_version
from kuulo.insights import metrics
from kuulo.organisations.models import Role
from kuulo.organisations.testing import World


def send(world: World, publication: Any, answers: list[dict[str, Any]], days_ago: int = 2) -> None:
    send_answers(
        world.users[Role.ADMIN], publication, answers, when=timezone.now() - timedelta(days=days_ago)
    )


def overview(world: World) -> dict[str, metrics.UnitRow]:
    today = timezone.localdate()
    filters = metrics.Filters(start=today - timedelta(days=27), end=today)
    units = [world.root, world.area, world.unit, world.sibling]
    return {row.unit.code: row for row in metrics.unit_rows(units, filters, threshold=5)}


def test_the_thl_sets_nps_counts_in_the_nps_column(world: World) -> None:
    thl = make_publication(world.unit, items=(), standard_set="thl-asiakaspalaute")
    plain = make_publication(world.sibling, items=("nps",))
    send(world, thl, [{"thl-nps": 10}] * 4 + [{"thl-nps": 3}] * 2)
    send(world, plain, [{"nps": 9}] * 3 + [{"nps": 8}] * 3)
    rows = overview(world)
    # a-unit: 4 promoters and 2 detractors of 6: NPS 33; a-sibling: 3 and 0 of 6: 50.
    assert rows["a-unit"].metrics["nps"].value == pytest.approx(100 * (4 - 2) / 6)
    assert rows["a-sibling"].metrics["nps"].value == pytest.approx(50.0)
    root = rows["a-root"].metrics["nps"]
    assert (root.n, root.value) == (12, pytest.approx(100 * (7 - 2) / 12))


def test_an_organisations_own_csat_item_counts_as_csat(world: World) -> None:
    own = services.create_item(
        organisation=world.org, code="our-csat", kind="csat", dimension="satisfaction", text_fi="Tyytyväisyys"
    )
    version = ItemVersion.objects.get(item=own)
    survey = make_survey(world.org, items=())
    services.add_question(survey, version)
    publication = services.publish_survey(survey, [world.unit])[0]
    send(world, publication, [{"our-csat": 5}] * 3 + [{"our-csat": 2}] * 3)
    csat = overview(world)["a-unit"].metrics["csat"]
    assert (csat.n, csat.value) == (6, pytest.approx(3.5))
    # Another organisation's items are not in its measure.
    assert version.pk not in metrics.headline_measures(world.other_org.pk)["csat"].version_ids


def test_a_small_group_of_one_kind_stays_hidden_however_many_items_it_spans(world: World) -> None:
    thl = make_publication(world.unit, items=(), standard_set="thl-asiakaspalaute")
    plain = make_publication(world.unit, items=("nps",))
    send(world, thl, [{"thl-nps": 10}] * 2)
    send(world, plain, [{"nps": 10}] * 2)  # 4 NPS answers together: still fewer than 5
    nps = overview(world)["a-unit"].metrics["nps"]
    assert nps.hidden and nps.value is None


def test_a_survey_asks_each_headline_kind_once(world: World) -> None:
    survey = make_survey(world.org, items=("nps",))
    thl_nps = standard_version("thl-nps")
    with pytest.raises(ValidationError):
        services.add_question(survey, thl_nps)
    services.add_question(survey, standard_version("csat"))  # another kind is fine
    assert survey.questions.count() == 2


def test_a_headline_minus_one_of_its_items_never_gives_a_small_group(world: World) -> None:
    """Two NPS items on one day, 2 answers to the THL set's and 10 to the standard one:
    the NPS measure (12) and the standard item's own figure (10) must not both be shown,
    or their difference is the 2 THL answers (a review found it; ADR 0010)."""
    from kuulo.insights.figures import Filters, Measure
    from kuulo.insights.table import Tree, build

    thl = make_publication(world.unit, items=(), standard_set="thl-asiakaspalaute")
    plain = make_publication(world.unit, items=("nps",))
    send(world, thl, [{"thl-nps": 3}] * 2, days_ago=2)
    send(world, plain, [{"nps": 10}] * 10, days_ago=2)
    day = timezone.localdate() - timedelta(days=2)
    tree, period = Tree.of(world.org.pk), Filters(start=day, end=day)
    measure = metrics.headline_measures(world.org.pk)["nps"]
    headline = build(tree, period, 5, {"nps": measure}).row(world.unit.pk).metrics["nps"]
    alone = build(tree, period, 5, {"v": Measure.of(standard_version("nps"))}).row(world.unit.pk).metrics["v"]
    assert alone.shown and alone.n == 10  # the standard item has a large day of its own
    assert headline.hidden  # so the measure may not be shown over a day cut from the small one
    assert not (headline.shown and alone.shown and 0 < headline.n - alone.n < 5)
