"""Forms for what staff record (views/records.py): verbal feedback, complaints and
service volumes."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kuulo.core.forms import limit_choices
from kuulo.organisations.forms import UnitChoiceField
from kuulo.organisations.models import Unit

from ..models import Complaint, ComplaintKind, ComplaintStatus, Sentiment, Touchpoint


class VerbalFeedbackForm(forms.Form):
    HOW_CHOICES = [
        ("counter", _("At the service point")),
        ("phone", _("On the phone")),
        ("visit", _("On a visit or at an event")),
        ("other", _("Some other way")),
    ]
    unit = UnitChoiceField(label=_("Unit"), queryset=Unit.objects.none())
    touchpoint = forms.ModelChoiceField(
        label=_("Touchpoint"),
        queryset=Touchpoint.objects.none(),
        required=False,
        empty_label=_("(not known)"),
    )
    how = forms.ChoiceField(label=_("Where did you hear it?"), choices=HOW_CHOICES, widget=forms.RadioSelect)
    sentiment = forms.ChoiceField(
        label=_("How did it feel?"), choices=Sentiment.choices, widget=forms.RadioSelect
    )
    text = forms.CharField(
        label=_("What did the customer say?"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
        help_text=_(
            "In the customer's own words where you can. Do not write names or other personal details."
        ),
    )

    def __init__(self, *args: Any, units: Any, touchpoints: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(self, "unit", units)
        limit_choices(self, "touchpoint", touchpoints)
        self.fields["touchpoint"].label_from_instance = lambda tp: f"{tp.service_path.name} › {tp.name}"  # type: ignore[attr-defined]


class ComplaintForm(forms.ModelForm):
    unit = UnitChoiceField(label=_("Unit"), queryset=Unit.objects.none())

    class Meta:
        model = Complaint
        fields = [
            "kind",
            "case_number",
            "unit",
            "received_on",
            "status",
            "handler",
            "summary",
            "decided_on",
            "outcome",
            "outcome_notes",
        ]
        widgets = {
            "received_on": forms.DateInput(attrs={"type": "date"}),
            "decided_on": forms.DateInput(attrs={"type": "date"}),
            "summary": forms.Textarea(attrs={"rows": 3}),
            "outcome_notes": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "summary": _("What the case is about, without names or other personal details."),
            "case_number": _("The number in the case-management system (diaarinumero)."),
        }

    def __init__(self, *args: Any, units: Any, handlers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(self, "unit", units)
        limit_choices(self, "handler", handlers)

    def _post_clean(self) -> None:
        # Model validation runs in services.save_complaint, after access is checked.
        pass


class ComplaintFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All statuses")), *ComplaintStatus.choices]
    )
    kind = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("All types")), *ComplaintKind.choices]
    )


class ServiceVolumeForm(forms.Form):
    unit = UnitChoiceField(label=_("Unit"), queryset=Unit.objects.none())
    touchpoint = forms.ModelChoiceField(
        label=_("Touchpoint"),
        queryset=Touchpoint.objects.none(),
        required=False,
        empty_label=_("(the whole unit)"),
    )
    date = forms.DateField(label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}))
    customers_served = forms.IntegerField(label=_("Customers served"), min_value=0)
    customers_offered_survey = forms.IntegerField(
        label=_("Customers offered the survey"), min_value=0, required=False
    )
    waiting_minutes = forms.DecimalField(
        label=_("Average waiting time (minutes)"), min_value=0, max_digits=7, decimal_places=1, required=False
    )
    processing_days = forms.DecimalField(
        label=_("Average processing time (days)"), min_value=0, max_digits=7, decimal_places=1, required=False
    )

    def __init__(self, *args: Any, units: Any, touchpoints: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(self, "unit", units)
        limit_choices(self, "touchpoint", touchpoints)
        self.fields["touchpoint"].label_from_instance = lambda tp: f"{tp.service_path.name} › {tp.name}"  # type: ignore[attr-defined]
