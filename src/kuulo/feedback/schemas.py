"""API schemas for sending responses.

Plain pydantic models, not ninja.Schema: these read JSON, never ORM objects, and
ninja.Schema's ORM-attribute validator costs more than the rest of a 1,000-response
batch's parsing."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field


class ResponseIn(BaseModel):
    link: str = Field(description="The survey link code (the end of /f/<code>/): says which survey and unit.")
    answers: dict[str, Any] = Field(
        description='Answers keyed by catalogue item code, e.g. {"csat": 4, "open": "Thank you"}.'
    )
    responded_at: datetime | None = Field(
        None, description="When the customer answered (ISO 8601 with time zone)."
    )
    language: str = Field("fi", description="fi, sv or en")
    channel: str = Field("api", description="api, link, qr, widget, kiosk, email, sms or import")
    idempotency_key: str | None = Field(
        None,
        max_length=200,
        description="Your unique id for this response: a retry with it never stores a duplicate.",
    )
    respondent_type: str = Field("", description="student, applicant, employer, partner, citizen or other")
    age_band: str = Field("", description="-17, 18-29, 30-49, 50-64 or 65-")
    attributes: dict[str, Any] = Field(default_factory=dict, description="Other segment attributes.")


class BatchIn(BaseModel):
    responses: list[ResponseIn]


class ResponseStored(BaseModel):
    index: int
    id: int | None = Field(description="The stored response; empty for an answer on hold.")
    status: str = Field(
        description="created; duplicate when the idempotency key was stored before with the same "
        "content; held when a kiosk's answer could not be stored and waits for a CX lead"
    )


class BatchOut(BaseModel):
    created: int
    duplicates: int
    held: int = Field(0, description="Kiosk answers kept on hold (kiosk device tokens only).")
    results: list[ResponseStored]


class VolumeIn(BaseModel):
    unit: str = Field(description="The unit's code.")
    touchpoint: str | None = Field(
        None, description="Optional touchpoint as <service path code>.<touchpoint code>, e.g. studies.apply"
    )
    date: date
    customers_served: int = Field(ge=0)
    customers_offered_survey: int | None = Field(None, ge=0)
    waiting_minutes: Decimal | None = Field(
        None, ge=0, description="Average waiting or call-back time, minutes."
    )
    processing_days: Decimal | None = Field(None, ge=0, description="Average processing time, days.")


class VolumeBatchIn(BaseModel):
    volumes: list[VolumeIn]


class VolumeBatchOut(BaseModel):
    saved: int
