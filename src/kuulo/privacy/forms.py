from django import forms
from django.utils.translation import gettext_lazy as _

from .models import RetentionPolicy


class RetentionPolicyForm(forms.ModelForm[RetentionPolicy]):
    class Meta:
        model = RetentionPolicy
        fields = [
            "responses_months",
            "free_text_months",
            "contact_requests_months",
            "invitations_months",
            "held_answers_months",
            "rejected_imports_days",
            "webhook_deliveries_days",
            "audit_log_months",
        ]
        help_texts = {
            "contact_requests_months": _(
                "Contact details respondents left to be contacted, counted from when their "
                "follow-up was closed (open follow-ups keep them); the anonymous answers stay."
            )
        }


class SubjectLookupForm(forms.Form):
    identifier = forms.CharField(
        label=_("E-mail address or phone number"),
        max_length=254,
        help_text=_("What the person gave: everything that carries it in your organisation is shown."),
    )
