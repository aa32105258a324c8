from django import forms
from django.utils.translation import gettext_lazy as _

from kuulo.core.registry import registry


def _action_choices() -> list[tuple[str, object]]:
    # Read when the form is built: the apps' declarations are complete by then.
    return [("", _("All actions")), *registry.audit_actions.items()]


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(label=_("Action"), required=False, choices=_action_choices)
    actor = forms.CharField(label=_("User"), required=False)
    date_from = forms.DateField(
        label=_("From date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
