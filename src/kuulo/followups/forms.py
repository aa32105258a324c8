"""Forms of the follow-up queue and a case."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import FollowUpSettings, Outcome, ReplyChannel


class AssignForm(forms.Form):
    assignee: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Handled by"), queryset=None, required=False, empty_label=_("Nobody yet")
    )

    def __init__(self, *args: Any, handlers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["assignee"]
        field.queryset = handlers
        field.label_from_instance = lambda user: user.get_full_name() or user.get_username()


class ReplyForm(forms.Form):
    channel = forms.ChoiceField(label=_("How"), choices=ReplyChannel.choices)
    text = forms.CharField(
        label=_("What was said"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Briefly, for colleagues. E-mail addresses and phone numbers are removed."),
    )


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=[("", _("- Select an option -")), *Outcome.choices]
    )
    note = forms.CharField(
        label=_("Summary"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Optional. The contact details are deleted once the retention period after closing is over."
        ),
    )


class SettingsForm(forms.ModelForm[FollowUpSettings]):
    class Meta:
        model = FollowUpSettings
        fields = ["promise_days", "alert_low_scores"]
