"""An import of responses from another tool's file: the file itself until it has run,
the column choices, progress and the error report (the steps are in feedback/imports.py);
and how another tool writes a survey's answers, remembered for the next import.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kuulo.core.models import TimestampedModel

from .catalogue import Item
from .surveys import Survey, SurveyPublication


class ImportStatus(models.TextChoices):
    READING = "reading", _("Reading the file")
    MAPPING = "mapping", _("Waiting for column choices")
    QUEUED = "queued", _("Queued")
    CHECKING = "checking", _("Checking rows")
    SAVING = "saving", _("Saving")
    DONE = "done", _("Imported")
    REJECTED = "rejected", _("Rejected")
    FAILED = "failed", _("Stopped by an error")


class PartialRows(models.TextChoices):
    """What to do with a row the respondent never finished (no submit time)."""

    SKIP = "skip", _("Leave them out")
    IMPORT = "import", _("Import them, dated by their own start or last-action time")


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
    # Unfinished responses (a submit-time column, empty in the row): left out or imported.
    partial_rows = models.CharField(
        _("unfinished responses"), max_length=6, choices=PartialRows.choices, default=PartialRows.SKIP
    )
    skipped_count = models.PositiveIntegerField(default=0)  # unfinished rows left out
    # What the report should say besides errors: {"column", "message", "stage"}, e.g. answers
    # "En osaa sanoa" stored as not answered, the encoding read, unfinished rows left out.
    notes = models.JSONField(default=list)
    # Column index (as text) -> the few different values it holds (a column with many, such as
    # comments, is left out): what the answer-value choices of the mapping step are made from.
    values = models.JSONField(default=dict)
    finished_at = models.DateTimeField(null=True, blank=True)

    access_unit_field = "publication__unit"

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("response import")
        verbose_name_plural = _("response imports")

    def __str__(self) -> str:
        return self.file_name

    @property
    def row_label(self) -> str:
        """What the report's row numbers count: a CSV file's lines, a workbook's sheet rows."""
        return str(_("Sheet row") if self.file_format == "xlsx" else _("Line"))

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


class AnswerValueMap(TimestampedModel):
    """How another tool writes the answers to one of a survey's questions, remembered for
    the survey's next imports: answer codes and labels (LimeSurvey's "AO01", Webropol's
    "Melko tyytyväinen") and the Kuulo value each stands for. It is filled from a LimeSurvey
    structure file and from the values a person chose in an import's mapping step."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="answer_value_maps")
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="+")
    # The question's code in the other tool, as its exports head the column ("Q3[SQ001]").
    source_code = models.CharField(max_length=100, blank=True)
    # Its wording there, as an export with question texts heads the column.
    source_texts = models.JSONField(default=list)
    # Normalised code or label (import_values.normalised) -> the Kuulo value as text
    # ("4", "web", "1"), or "" for "can't say", "no answer" or "not reached".
    values = models.JSONField(default=dict)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["survey", "item"], name="answer_value_map_unique")]

    def __str__(self) -> str:
        return f"{self.survey_id}: {self.source_code or self.item_id}"
