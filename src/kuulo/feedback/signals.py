"""What the feedback domain tells other apps: responses stored and deleted, complaints saved.

Sent inside the transaction that stores or deletes the responses, so what a listener
writes (the insights aggregates, webhook deliveries) commits or rolls back together
with them. Feedback does not know who listens; insights and webhooks depend on
feedback, never the other way round.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.dispatch import Signal

# kwargs: responses=list[ResponseFacts]
responses_stored = Signal()
responses_deleted = Signal()
# kwargs: complaint=Complaint, created=bool (sent by services.save_complaint)
complaint_saved = Signal()
# kwargs: contact=ResponseContact, once a respondent's contact details are stored with their
# response (sent by services.submit_response; the follow-ups app opens a case)
contact_requested = Signal()


@dataclass(frozen=True)
class ResponseFacts:
    """What aggregates need of one response. `answers` hold objects with item_version_id,
    number, choices, text and cant_say (validated answers before the insert, Answer rows after)."""

    organisation_id: int
    unit_id: int
    touchpoint_id: int | None
    survey_id: int | None
    channel: str
    language: str
    respondent_type: str
    age_band: str
    sentiment: str
    responded_at: datetime
    answers: list[Any] = field(default_factory=list)
    response_id: int | None = None  # the stored row's id (for listeners that name responses)

    @classmethod
    def of(cls, row: dict[str, Any], answers: list[Any], response_id: int | None = None) -> "ResponseFacts":
        """From the column values of a Response row (by field name, as ingest keeps them)."""
        return cls(
            organisation_id=row["organisation_id"],
            unit_id=row["unit_id"],
            touchpoint_id=row.get("touchpoint_id"),
            survey_id=row.get("survey_id"),
            channel=row["channel"],
            language=row["language"],
            respondent_type=row.get("respondent_type", ""),
            age_band=row.get("age_band", ""),
            sentiment=row.get("sentiment", ""),
            responded_at=row["responded_at"],
            answers=answers,
            response_id=response_id,
        )

    @classmethod
    def of_response(cls, response: Any, answers: list[Any]) -> "ResponseFacts":
        return cls.of(
            {name: getattr(response, name) for name in FACT_COLUMNS},
            answers,
            response_id=response.pk,
        )


FACT_COLUMNS = (
    "organisation_id",
    "unit_id",
    "touchpoint_id",
    "survey_id",
    "channel",
    "language",
    "respondent_type",
    "age_band",
    "sentiment",
    "responded_at",
)
