"""Forms for the survey pages (views/surveys.py): the editor, publication, a link's
limits and invitations."""

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from kuulo.core.forms import limit_choices
from kuulo.core.models import LanguageChoice
from kuulo.organisations.models import Unit

from ..models import Channel, ItemVersion, QuestionSet, Survey, SurveyQuestion, Touchpoint
from ..services import answer_values


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

    def __init__(self, *args: Any, survey: Survey, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        units = Unit.objects.filter(organisation=survey.organisation_id).active()
        if (path_unit := survey.touchpoint.service_path.unit) is not None:
            units = units.subtree_of(path_unit)  # a unit's own path stays in its subtree
        limit_choices(self, "units", units)
        self.fields["units"].label_from_instance = lambda u: f"{'— ' * u.depth}{u.name}"  # type: ignore[attr-defined]


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
