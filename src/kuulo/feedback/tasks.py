"""Background work of the feedback domain. Tasks take ids, re-read state and are safe to run twice."""

from django.tasks import task

from . import imports, invitations


@task
def send_invitations(invitation_ids: list[int]) -> int:
    """Send the invitations among these that have not been sent yet; returns how many were sent."""
    return invitations.send_pending(invitation_ids)


@task
def send_reminders(publication_id: int) -> int:
    """One reminder to everyone invited to this publication who has not answered."""
    return invitations.send_reminders(publication_id)


@task
def read_import_file(import_id: int) -> None:
    """Read an uploaded response file's columns and rows, so they can be chosen."""
    imports.read_file(import_id)


@task
def run_import(import_id: int) -> None:
    """Check a queued response import row by row and store it if it has no errors."""
    imports.run_import(import_id)
