"""Aggregates: what dashboards read instead of raw responses.

Each table holds sums for one grain (day × unit × touchpoint × …), kept up to date in
the transaction that stores or deletes responses (`aggregates.py`) and rebuildable
from raw data (`manage.py rebuild_aggregates`). Keys are plain integers, not foreign
keys: rows are derived data, upserted by key, and 0 stands for "none" (a unique key
with NULL in it would never conflict, so the upsert could not find its row).

Distributions are counts per scale point, counted from the scale's minimum: c0 is the
lowest point (0 for NPS, 1 for CSAT), c10 the eleventh. Means, NPS, top-2-box shares
and confidence intervals all come from n, total, total_sq and these counts.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kuulo.core.models import LanguageChoice

SCALE_POINTS = 11  # the longest scale (NPS 0–10) has 11 points


class Where(models.Model):
    """Where and when: the start of every aggregate's key (0 = no touchpoint)."""

    organisation_id = models.IntegerField()
    day = models.DateField()
    unit_id = models.IntegerField()
    touchpoint_id = models.IntegerField()

    class Meta:
        abstract = True


class Segment(models.Model):
    """Who answered, and through which channel: the filters besides time and place."""

    channel = models.CharField(max_length=10)
    language = models.CharField(max_length=2)
    respondent_type = models.CharField(max_length=20)
    age_band = models.CharField(max_length=10)

    class Meta:
        abstract = True


class Stats(models.Model):
    """Sums over numeric answers (and a count of free-text answers) of one group."""

    n = models.IntegerField(default=0)
    total = models.BigIntegerField(default=0)
    total_sq = models.BigIntegerField(default=0)
    c0 = models.IntegerField(default=0)
    c1 = models.IntegerField(default=0)
    c2 = models.IntegerField(default=0)
    c3 = models.IntegerField(default=0)
    c4 = models.IntegerField(default=0)
    c5 = models.IntegerField(default=0)
    c6 = models.IntegerField(default=0)
    c7 = models.IntegerField(default=0)
    c8 = models.IntegerField(default=0)
    c9 = models.IntegerField(default=0)
    c10 = models.IntegerField(default=0)
    texts = models.IntegerField(default=0)
    cant_say = models.IntegerField(default=0)  # "can't say" answers: not in n or the counts

    class Meta:
        abstract = True


WHERE = ["organisation_id", "day", "unit_id", "touchpoint_id"]
SEGMENT = ["channel", "language", "respondent_type", "age_band"]


def key(name: str, *fields: str) -> list[models.BaseConstraint]:
    """The unique key the aggregates upsert on (ON CONFLICT needs it)."""
    return [models.UniqueConstraint(fields=list(fields), name=name)]


def by_unit(name: str) -> list[models.Index]:
    """One unit's days without reading every unit's (the key goes organisation, day, unit)."""
    return [models.Index(fields=["organisation_id", "unit_id", "day"], name=name)]


class DailyItemStats(Where, Stats):
    """Per day × unit × touchpoint × item version: what unfiltered dashboards read."""

    item_version_id = models.IntegerField()

    class Meta:
        constraints = key("daily_item_stats_key", *WHERE, "item_version_id")
        indexes = by_unit("daily_item_stats_unit")

    def __str__(self) -> str:
        return f"{self.day} unit {self.unit_id} item version {self.item_version_id}: n={self.n}"


class DailySegmentStats(Where, Segment, Stats):
    """The same sums split by channel and respondent segment, for filtered views."""

    item_version_id = models.IntegerField()

    class Meta:
        constraints = key("daily_segment_stats_key", *WHERE, "item_version_id", *SEGMENT)
        indexes = by_unit("daily_segment_stats_unit")

    def __str__(self) -> str:
        return (
            f"{self.day} unit {self.unit_id} item version {self.item_version_id} {self.channel}: n={self.n}"
        )


class DailyChoiceCount(Where, Segment):
    """How often each choice of a choice item was picked."""

    item_version_id = models.IntegerField()
    choice = models.CharField(max_length=50)
    count = models.IntegerField(default=0)

    class Meta:
        constraints = key("daily_choice_count_key", *WHERE, "item_version_id", *SEGMENT, "choice")

    def __str__(self) -> str:
        return f"{self.day} unit {self.unit_id} {self.choice}: {self.count}"


class DailyResponseCount(Where, Segment):
    """Responses (not answers) per day, unit, touchpoint, survey, channel, segment and
    sentiment: response rates, verbal feedback volumes, channel mix."""

    survey_id = models.IntegerField()  # 0: not through a survey (verbal feedback)
    sentiment = models.CharField(max_length=10)
    count = models.IntegerField(default=0)

    class Meta:
        constraints = key("daily_response_count_key", *WHERE, "survey_id", *SEGMENT, "sentiment")
        indexes = by_unit("daily_response_count_unit")

    def __str__(self) -> str:
        return f"{self.day} unit {self.unit_id} {self.channel}: {self.count}"


class DailyUnitCount(Where):
    """Responses per day, unit, touchpoint and channel: the unfiltered dashboards' counts
    (the segment grain above is many times larger)."""

    channel = models.CharField(max_length=10)
    count = models.IntegerField(default=0)

    class Meta:
        constraints = key("daily_unit_count_key", *WHERE, "channel")
        indexes = by_unit("daily_unit_count_unit")

    def __str__(self) -> str:
        return f"{self.day} unit {self.unit_id} {self.channel}: {self.count}"


class Digest(models.TextChoices):
    NONE = "", _("No digest")
    DAILY = "daily", _("Every morning")
    WEEKLY = "weekly", _("Every Monday")


class AlertSubscription(models.Model):
    """What a person wants to hear about one unit (its whole subtree)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alert_subscriptions"
    )
    unit = models.ForeignKey(
        "organisations.Unit", on_delete=models.CASCADE, related_name="+", verbose_name=_("unit")
    )
    below_target = models.BooleanField(_("when a figure falls below its target"), default=True)
    significant_drop = models.BooleanField(
        _("when a figure drops more than chance would explain"), default=True
    )
    digest = models.CharField(
        _("digest"), max_length=10, choices=Digest.choices, default=Digest.WEEKLY, blank=True
    )
    email = models.BooleanField(_("also by e-mail"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    access_unit_field = "unit"

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "unit"], name="alert_subscription_unique")]
        verbose_name = _("alert subscription")
        verbose_name_plural = _("alert subscriptions")

    def __str__(self) -> str:
        return f"{self.user} → {self.unit}"


class Notification(models.Model):
    """A message in the person's own list (and, if they asked, their e-mail)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    # None: about the whole organisation (a report of it).
    unit = models.ForeignKey("organisations.Unit", on_delete=models.CASCADE, related_name="+", null=True)
    kind = models.CharField(max_length=10)  # "alert", "digest" or "report"
    title = models.CharField(max_length=200)
    body = models.TextField()
    url = models.CharField(max_length=300)
    # The same alert (unit, item, reason, week) or digest (unit, day) is never sent twice.
    key = models.CharField(max_length=120)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="notification_key_unique")]

    def __str__(self) -> str:
        return self.title


class ReportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Being prepared")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


class ReportSchedule(models.Model):
    """A PDF report of one unit (or, without a unit, the whole organisation) that a person
    receives every month: last month's report, made on the 1st."""

    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.CASCADE, related_name="+")
    # Like an alert subscription, a schedule goes with its unit.
    unit = models.ForeignKey(
        "organisations.Unit",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("unit"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="report_schedules"
    )
    language = models.CharField(_("language of the report"), max_length=2, choices=LanguageChoice.choices)
    email = models.BooleanField(_("also tell me by e-mail"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    # A unit's schedule needs the unit in scope; the organisation's, the organisation.
    access_unit_field = "unit"
    access_organisation_field = "organisation"

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "unit"], condition=models.Q(unit__isnull=False), name="report_schedule_unit"
            ),
            models.UniqueConstraint(
                fields=["user", "organisation"],
                condition=models.Q(unit__isnull=True),
                name="report_schedule_organisation",
            ),
        ]
        verbose_name = _("monthly report")
        verbose_name_plural = _("monthly reports")

    def __str__(self) -> str:
        return f"{self.user} → {self.unit or self.organisation}"


class Report(models.Model):
    """A PDF report of a unit (or, without a unit, the whole organisation) for a period,
    made in the background. The file is kept in the database, so that any app server
    can hand it out."""

    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.CASCADE, related_name="+")
    # A report of a unit with no responses is worth nothing once the unit is deleted.
    unit = models.ForeignKey(
        "organisations.Unit", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))
    language = models.CharField(_("language"), max_length=2, choices=LanguageChoice.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="reports"
    )
    schedule = models.ForeignKey(
        ReportSchedule, on_delete=models.SET_NULL, null=True, blank=True, related_name="reports"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(default=0)  # 0–100
    content = models.BinaryField(default=b"")
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    access_unit_field = "unit"
    access_organisation_field = "organisation"

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            # A schedule makes each month's report once, however often the daily run goes.
            models.UniqueConstraint(
                fields=["schedule", "period_start"],
                condition=models.Q(schedule__isnull=False),
                name="report_schedule_period",
            )
        ]
        verbose_name = _("report")
        verbose_name_plural = _("reports")

    def __str__(self) -> str:
        return f"{self.unit or self.organisation} {self.period_start}–{self.period_end}"

    @property
    def is_running(self) -> bool:
        return self.status in (ReportStatus.QUEUED, ReportStatus.RUNNING)

    @property
    def subject_name(self) -> str:
        """What the report is about: the unit, or the organisation."""
        return str(self.unit.name if self.unit else self.organisation.name)

    @property
    def file_name(self) -> str:
        subject = self.unit.code if self.unit else self.organisation.slug
        return f"kuulo-{subject}-{self.period_start}-{self.period_end}.pdf"
