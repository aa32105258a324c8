"""Forms for the catalogue pages (views/catalogue.py): items, targets, service paths."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from kuulo.core.forms import limit_choices
from kuulo.organisations.forms import UnitChoiceField
from kuulo.organisations.models import Organisation, Unit

from ..models import CHOICE_KINDS, FIXED_SCALES, Dimension, Item, ItemKind, TargetMeasure

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
    cant_say = forms.BooleanField(
        label=_("Offer “can't say”"),
        required=False,
        help_text=_("For scales: counted and shown, but left out of means and NPS."),
    )
    lower = forms.DecimalField(label=_("Smallest answer"), required=False, max_digits=12, decimal_places=2)
    upper = forms.DecimalField(label=_("Largest answer"), required=False, max_digits=12, decimal_places=2)
    decimals = forms.TypedChoiceField(
        label=_("Decimals"), choices=[(0, "0"), (1, "1"), (2, "2")], coerce=int, initial=0, required=False
    )
    unit_fi = forms.CharField(
        label=_("Unit (Finnish)"),
        max_length=20,
        required=False,
        help_text=_("For numbers, e.g. min, €, kpl."),
    )
    unit_sv = forms.CharField(label=_("Unit (Swedish)"), max_length=20, required=False)
    unit_en = forms.CharField(label=_("Unit (English)"), max_length=20, required=False)
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
        if kind == ItemKind.NUMBER and (data.get("lower") is None or data.get("upper") is None):
            self.add_error("upper", _("Give the smallest and the largest answer of a number."))
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
            "cant_say": bool(data.get("cant_say")) and low is not None,
            "number": {
                "lower": data["lower"],
                "upper": data["upper"],
                "decimals": data.get("decimals") or 0,
                "unit_label": {
                    code: data[f"unit_{code}"] for code in ("fi", "sv", "en") if data.get(f"unit_{code}")
                },
            }
            if kind == ItemKind.NUMBER
            else None,
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
