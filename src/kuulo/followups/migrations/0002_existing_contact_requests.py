"""Contact requests left before follow-ups existed become open cases: nobody got back to
those people yet. Due five working days after the request, so most show as overdue."""

from typing import Any

from django.db import migrations
from django.utils import timezone

from kuulo.followups.workdays import add_working_days

RATINGS = {"csat", "nps", "ces", "agreement", "likert"}


def open_cases(apps: Any, schema_editor: Any) -> None:
    ResponseContact = apps.get_model("feedback", "ResponseContact")
    Answer = apps.get_model("feedback", "Answer")
    FollowUp = apps.get_model("followups", "FollowUp")
    for contact in ResponseContact.objects.filter(response__follow_up__isnull=True).select_related(
        "response"
    ):
        response = contact.response
        low = False
        for answer in Answer.objects.filter(response=response, number__isnull=False).select_related(
            "item_version__item"
        ):
            version, kind = answer.item_version, answer.item_version.item.kind
            if kind == "nps":
                low = low or answer.number <= 6
            elif kind in RATINGS and version.scale_min is not None:
                low = low or answer.number <= version.scale_min + 1
        FollowUp.objects.create(
            organisation_id=response.organisation_id,
            unit_id=response.unit_id,
            response=response,
            preferred_channel="either"
            if contact.email and contact.phone
            else ("email" if contact.email else "phone"),
            requested_at=contact.consented_at,
            due_on=add_working_days(timezone.localdate(contact.consented_at), 5),
            low_score=low,
        )


class Migration(migrations.Migration):
    dependencies = [("followups", "0001_follow_ups")]

    operations = [migrations.RunPython(open_cases, migrations.RunPython.noop)]
