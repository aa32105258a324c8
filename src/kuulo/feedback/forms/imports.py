"""Forms for importing another tool's file (views/imports.py): the upload, the column
choices with the answer values and unfinished responses, and a LimeSurvey survey's
structure."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kuulo.core.forms import limit_choices
from kuulo.organisations.models import Unit

from ..import_files import AUTO, ENCODINGS
from ..import_rows import mapping_choices
from ..import_values import answer_values
from ..models import PartialRows, SurveyPublication, SurveyQuestion, Touchpoint

CANT_SAY_CHOICE = "cant-say"  # in the form; the services take "" for can't say


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
    encoding = forms.ChoiceField(label=_("Encoding of a CSV file"), choices=ENCODINGS, initial=AUTO)

    def __init__(self, *args: Any, publications: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(self, "publication", publications)
        self.fields["publication"].label_from_instance = lambda p: f"{p.survey.name} · {p.unit.name}"  # type: ignore[attr-defined]


class ImportMappingForm(forms.Form):
    """One choice per column of the file: which question or field it holds; what to do with
    unfinished responses; and, for values of a column the survey's labels do not explain
    (`unread`: column index → values), which answer each stands for."""

    partial_rows = forms.ChoiceField(
        label=_("Unfinished responses (no submit time)"),
        choices=PartialRows.choices,
        widget=forms.RadioSelect,
        initial=PartialRows.SKIP,
        required=False,  # a file without a submit-time column has none
    )

    def __init__(
        self,
        *args: Any,
        columns: list[str],
        mapping: dict[str, str],
        questions: list[SurveyQuestion],
        samples: list[list[str]],
        unread: dict[str, list[str]] | None = None,
        partial_rows: str = PartialRows.SKIP,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["partial_rows"].initial = partial_rows
        self.value_fields: dict[str, tuple[str, str]] = {}  # field name -> (column index, file value)
        self.asked_for: dict[str, str] = {}  # column index -> the question its values were asked for
        by_code = {f"q:{q.item_version.item.code}": q for q in questions}
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

        for key, values in (unread or {}).items():
            question = by_code.get(mapping.get(key, ""))
            if question is None:
                continue
            self.asked_for[key] = mapping[key]
            options = [(value or CANT_SAY_CHOICE, label) for value, label in answer_values(question)]
            for number, value in enumerate(values):
                name = f"value_{key}_{number}"
                self.fields[name] = forms.ChoiceField(
                    label=_("“%(value)s” in the column “%(column)s”")
                    % {"value": value, "column": columns[int(key)]},
                    choices=[("", _("(choose what it means)")), *options],
                    required=False,
                )
                self.value_fields[name] = (key, value)

    def mapping(self) -> dict[str, str]:
        return {
            name.removeprefix("column_"): value
            for name, value in self.cleaned_data.items()
            if name.startswith("column_")
        }

    def answer_values(self) -> dict[str, dict[str, str]]:
        """Column index → the file's value → the answer it stands for ("" for can't say)."""
        chosen: dict[str, dict[str, str]] = {}
        for name, (index, value) in self.value_fields.items():
            if self.cleaned_data.get(f"column_{index}") != self.asked_for[index]:
                continue  # the column was given another question meanwhile: ask again
            if answer := self.cleaned_data.get(name):
                chosen.setdefault(index, {})[value] = "" if answer == CANT_SAY_CHOICE else answer
        return chosen


class SurveyStructureForm(forms.Form):
    """A LimeSurvey survey's structure file, made into a Kuulo survey (services.survey_import)."""

    structure = forms.FileField(
        label=_("LimeSurvey structure file (.lss)"),
        help_text=_("In LimeSurvey: Display/Export → Survey structure (.lss)."),
        widget=forms.ClearableFileInput(attrs={"accept": ".lss,.xml"}),
    )
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.none())
    touchpoint = forms.ModelChoiceField(
        label=_("Touchpoint"),
        queryset=Touchpoint.objects.none(),
        required=False,
        empty_label=_("(a touchpoint of its own under “Imported surveys”)"),
    )
    publish = forms.BooleanField(label=_("Publish it for the unit at once"), required=False)

    def __init__(self, *args: Any, units: Any, touchpoints: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(self, "unit", units)
        limit_choices(self, "touchpoint", touchpoints)
        self.fields["touchpoint"].label_from_instance = lambda tp: f"{tp.service_path.name} › {tp.name}"  # type: ignore[attr-defined]
