"""Number items (minutes, euros, counts): bounds, decimals and a unit; answers checked
against them; kept in the aggregates as sums in steps of the last decimal and counts in
log-spaced ranges, so mean, median and percentiles come from aggregates alone."""

from datetime import timedelta
from decimal import Decimal
from itertools import pairwise
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kuulo.feedback import services
from kuulo.feedback.models import Answer, ItemVersion, SurveyPublication
from kuulo.feedback.testing import make_survey, send_answers
from kuulo.insights import results
from kuulo.insights.figures import Filters
from kuulo.insights.models import DailyItemStats
from kuulo.organisations.models import Role
from kuulo.organisations.testing import World

WAITING = {"lower": 0, "upper": 240, "decimals": 1, "unit_label": {"fi": "min", "sv": "min", "en": "min"}}


def waiting_item(world: World, **number: Any) -> ItemVersion:
    item = services.create_item(
        organisation=world.org,
        code="waiting",
        kind="number",
        dimension="efficiency",
        text_fi="Kauanko jonotit?",
        number=WAITING | number,
    )
    return ItemVersion.objects.get(item=item)


@pytest.fixture
def publication(world: World) -> SurveyPublication:
    survey = make_survey(world.org, items=("csat",))
    services.add_question(survey, waiting_item(world))
    return services.publish_survey(survey, [world.unit])[0]


def test_ranges_are_log_spaced_within_the_bounds(world: World) -> None:
    version = waiting_item(world)
    halving = [(Decimal(240) / 2**k).quantize(Decimal("0.0001")) for k in range(10, 0, -1)]
    assert version.bucket_edges() == halving  # 0.2344, 0.4688, … 60, 120
    assert [version.bucket_of(Decimal(v)) for v in ("0", "0.5", "15", "119.9", "120", "240")] == [
        0,
        2,
        7,
        9,
        10,
        10,
    ]
    euros = services.create_item(
        organisation=world.org,
        code="cost",
        kind="number",
        dimension="other",
        text_fi="Hinta",
        number={"lower": 10, "upper": 10000, "decimals": 0},
    ).versions.get()
    edges = euros.bucket_edges()
    assert edges[0] == pytest.approx(Decimal(10) * Decimal(1000) ** (Decimal(1) / 11), rel=Decimal("0.0001"))
    ratios = {round(b / a, 3) for a, b in pairwise(edges)}
    assert len(ratios) == 1  # one ratio: equal on the log scale


def test_bounds_and_decimals_are_checked(world: World) -> None:
    with pytest.raises(ValidationError):
        waiting_item(world, lower=10, upper=5)
    with pytest.raises(ValidationError):  # 10 million steps of a cent: sums could overflow
        waiting_item(world, upper=100_000, decimals=2)
    with pytest.raises(ValidationError):
        waiting_item(world, decimals=3)


def test_answers_are_checked_against_the_item(world: World, publication: SurveyPublication) -> None:
    question = next(
        q for q in publication.survey.ordered_questions() if q.item_version.item.code == "waiting"
    )
    for raw, amount in (("12,5", Decimal("12.5")), (7, Decimal("7.0")), (" 1 2 ", Decimal("12.0"))):
        clean = services.clean_answer(question, raw)
        assert clean is not None and clean.amount == amount
    for wrong in ("12,55", "-1", "241", "soon", True, "NaN"):
        with pytest.raises(ValidationError):
            services.clean_answer(question, wrong)


def test_mean_median_and_ranges_come_from_the_aggregates(
    world: World, publication: SurveyPublication
) -> None:
    minutes = ["2", "4,5", "6", "8", "10", "12", "15", "20", "45", "90"]
    send_answers(
        world.users[Role.ADMIN],
        publication,
        [{"waiting": m} for m in minutes],
        when=timezone.now() - timedelta(days=2),
    )
    stats = DailyItemStats.objects.get(
        item_version_id=Answer.objects.filter(amount__isnull=False)[0].item_version_id
    )
    assert (stats.n, stats.total) == (10, 2125)  # tenths of a minute
    today = timezone.localdate()
    found = results.survey_results(
        publication.survey, world.unit, Filters(start=today - timedelta(days=27), end=today), threshold=5
    )
    waiting = next(r for r in found if r.version.item.code == "waiting")
    assert waiting.figure is not None and waiting.figure.value == pytest.approx(21.25)
    values = [float(m.replace(",", ".")) for m in minutes]
    mean = sum(values) / len(values)
    sd = (sum((v - mean) ** 2 for v in values) / (len(values) - 1)) ** 0.5
    assert waiting.figure.interval == pytest.approx(
        (mean - 2.262 * sd / 10**0.5, mean + 2.262 * sd / 10**0.5)
    )
    # Range ends as people read them, in the reader's language (Finnish here).
    assert [label for label, count, _share in waiting.distribution if count] == [
        "1,9–3,8",
        "3,8–7,5",
        "7,5–15",
        "15–30",
        "30–60",
        "60–120",
    ]
    # The true median is 11: the estimate lies in its range (7.5–15), the 90th in 60–120.
    assert 7.5 <= waiting.percentiles["median"] <= 15
    assert 60 <= waiting.percentiles["p90"] <= 120


def test_the_form_asks_for_a_number_with_its_unit(publication: SurveyPublication, settings: Any) -> None:
    settings.KUULO_SURVEY_MIN_SECONDS = 0
    url = reverse("feedback:respond", args=[publication.code])
    client = Client(headers={"accept-language": "en"})
    page = client.get(url)
    question = next(
        q for q in publication.survey.ordered_questions() if q.item_version.item.code == "waiting"
    )
    html = page.content.decode()
    assert 'inputmode="decimal"' in html and "A number from 0.0 to 240.0 min." in html
    wrong = client.post(url, {"started": page.context["started"], f"q{question.pk}": "300"})
    assert wrong.status_code == 400 and "between" in wrong.content.decode()
    sent = client.post(url, {"started": wrong.context["started"], f"q{question.pk}": "12,5"})
    assert sent.status_code == 302
    assert Answer.objects.get(item_version=question.item_version).amount == Decimal("12.5")
