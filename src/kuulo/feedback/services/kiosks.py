"""Setting up a kiosk: which survey it can ask, and the device's own API key."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from kuulo.organisations.access import Permission
from kuulo.organisations.services import create_api_key

from ..models import ItemKind, Kiosk, Survey, SurveyPublication, SurveyQuestion

KIOSK_RATING_KINDS = {ItemKind.CSAT}


def kiosk_questions(survey: Survey) -> tuple[SurveyQuestion, SurveyQuestion | None]:
    """The one-tap question (the survey's first CSAT item) and an optional open follow-up.
    Refuses a survey whose answers a kiosk could not complete: a kiosk thanks the customer
    at once, so every answer it takes must be one the server can store."""
    questions = survey.ordered_questions()
    rating = next(
        (
            q
            for q in questions
            if q.item_version.item.kind in KIOSK_RATING_KINDS and q.show_if_question_id is None
        ),
        None,
    )
    if rating is None:
        raise ValidationError(_("A kiosk needs a survey with a satisfaction (CSAT) question."))
    follow_up = next((q for q in questions if q.item_version.item.kind == ItemKind.TEXT), None)
    # The follow-up can be skipped on the kiosk, so it must be optional like every other.
    unasked = [q for q in questions if q.required and q.pk != rating.pk]
    if unasked:
        raise ValidationError(
            _(
                "A kiosk asks only the satisfaction question and an optional comment, but this "
                "survey requires answers to other questions too: %(questions)s. Use a survey "
                "where those questions are optional, or collect these answers with the survey link."
            )
            % {"questions": ", ".join(f"“{q.item_version.text}”" for q in unasked)}
        )
    return rating, follow_up


@transaction.atomic
def create_kiosk(
    publication: SurveyPublication, *, name: str, created_by: Any, request: HttpRequest | None = None
) -> tuple[Kiosk, str]:
    """A kiosk and the device token it signs in with (shown once, in its setup link)."""
    kiosk_questions(publication.survey)
    api_key, token = create_api_key(
        organisation=publication.unit.organisation,
        name=f"Kiosk: {name}",
        permissions=[Permission.SUBMIT_RESPONSES],
        units=[publication.unit],
        created_by=created_by,
        request=request,
    )
    kiosk = Kiosk(publication=publication, name=name, api_key=api_key)
    kiosk.full_clean()
    kiosk.save()
    return kiosk, token
