"""Dashboard comments and every other row-level path follow one rule (ADR 0005): a row is
shown only from a (unit, day) group of at least the comment threshold, of days that are
over. Dashboards read the groups from the aggregates (`comments._comment_days`, fast at
millions of answers), the other paths from the raw rows (`organisations.rows.released`);
this test keeps the two readings the same rule over random days."""

import random
from dataclasses import replace
from datetime import timedelta

import pytest
from django.utils import timezone

from kuulo.feedback.models import Answer
from kuulo.feedback.testing import make_publication, send_answers
from kuulo.insights.comments import _comment_days
from kuulo.insights.figures import Filters
from kuulo.organisations.models import Role
from kuulo.organisations.rows import day_of, released
from kuulo.organisations.testing import World

THRESHOLD = 3


@pytest.mark.parametrize("seed", range(4))
def test_aggregates_and_rows_release_the_same_unit_days(world: World, seed: int) -> None:
    rng = random.Random(seed)
    admin, now = world.users[Role.ADMIN], timezone.now()
    units = [world.area, world.unit, world.sibling]
    for unit in units:
        publication = make_publication(unit, items=("csat", "open"))
        for days_ago in range(0, 6):  # today's comments are never released
            comments = rng.choice([0, 1, 2, 3, 4, 6])
            answers = [{"csat": 4, "open": f"Kommentti {n}"} for n in range(comments)]
            answers += [{"csat": 2}] * rng.choice([0, 3])  # answers without a comment count for nothing
            if answers:
                send_answers(admin, publication, answers, when=now - timedelta(days=days_ago, minutes=5))
    filters = Filters(start=timezone.localdate() - timedelta(days=10), end=timezone.localdate())
    unit_ids = [unit.pk for unit in units]

    days = _comment_days(unit_ids, replace(filters, organisation_id=world.org.pk), THRESHOLD)
    from_aggregates = {(unit_id, day) for day, counts in days for unit_id in counts}
    texts = Answer.objects.filter(response__unit_id__in=unit_ids).exclude(text="")
    rows = released(
        texts, threshold=THRESHOLD, unit_field="response__unit_id", time_field="response__responded_at"
    )
    from_rows = {
        (a.response.unit_id, day_of(a.response.responded_at)) for a in rows.select_related("response")
    }

    assert from_aggregates == from_rows
    all_days = {
        (a.response.unit_id, day_of(a.response.responded_at)) for a in texts.select_related("response")
    }
    assert from_rows and all_days - from_rows  # some groups are released and some are not
