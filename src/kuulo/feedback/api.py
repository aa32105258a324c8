"""Ingest API: other systems send responses here, one at a time or in batches."""

from django.http import HttpRequest
from ninja import Router, Status

from kuulo.core.api import ErrorOut
from kuulo.organisations.access import Permission, has_permission
from kuulo.organisations.api_auth import needs, principal

from . import ingest, quarantine, volumes
from .schemas import BatchIn, BatchOut, ResponseIn, VolumeBatchIn, VolumeBatchOut

router = Router(tags=["responses"])


def _incoming(item: ResponseIn) -> ingest.IncomingResponse:
    return ingest.IncomingResponse(**item.model_dump())


@router.post(
    "/responses",
    response={201: BatchOut, 200: BatchOut, 403: ErrorOut, 409: ErrorOut, 413: ErrorOut, 422: ErrorOut},
    summary="Send one response or a batch",
    openapi_extra={"requestBody": {"required": True}, **needs(Permission.SUBMIT_RESPONSES)},
)
def post_responses(request: HttpRequest, payload: BatchIn | ResponseIn) -> Status:
    """Validates everything first: if any response has an error, nothing is stored and
    every error is listed with its position and field. Responses whose idempotency key
    was stored before through the same link, with the same content, are reported as
    duplicates, so retrying a request is safe; a key stored with other content is a
    conflict (409) and nothing of the batch is stored."""
    caller = principal(request)
    if not has_permission(caller, Permission.SUBMIT_RESPONSES):
        return Status(403, {"detail": "This key may not send responses.", "errors": []})
    items = [_incoming(item) for item in (payload.responses if isinstance(payload, BatchIn) else [payload])]
    # A kiosk has thanked its customers already: what cannot be stored is held, not refused.
    kiosk = getattr(caller, "kiosk", None)
    try:
        result = quarantine.receive(kiosk, items) if kiosk is not None else ingest.ingest(caller, items)
    except ingest.KeyConflict as conflict:
        detail = "Nothing was stored: these idempotency keys were used before for other responses."
        return Status(409, {"detail": detail, "errors": _errors(conflict)})
    except ingest.BatchRejected as rejected:
        detail = "Nothing was stored: fix these errors and send again."
        return Status(422, {"detail": detail, "errors": _errors(rejected)})
    status = {index: "duplicate" for index in result.duplicates} | {index: "held" for index in result.held}
    results = [
        {"index": index, "id": response_id, "status": status.get(index, "created")}
        for index, response_id in enumerate(result.ids)
    ]
    body = {
        "created": len(result.created),
        "duplicates": len(result.duplicates),
        "held": len(result.held),
        "results": results,
    }
    return Status(201 if result.created else 200, body)


def _errors(rejected: ingest.BatchRejected) -> list[dict[str, object]]:
    return [{"index": e.index, "field": e.field, "message": e.message} for e in rejected.errors]


@router.post(
    "/service-volumes",
    response={200: VolumeBatchOut, 403: ErrorOut, 413: ErrorOut, 422: ErrorOut},
    summary="Send daily service volumes, waiting and processing times",
    openapi_extra=needs(Permission.RECORD_VOLUMES),
)
def post_service_volumes(request: HttpRequest, payload: VolumeBatchIn) -> Status:
    """One row per unit (and optionally touchpoint) and day. A day sent again replaces the
    earlier numbers. All rows are checked first; if any has an error, nothing is saved."""
    caller = principal(request)
    if not has_permission(caller, Permission.RECORD_VOLUMES):
        return Status(403, {"detail": "This key may not send service volumes.", "errors": []})
    try:
        saved = volumes.save_batch(caller, [row.model_dump() for row in payload.volumes])
    except volumes.BatchRejected as rejected:
        errors = [{"index": e.index, "field": e.field, "message": e.message} for e in rejected.errors]
        return Status(
            422, {"detail": "Nothing was saved: fix these errors and send again.", "errors": errors}
        )
    return Status(200, {"saved": saved})
