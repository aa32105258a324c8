"""One way to render forms and show their errors."""

from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms import BaseForm
from django.forms.renderers import DjangoTemplates
from django.utils.translation import gettext_noop

# Django 6.1's empty choice of a required select; its own catalogues lack Finnish and
# Swedish, so Kuulo's catalogue carries the translation.
gettext_noop("- Select an option -")


class FormRenderer(DjangoTemplates):
    """Every form renders through core/forms/*.html: an error summary that
    links to each invalid field, labels, hints and errors tied to the input."""

    form_template_name = "core/forms/form.html"
    field_template_name = "core/forms/field.html"


def add_service_errors(form: BaseForm, error: ValidationError) -> None:
    """Show a service's ValidationError on the form, on the named fields where it names them."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def limit_choices(form: BaseForm, field_name: str, queryset: QuerySet[Any]) -> None:
    """Offer only these objects in a model choice field (e.g. units of the user's organisation)."""
    cast(forms.ModelChoiceField, form.fields[field_name]).queryset = queryset


def form_changes(form: forms.ModelForm[Any]) -> dict[str, Any]:
    """The fields a valid ModelForm changed, with the instance reset to its stored state,
    so that a service can apply (validate, save and audit) exactly those changes."""
    changes = {field: form.cleaned_data[field] for field in form.changed_data}
    form.instance.refresh_from_db()
    return changes
