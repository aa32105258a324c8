"""What every API error looks like, and how requests the API cannot read are answered.

One error body for every operation and status (401, 403, 404, 409, 413, 422), so a client
generated from the OpenAPI schema can read any refusal: a sentence in `detail` and, when
particular values were wrong, one entry per value in `errors` with its position in a
batch (-1 when the request as a whole) and its field."""

from typing import Any

from pydantic import BaseModel, Field


class FieldErrorOut(BaseModel):
    index: int = Field(description="Position of the item in a batch (0 for a single item; -1: the request)")
    field: str = Field(description="Where the value was, e.g. answers.csat, responded_at, start")
    message: str


class ErrorOut(BaseModel):
    detail: str
    errors: list[FieldErrorOut] = Field(default_factory=list)


def validation_errors(raw: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Pydantic's errors (loc, msg) as FieldErrorOut values. A location such as
    ("body", "payload", "responses", 3, "answers") becomes index 3, field "answers"."""
    errors = []
    for error in _one_branch(raw):
        location = [part for part in error.get("loc", ()) if part not in ("body", "payload", "query", "path")]
        location = [part for part in location if not _is_model_name(part)]
        index = -1
        if len(location) >= 2 and location[0] in ("responses", "volumes") and isinstance(location[1], int):
            index, location = location[1], location[2:]
        field = ".".join(str(part) for part in location) or "body"
        errors.append({"index": index, "field": field, "message": str(error.get("msg", ""))})
    return errors


def _is_model_name(part: Any) -> bool:
    return isinstance(part, str) and part[:1].isupper()


def _one_branch(raw: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A body that may be one of several shapes (one response or a batch) is reported
    against the shape it was meant as: the one whose own top-level fields are present."""
    branches: dict[str, list[dict[str, Any]]] = {}
    for error in raw:
        branch = next((part for part in error.get("loc", ()) if _is_model_name(part)), "")
        branches.setdefault(branch, []).append(error)
    if len(branches) < 2:
        return raw

    def misses_own_fields(errors: list[dict[str, Any]]) -> bool:
        return any(e.get("type") == "missing" and _is_model_name(e.get("loc", ())[-2:][0]) for e in errors)

    return min(branches.values(), key=lambda errors: (misses_own_fields(errors), len(errors)))
