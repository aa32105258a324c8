"""Forms for importing another tool's file (views/imports.py): the upload and the
column choices."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kuulo.core.forms import limit_choices

from ..import_files import ENCODINGS
from ..import_rows import mapping_choices
from ..models import SurveyPublication, SurveyQuestion


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
