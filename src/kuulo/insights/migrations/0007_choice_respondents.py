"""A choice question's aggregates now count its respondents in n (the figure its picks are
shown under on the results page). Rows written before counted none: add them, from the
raw answers, with this migration's own (historical) models."""

from collections import defaultdict
from typing import Any

from django.db import migrations
from django.db.models import Count, F, Value
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

SEGMENT = ["channel", "language", "respondent_type", "age_band"]


def count_choice_respondents(apps: Any, schema_editor: Any) -> None:
    Answer = apps.get_model("feedback", "Answer")
    answers = Answer.objects.filter(choices__isnull=False)
    if not answers.exists():
        return
    day = TruncDate("response__responded_at", tzinfo=timezone.get_current_timezone())
    for model_name, segment in (("DailyItemStats", []), ("DailySegmentStats", SEGMENT)):
        model = apps.get_model("insights", model_name)
        key = ["organisation_id", "day", "unit_id", "touchpoint_id", "item_version_id", *segment]
        groups = (
            answers.annotate(
                organisation_id=F("response__organisation_id"),
                day=day,
                unit_id=F("response__unit_id"),
                touchpoint_id=Coalesce("response__touchpoint_id", Value(0)),
                **{name: F(f"response__{name}") for name in segment},
            )
            .values(*key)
            .annotate(respondents=Count("pk"))
        )
        counts: defaultdict[tuple[Any, ...], int] = defaultdict(int)
        for row in groups:
            counts[tuple(row[name] for name in key)] += row["respondents"]
        for values, respondents in counts.items():
            row, _created = model.objects.get_or_create(**dict(zip(key, values, strict=True)))
            row.n = respondents
            row.save(update_fields=["n"])


class Migration(migrations.Migration):
    dependencies = [
        ("insights", "0006_cant_say"),
        ("feedback", "0017_import_values_and_partial_rows"),
    ]

    operations = [migrations.RunPython(count_choice_respondents, migrations.RunPython.noop)]
