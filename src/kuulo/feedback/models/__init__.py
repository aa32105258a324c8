"""The feedback domain's models, one module per concern:

- `catalogue`: items and their immutable versions, standard question sets, targets;
- `surveys`: service paths and touchpoints, surveys, their questions and publications;
- `channels`: how responses arrive, kiosks, personal invitations and their daily funnel;
- `responses`: responses, answers, contact details, kiosk answers on hold, used start tokens;
- `records`: complaints and reminders, service volumes;
- `imports`: imports of other tools' files.

A module imports only modules above it in this list. Every model is imported here:
Django looks for an app's models in its `models` module, and callers import them as
`kuulo.feedback.models.X` whichever module defines them.
"""

from .catalogue import (
    CHOICE_KINDS,
    FIXED_SCALES,
    HEADLINE_KINDS,
    MAX_NUMBER_STEPS,
    NUMBER_BUCKETS,
    RATING_KINDS,
    Dimension,
    Item,
    ItemKind,
    ItemVersion,
    ItemVersionQuerySet,
    QuestionSet,
    QuestionSetItem,
    Target,
    TargetMeasure,
)
from .channels import Channel, Invitation, InvitationDay, Kiosk
from .imports import AnswerValueMap, ImportStatus, PartialRows, ResponseImport
from .records import Complaint, ComplaintKind, ComplaintOutcome, ComplaintStatus, ServiceVolume
from .responses import (
    AgeBand,
    Answer,
    HeldAnswer,
    HeldAnswerStatus,
    RespondentType,
    Response,
    ResponseContact,
    Sentiment,
    UsedStartToken,
)
from .surveys import (
    RECOMMENDED_MAX_QUESTIONS,
    ServicePath,
    Survey,
    SurveyPublication,
    SurveyQuestion,
    SurveyStatus,
    Touchpoint,
)

__all__ = [
    "CHOICE_KINDS",
    "FIXED_SCALES",
    "HEADLINE_KINDS",
    "MAX_NUMBER_STEPS",
    "NUMBER_BUCKETS",
    "RATING_KINDS",
    "RECOMMENDED_MAX_QUESTIONS",
    "AgeBand",
    "Answer",
    "AnswerValueMap",
    "Channel",
    "Complaint",
    "ComplaintKind",
    "ComplaintOutcome",
    "ComplaintStatus",
    "Dimension",
    "HeldAnswer",
    "HeldAnswerStatus",
    "ImportStatus",
    "Invitation",
    "InvitationDay",
    "Item",
    "ItemKind",
    "ItemVersion",
    "ItemVersionQuerySet",
    "Kiosk",
    "PartialRows",
    "QuestionSet",
    "QuestionSetItem",
    "RespondentType",
    "Response",
    "ResponseContact",
    "ResponseImport",
    "Sentiment",
    "ServicePath",
    "ServiceVolume",
    "Survey",
    "SurveyPublication",
    "SurveyQuestion",
    "SurveyStatus",
    "Target",
    "TargetMeasure",
    "Touchpoint",
    "UsedStartToken",
]
