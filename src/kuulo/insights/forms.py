"""The dashboards' filter form: period, touchpoint, channel and respondent segment."""

from datetime import date, timedelta
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from kuulo.core.forms import limit_choices
from kuulo.core.models import LanguageChoice
from kuulo.feedback.models import AgeBand, Channel, RespondentType, Touchpoint

from .answer_split import answer_groups
from .metrics import Filters
from .models import AlertSubscription
from .periods import CALENDAR_PERIODS, calendar_period, period_error
from .results import SEGMENT_LABELS

PERIODS = [
    ("7", _("Last 7 days")),
    ("28", _("Last 28 days")),
    ("90", _("Last 90 days")),
    ("365", _("Last 365 days")),
    *CALENDAR_PERIODS,
    ("custom", _("Chosen days")),
]
SPLITS = ("touchpoint", "channel", "language", "respondent_type", "age_band")


def _all(label: Any, choices: Any) -> list[tuple[str, Any]]:
    return [("", label), *choices]


class DashboardFilterForm(forms.Form):
    period = forms.ChoiceField(label=_("Period"), choices=PERIODS, initial="28", required=False)
    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    compare = forms.ChoiceField(
        label=_("Changes from"),
        choices=[("", _("The period before")), ("year", _("The same days a year earlier"))],
        required=False,
    )
    touchpoint = forms.ModelChoiceField(
        label=_("Touchpoint"),
        queryset=Touchpoint.objects.none(),
        required=False,
        empty_label=_("All touchpoints"),
    )
    channel = forms.ChoiceField(
        label=_("Channel"), choices=_all(_("All channels"), Channel.choices), required=False
    )
    language = forms.ChoiceField(
        label=_("Language"), choices=_all(_("All languages"), LanguageChoice.choices), required=False
    )
    respondent_type = forms.ChoiceField(
        label=_("Respondent"), choices=_all(_("All respondents"), RespondentType.choices), required=False
    )
    age_band = forms.ChoiceField(
        label=_("Age group"), choices=_all(_("All ages"), AgeBand.choices), required=False
    )

    def __init__(self, *args: Any, touchpoints: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(self, "touchpoint", touchpoints)
        self.fields["touchpoint"].label_from_instance = lambda tp: f"{tp.service_path.name} › {tp.name}"  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        # One way to split the respondents at a time: combined, the groups get so small that
        # hiding them consistently across every view cannot be guaranteed (ADR 0005).
        if sum(1 for name in SPLITS if data.get(name)) > 1:
            raise ValidationError(
                _(
                    "Choose one of touchpoint, channel, language, respondent and age group at a "
                    "time: combined, the groups get too small to show without giving anyone away."
                )
            )
        if data.get("period") == "custom":
            start, end = data.get("start"), data.get("end")
            if not start or not end:
                raise ValidationError(_("Give both the first and the last day."))
            if error := period_error(start, end):
                raise ValidationError(error)
        return data

    def filters(self, today: date) -> Filters:
        """The chosen filters; the defaults (last 28 days, everything) when the form is invalid.
        Periods end yesterday at the latest: figures are of complete days (ADR 0005)."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        period = data.get("period") or "28"
        if period == "custom":
            start, end = data["start"], data["end"]
        elif not period.isdigit():
            start, end = calendar_period(period, today)
        else:
            end = today - timedelta(days=1)
            start = end - timedelta(days=int(period) - 1)
        touchpoint = data.get("touchpoint")
        return Filters(
            start=start,
            end=end,
            touchpoint_id=touchpoint.pk if touchpoint else None,
            compare=data.get("compare", ""),
            channel=data.get("channel", ""),
            language=data.get("language", ""),
            respondent_type=data.get("respondent_type", ""),
            age_band=data.get("age_band", ""),
        ).completed(today)


class SurveyResultsForm(DashboardFilterForm):
    """A survey's results: the period, the unit, and one split by the answer to one of the
    survey's questions: every question by its answer groups (a cross-tabulation), or only
    the respondents of one group (ADR 0011)."""

    unit = forms.IntegerField(widget=forms.HiddenInput, required=False)
    by = forms.ChoiceField(label=_("Break down by"), required=False)
    only = forms.ChoiceField(label=_("Only respondents who answered"), required=False)

    def __init__(self, *args: Any, touchpoints: Any, questions: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, touchpoints=touchpoints, **kwargs)
        numbered = [
            (number, q) for number, q in enumerate(questions, start=1) if answer_groups(q.item_version)
        ]
        self.questions = {str(q.pk): q for _number, q in numbered}
        self.fields["by"].choices = [  # type: ignore[attr-defined]
            ("", _("No breakdown")),
            (_("Respondents"), [(name, self.fields[name].label) for name in SEGMENT_LABELS]),
            (_("Answer to a question"), [(str(q.pk), f"{n}. {q.item_version.text}") for n, q in numbered]),
        ]
        self.fields["only"].choices = [  # type: ignore[attr-defined]
            ("", _("All respondents")),
            *(
                (
                    f"{number}. {q.item_version.text}",
                    [(f"{q.pk}:{group.key}", group.label) for group in answer_groups(q.item_version)],
                )
                for number, q in numbered
            ),
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("by") and data.get("only"):
            raise ValidationError(
                _(
                    "Break down the results or show one answer's respondents, not both at once: "
                    "combined, the groups get too small to show without giving anyone away."
                )
            )
        return data

    def split(self) -> tuple[Any, str, str]:
        """The survey question to split by and the group to show alone ("" all), or the
        segment to break down by."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        if only := data.get("only"):
            question, group = only.split(":", 1)
            return self.questions[question], group, ""
        if (by := data.get("by", "")) in SEGMENT_LABELS:
            return None, "", by
        if by:
            return self.questions[by], "", ""
        return None, "", ""


class AlertSubscriptionForm(forms.ModelForm[AlertSubscription]):
    class Meta:
        model = AlertSubscription
        fields = ["unit", "below_target", "significant_drop", "digest", "email"]

    def __init__(self, *args: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(self, "unit", units)


REPORT_PERIODS = [
    ("last_month", _("Last month")),
    ("this_month", _("This month so far")),
    ("90", _("Last 90 days")),
    ("365", _("Last 12 months")),
    ("custom", _("Chosen days")),
]


def _subject_field(units: Any, whole_organisation: bool) -> forms.ModelChoiceField[Any]:
    """A unit of the person's, or (for those who see every unit) the whole organisation."""
    return forms.ModelChoiceField(
        label=_("Report of"),
        queryset=units,
        required=not whole_organisation,
        empty_label=_("The whole organisation") if whole_organisation else None,
    )


class ReportRequestForm(forms.Form):
    """What a PDF report covers: a unit (or the organisation), a period and a language."""

    # Its fields sit beside the dashboard filters on the same page: "report-" keeps ids apart.
    prefix = "report"

    period = forms.ChoiceField(label=_("Period"), choices=REPORT_PERIODS, initial="last_month")
    start = forms.DateField(
        label=_("From"),
        required=False,
        help_text=_("From and To are used with the period “Chosen days”."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    end = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    language = forms.ChoiceField(label=_("Language of the report"), choices=LanguageChoice.choices)

    def __init__(self, *args: Any, units: Any, whole_organisation: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields = {"unit": _subject_field(units, whole_organisation), **self.fields}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("period") == "custom":
            if not (data.get("start") and data.get("end")):
                raise ValidationError(_("Give both the first and the last day."))
            if error := period_error(data["start"], data["end"]):
                raise ValidationError(error)
        return data

    def period_days(self, today: date) -> tuple[date, date]:
        """The first and last day of the chosen period (call when valid)."""
        period = self.cleaned_data["period"]
        if period == "custom":
            return self.cleaned_data["start"], self.cleaned_data["end"]
        if period == "last_month":
            return calendar_period("month", today)
        if period == "this_month":
            return today.replace(day=1), today
        return today - timedelta(days=int(period) - 1), today


class ReportScheduleForm(forms.Form):
    language = forms.ChoiceField(label=_("Language of the report"), choices=LanguageChoice.choices)
    # The model field's name, capitalised as a label (a ModelForm would do it itself).
    email = forms.BooleanField(label=capfirst(_("also tell me by e-mail")), required=False, initial=True)

    def __init__(self, *args: Any, units: Any, whole_organisation: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields = {"unit": _subject_field(units, whole_organisation), **self.fields}
