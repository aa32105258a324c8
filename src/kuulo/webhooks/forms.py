"""Forms for webhooks."""

from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kuulo.core.forms import limit_choices
from kuulo.organisations.models import Organisation, Unit

from .models import Endpoint, Topic


class EndpointForm(forms.ModelForm[Endpoint]):
    topics = forms.MultipleChoiceField(
        label=_("Events"),
        choices=Topic.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("What is sent to the address."),
    )

    class Meta:
        model = Endpoint
        fields = ["name", "url", "topics", "unit", "active"]
        widgets = {"url": forms.URLInput(attrs={"placeholder": "https://"})}

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Archived units are not offered, except the one the endpoint may be scoped to already.
        units = Unit.objects.filter(organisation=organisation)
        limit_choices(self, "unit", units.filter(Q(archived_at__isnull=True) | Q(pk=self.instance.unit_id)))
        self.fields["unit"].empty_label = _("Whole organisation")  # type: ignore[attr-defined]
        self.fields["unit"].label_from_instance = lambda u: f"{'— ' * u.depth}{u.name}"  # type: ignore[attr-defined]
