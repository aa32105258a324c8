"""Forms for improvement actions."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kuulo.core.forms import limit_choices
from kuulo.feedback.models import Response

from .models import Action


class ActionForm(forms.ModelForm[Action]):
    comment_search = forms.CharField(
        label=_("Find comments"),
        required=False,
        max_length=100,
        help_text=_("Words in the comment. The list shows the chosen unit's and metric's comments."),
        # Enter searches (core/static/kuulo/forms.js) instead of saving the action.
        widget=forms.TextInput(attrs={"data-enter-presses": "refresh"}),
    )

    class Meta:
        model = Action
        fields = [
            "title",
            "description",
            "unit",
            "touchpoint",
            "item",
            "owner",
            "due_date",
            "status",
            "responses",
            "public",
            "public_text",
        ]
        widgets = {
            "due_date": forms.DateInput(attrs={"type": "date"}),
            "description": forms.Textarea(attrs={"rows": 4}),
            "public_text": forms.Textarea(attrs={"rows": 3}),
            "responses": forms.CheckboxSelectMultiple,
        }

    def __init__(
        self, *args: Any, units: Any, touchpoints: Any, items: Any, owners: Any, comments: Any, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(self, "unit", units)
        limit_choices(self, "touchpoint", touchpoints)
        limit_choices(self, "item", items)
        limit_choices(self, "owner", owners)
        limit_choices(self, "responses", comments)
        self.fields["touchpoint"].label_from_instance = lambda tp: f"{tp.service_path.name} › {tp.name}"  # type: ignore[attr-defined]
        self.fields["responses"].label_from_instance = _comment_label  # type: ignore[attr-defined]
        self.fields["responses"].label = _("Comments to link")
        self.fields["responses"].help_text = _(
            "The newest comments of the last 90 days from your units, from days with enough "
            "comments to show them."
        )


def _comment_label(response: Response) -> str:
    texts = [answer.text for answer in response.answers.all() if answer.text]
    return f"{response.responded_at:%d.%m.%Y} · {response.unit.name}: {(texts[0] if texts else '')[:120]}"
