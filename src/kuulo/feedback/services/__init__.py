"""Every write in the feedback domain: the catalogue, targets, service paths,
surveys and their publication, and the responses that arrive.

One module per concern: `catalogue`, `surveys` (service paths, surveys, publications),
`responses` (validating, storing and deleting responses), `records` (verbal feedback,
complaints, service volumes) and `kiosks`. Their public functions and classes are
re-exported here, so callers write `services.submit_response(...)` whichever module
holds it: views, forms, other apps, the demo and tests use this package.

No import goes round in a circle: the modules here import neither each other nor this
package, abuse.py and invitations.py (which they use) import no service, and ingest.py
and volumes.py import the one module they build on (`services.responses`,
`services.records`).
"""

from .catalogue import create_item, revise_item, set_target
from .kiosks import KIOSK_RATING_KINDS, create_kiosk, kiosk_questions
from .records import (
    COMPLAINT_FIELDS,
    VOLUME_FIELDS,
    fill_service_volume,
    record_service_volume,
    record_verbal_feedback,
    save_complaint,
)
from .responses import (
    CANT_SAY,
    CONSENT_TEXT_VERSION,
    CleanAnswer,
    Submission,
    clean_answer,
    delete_responses,
    submit_response,
    validate_submission,
    visible_questions,
)
from .surveys import (
    LINK_CODE_ALPHABET,
    add_question,
    add_touchpoint,
    answer_values,
    check_standard_set,
    close_survey,
    create_service_path,
    create_survey,
    move_question,
    new_link_code,
    publish_survey,
    remove_question,
    set_address_limits,
    set_identified,
    set_show_if,
    standard_question_ids,
)

__all__ = [
    "CANT_SAY",
    "COMPLAINT_FIELDS",
    "CONSENT_TEXT_VERSION",
    "KIOSK_RATING_KINDS",
    "LINK_CODE_ALPHABET",
    "VOLUME_FIELDS",
    "CleanAnswer",
    "Submission",
    "add_question",
    "add_touchpoint",
    "answer_values",
    "check_standard_set",
    "clean_answer",
    "close_survey",
    "create_item",
    "create_kiosk",
    "create_service_path",
    "create_survey",
    "delete_responses",
    "fill_service_volume",
    "kiosk_questions",
    "move_question",
    "new_link_code",
    "publish_survey",
    "record_service_volume",
    "record_verbal_feedback",
    "remove_question",
    "revise_item",
    "save_complaint",
    "set_address_limits",
    "set_identified",
    "set_show_if",
    "set_target",
    "standard_question_ids",
    "submit_response",
    "validate_submission",
    "visible_questions",
]
