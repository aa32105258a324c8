"""Forms for configuring feedback and recording it, one module per group of pages:
`catalogue` (items, targets, service paths), `surveys` (the editor, publication,
invitations), `records` (verbal feedback, complaints, service volumes) and `imports`.
Every form is re-exported here, so views import them from `feedback.forms`.
"""

from .catalogue import LINES_HELP, ItemForm, ReviseItemForm, ServicePathForm, TargetForm, parse_lines
from .imports import ImportMappingForm, ImportUploadForm, SurveyStructureForm
from .records import ComplaintFilterForm, ComplaintForm, ServiceVolumeForm, VerbalFeedbackForm
from .surveys import (
    AddQuestionForm,
    InviteForm,
    PublicationLimitsForm,
    PublishForm,
    ShowIfForm,
    SurveyForm,
)

__all__ = [
    "LINES_HELP",
    "AddQuestionForm",
    "ComplaintFilterForm",
    "ComplaintForm",
    "ImportMappingForm",
    "ImportUploadForm",
    "InviteForm",
    "ItemForm",
    "PublicationLimitsForm",
    "PublishForm",
    "ReviseItemForm",
    "ServicePathForm",
    "ServiceVolumeForm",
    "ShowIfForm",
    "SurveyForm",
    "SurveyStructureForm",
    "TargetForm",
    "VerbalFeedbackForm",
    "parse_lines",
]
