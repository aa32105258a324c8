"""Background work of the privacy domain."""

from django.tasks import task

from . import retention


@task
def apply_retention() -> dict[str, dict[str, int]]:
    """Apply every organisation's retention periods (daily; safe to run twice)."""
    return retention.apply_everywhere()
