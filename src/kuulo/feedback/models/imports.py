"""An import of responses from another tool's file: the file itself until it has run,
the column choices, progress and the error report (the steps are in feedback/imports.py).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kuulo.core.models import TimestampedModel

from .surveys import SurveyPublication


class ImportStatus(models.TextChoices):
    READING = "reading", _("Reading the file")
    MAPPING = "mapping", _("Waiting for column choices")
    QUEUED = "queued", _("Queued")
    CHECKING = "checking", _("Checking rows")
    SAVING = "saving", _("Saving")
    DONE = "done", _("Imported")
    REJECTED = "rejected", _("Rejected")
    FAILED = "failed", _("Stopped by an error")


class ResponseImport(TimestampedModel):
    """Responses brought in from a CSV or XLSX file exported from another tool.

    The file is kept in the database (not on one server's disk) until the import has
    run, so any worker can process it; it is emptied once the responses are stored, or
    when the file is refused as it is first read.
    Progress and the row-by-row error report live here too, so any app server can
    show them."""

    publication = models.ForeignKey(SurveyPublication, on_delete=models.PROTECT, related_name="imports")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    file_name = models.CharField(_("file"), max_length=255)
    file_format = models.CharField(max_length=4, choices=[("csv", "CSV"), ("xlsx", "XLSX")])
    encoding = models.CharField(max_length=20, blank=True)  # CSV only
    content = models.BinaryField(default=b"")
    content_hash = models.CharField(max_length=64)  # the file's SHA-256, in the audit log: which file it was
    columns = models.JSONField(default=list)  # the header row
    samples = models.JSONField(default=list)  # the first rows as text, shown beside the column choices
    language = models.CharField(max_length=2, default="fi")  # the error report's language
    # Column index (as text) -> what it holds: "q:<item code>", "responded_at", "language",
    # "respondent_type", "age_band", "external_id", "attribute", or "" for ignored.
    mapping = models.JSONField(default=dict)
    status = models.CharField(
        _("status"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.MAPPING
    )
    total_rows = models.PositiveIntegerField(default=0)
    checked_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    duplicate_count = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list)  # the first errors: {"row", "column", "message"}
    finished_at = models.DateTimeField(null=True, blank=True)

    access_unit_field = "publication__unit"

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("response import")
        verbose_name_plural = _("response imports")

    def __str__(self) -> str:
        return self.file_name

    @property
    def is_running(self) -> bool:
        return self.status in (
            ImportStatus.READING,
            ImportStatus.QUEUED,
            ImportStatus.CHECKING,
            ImportStatus.SAVING,
        )

    @property
    def percent(self) -> int:
        """Progress for the progress bar: checking is most of the work, saving the rest."""
        if self.status in (ImportStatus.DONE, ImportStatus.REJECTED, ImportStatus.FAILED):
            return 100
        if self.status == ImportStatus.SAVING:
            return 90
        if not self.total_rows:
            return 0
        return min(90, 90 * self.checked_rows // self.total_rows)
