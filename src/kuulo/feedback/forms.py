"""Forms for configuring feedback: catalogue items, targets, service paths, surveys."""

from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from kuulo.core.forms import limit_choices
from kuulo.core.models import LanguageChoice
from kuulo.organisations.forms import UnitChoiceField
from kuulo.organisations.models import Organisation, Unit

from .import_files import ENCODINGS
from .imports import mapping_choices
from .models import (
    CHOICE_KINDS,
    FIXED_SCALES,
    Channel,
    Complaint,
    ComplaintKind,
    ComplaintStatus,
    Dimension,
    Item,
    ItemKind,
    ItemVersion,
    QuestionSet,
    Sentiment,
    SurveyPublication,
    SurveyQuestion,
    TargetMeasure,
    Touchpoint,
)
from .services import answer_values

LINES_HELP = _("One per line: code | Finnish | Swedish | English")


def parse_lines(text: str, field: str) -> list[tuple[str, str, str, str]]:
    """Parse "code | fi | sv | en" lines; report the line that is wrong."""
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = [part.strip() for part in line.split("|")]
        if len(parts) < 2 or not parts[0] or not parts[1]:
            raise ValidationError(
                _("Line %(number)s: write at least a code and the Finnish text, separated by |.")
                % {"number": number},
                code=field,
            )
        parts += [""] * (4 - len(parts))
        rows.append((parts[0], parts[1], parts[2], parts[3]))
    codes = [row[0] for row in rows]
    if len(codes) != len(set(codes)):
        raise ValidationError(_("Each line needs its own code."), code=field)
    return rows


class ItemForm(forms.Form):
    code = forms.SlugField(
        label=_("Code"), max_length=60, help_text=_("A short identifier, e.g. guidance-quality.")
    )
    kind = forms.ChoiceField(label=_("Type"), choices=ItemKind.choices)
    dimension = forms.ChoiceField(label=_("Dimension"), choices=Dimension.choices, initial=Dimension.OTHER)
    text_fi = forms.CharField(label=_("Question in Finnish"), max_length=500)
    text_sv = forms.CharField(label=_("Question in Swedish"), max_length=500, required=False)
    text_en = forms.CharField(label=_("Question in English"), max_length=500, required=False)
    scale_points = forms.IntegerField(
        label=_("Points on the scale"),
        min_value=3,
        max_value=11,
        required=False,
        help_text=_("Only for a custom rating scale (1 to the number of points)."),
    )
    low_fi = forms.CharField(label=_("Lowest answer means (Finnish)"), max_length=100, required=False)
    high_fi = forms.CharField(label=_("Highest answer means (Finnish)"), max_length=100, required=False)
    choices_text = forms.CharField(
        label=_("Choices"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=LINES_HELP,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("kind")
        if kind == ItemKind.LIKERT and not data.get("scale_points"):
            self.add_error("scale_points", _("Give the number of points for a custom rating scale."))
        if kind in CHOICE_KINDS:
            try:
                data["choices"] = [
                    {"value": code, "fi": fi, "sv": sv, "en": en}
                    for code, fi, sv, en in parse_lines(data.get("choices_text", ""), "choices_text")
                ]
            except ValidationError as error:
                self.add_error("choices_text", error)
        return data

    def item_fields(self) -> dict[str, Any]:
        """Arguments for services.create_item."""
        data = self.cleaned_data
        kind = data["kind"]
        low, high = FIXED_SCALES.get(kind, (None, None))
        if kind == ItemKind.LIKERT:
            low, high = 1, data["scale_points"]
        anchors = {}
        if data.get("low_fi") or data.get("high_fi"):
            anchors = {"low": {"fi": data.get("low_fi", "")}, "high": {"fi": data.get("high_fi", "")}}
        return {
            "code": data["code"],
            "kind": kind,
            "dimension": data["dimension"],
            "text_fi": data["text_fi"],
            "text_sv": data["text_sv"],
            "text_en": data["text_en"],
            "scale_min": low,
            "scale_max": high,
            "anchors": anchors,
            "choices": data.get("choices", []),
        }


class ReviseItemForm(forms.Form):
    text_fi = forms.CharField(label=_("Question in Finnish"), max_length=500)
    text_sv = forms.CharField(label=_("Question in Swedish"), max_length=500, required=False)
    text_en = forms.CharField(label=_("Question in English"), max_length=500, required=False)


class TargetForm(forms.Form):
    item = forms.ModelChoiceField(label=_("Question"), queryset=Item.objects.none())
    unit = UnitChoiceField(
        label=_("Unit"),
        queryset=Unit.objects.none(),
        required=False,
        empty_label=_("(organisation default)"),
    )
    measure = forms.ChoiceField(label=_("Measure"), choices=TargetMeasure.choices)
    value = forms.DecimalField(label=_("Target level"), max_digits=6, decimal_places=2)

    def __init__(self, *args: Any, items: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(self, "item", items)
        limit_choices(self, "unit", Unit.objects.filter(organisation=organisation).active())


class ServicePathForm(forms.Form):
    code = forms.SlugField(label=_("Code"), max_length=60)
    name_fi = forms.CharField(label=_("Name in Finnish"), max_length=200)
    name_sv = forms.CharField(label=_("Name in Swedish"), max_length=200, required=False)
    name_en = forms.CharField(label=_("Name in English"), max_length=200, required=False)
    unit = UnitChoiceField(
        label=_("Unit"), queryset=Unit.objects.none(), required=False, empty_label=_("(whole organisation)")
    )
    touchpoints_text = forms.CharField(
        label=_("Touchpoints in journey order"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=LINES_HELP,
    )

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(self, "unit", Unit.objects.filter(organisation=organisation).active())

    def clean_touchpoints_text(self) -> list[tuple[str, str, str, str]]:
        rows = parse_lines(self.cleaned_data["touchpoints_text"], "touchpoints_text")
        if not rows:
            raise ValidationError(_("Add at least one touchpoint."))
        return rows


class SurveyForm(forms.Form):
    touchpoint = forms.ModelChoiceField(label=_("Touchpoint"), queryset=Touchpoint.objects.none())
    name_fi = forms.CharField(label=_("Name in Finnish"), max_length=200)
    name_sv = forms.CharField(label=_("Name in Swedish"), max_length=200, required=False)
    name_en = forms.CharField(label=_("Name in English"), max_length=200, required=False)
    standard_set = forms.ModelChoiceField(
        label=_("Start from a standard question set"),
        queryset=QuestionSet.objects.all(),
        required=False,
        empty_label=_("(no standard set)"),
        help_text=_("The survey then asks the set's questions first, unmodified, so results are comparable."),
    )

    def __init__(self, *args: Any, touchpoints: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(self, "touchpoint", touchpoints)
        self.fields["touchpoint"].label_from_instance = lambda tp: f"{tp.service_path.name} › {tp.name}"  # type: ignore[attr-defined]


class AddQuestionForm(forms.Form):
    item_version = forms.ModelChoiceField(label=_("Question"), queryset=ItemVersion.objects.none())
    required = forms.BooleanField(label=_("Required"), required=False)

    def __init__(self, *args: Any, versions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(self, "item_version", versions)


class ShowIfForm(forms.Form):
    """Show a question only after certain answers to an earlier one. Built from the
    survey's questions already at hand: the editor shows one of these per question."""

    condition = forms.TypedChoiceField(
        label=_("Ask only if the answer to"), coerce=int, required=False, empty_value=None
    )
    values = forms.MultipleChoiceField(
        label=_("is one of"), choices=(), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(
        self, *args: Any, question: SurveyQuestion, questions: list[SurveyQuestion], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.earlier = {q.pk: q for q in questions if q.order < question.order}
        self.fields["condition"].choices = [("", _("(always ask)"))] + [  # type: ignore[attr-defined]
            (q.pk, str(q)) for q in self.earlier.values()
        ]
        values = sorted(
            {v for q in self.earlier.values() for v in answer_values(q.item_version)},
            key=lambda v: (len(v), v),
        )
        self.fields["values"].choices = [(v, v) for v in values]  # type: ignore[attr-defined]

    def clean_condition(self) -> SurveyQuestion | None:
        pk = self.cleaned_data["condition"]
        return None if pk is None else self.earlier[pk]


class PublishForm(forms.Form):
    units = forms.ModelMultipleChoiceField(
        label=_("Publish for these units"),
        queryset=Unit.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Each unit gets its own link and QR code, so results are reported per unit."),
    )

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(self, "units", Unit.objects.filter(organisation=organisation).active())
        self.fields["units"].label_from_instance = lambda u: f"{'— ' * u.depth}{u.name}"  # type: ignore[attr-defined]


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


class InviteForm(forms.Form):
    channel = forms.ChoiceField(
        label=_("Send by"), choices=[(Channel.EMAIL, _("E-mail")), (Channel.SMS, _("Text message"))]
    )
    language = forms.ChoiceField(label=_("Language of the invitation"), choices=LanguageChoice.choices)
    recipients = forms.CharField(
        label=_("Addresses"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "One e-mail address or phone number per line. They are used only to send the invitation "
            "and one reminder."
        ),
    )
    remind = forms.BooleanField(
        label=_("Remind those who have not answered after three days"), required=False, initial=True
    )


class PublicationLimitsForm(forms.Form):
    """A survey link's own limits on answers from one address; empty: the site's defaults."""

    address_soft_limit = forms.IntegerField(
        label=_("Answers from one address before a browser check"), min_value=0, required=False
    )
    address_hard_limit = forms.IntegerField(
        label=_("Answers from one address before refusing"), min_value=1, required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        minutes = settings.KUULO_RESPOND_RATE_WINDOW // 60
        self.fields["address_soft_limit"].help_text = _(
            "Within %(minutes)s minutes. Past this, the respondent's browser first does a short "
            "automatic check, so that many people behind one network address (a school, an office) "
            "can still answer. Empty: the default, %(default)s."
        ) % {"minutes": minutes, "default": settings.KUULO_RESPOND_RATE_IP_SOFT}
        self.fields["address_hard_limit"].help_text = _(
            "Within %(minutes)s minutes. Past this, answers from the address are refused for a while. "
            "Empty: the default, %(default)s."
        ) % {"minutes": minutes, "default": settings.KUULO_RESPOND_RATE_IP_HARD}


class ImportUploadForm(forms.Form):
    publication = forms.ModelChoiceField(
        label=_("Survey link"),
        queryset=SurveyPublication.objects.none(),
        help_text=_("The survey and unit the responses belong to."),
    )
    file = forms.FileField(
        label=_("File"),
        help_text=_("CSV or XLSX with the column names on the first row; at most 50 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.tsv,.xlsx"}),
    )
    encoding = forms.ChoiceField(label=_("Encoding of a CSV file"), choices=ENCODINGS, initial="utf-8")

    def __init__(self, *args: Any, publications: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(self, "publication", publications)
        self.fields["publication"].label_from_instance = lambda p: f"{p.survey.name} · {p.unit.name}"  # type: ignore[attr-defined]


class ImportMappingForm(forms.Form):
    """One choice per column of the file: which question or field it holds."""

    def __init__(
        self,
        *args: Any,
        columns: list[str],
        mapping: dict[str, str],
        questions: list[SurveyQuestion],
        samples: list[list[str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        choices = mapping_choices(questions)
        for index, column in enumerate(columns):
            examples = [row[index] for row in samples if index < len(row) and row[index]]
            self.fields[f"column_{index}"] = forms.ChoiceField(
                label=column,
                choices=choices,
                required=False,
                initial=mapping.get(str(index), ""),
                help_text=_("For example: %(values)s") % {"values": ", ".join(examples)} if examples else "",
            )

    def mapping(self) -> dict[str, str]:
        return {name.removeprefix("column_"): value for name, value in self.cleaned_data.items()}
