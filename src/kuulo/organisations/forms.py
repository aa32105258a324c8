"""Forms for the organisation pages. They validate input; services make the changes."""

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from kuulo.core.forms import limit_choices

from .models import ORGANISATION_SETTINGS, Organisation, Role, Unit, UnitType

User = get_user_model()


class UnitChoiceField(forms.ModelChoiceField):
    """Units shown as an indented tree so the hierarchy is readable in a select."""

    def label_from_instance(self, obj: Unit) -> str:
        return f"{'— ' * obj.depth}{obj.name}"


class UnitForm(forms.ModelForm):
    parent = UnitChoiceField(queryset=Unit.objects.none(), required=False, label=_("Parent unit"))

    class Meta:
        model = Unit
        fields = ["name_fi", "name_sv", "name_en", "code", "unit_type", "language", "parent"]

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance.organisation = organisation  # model validation compares organisations
        limit_choices(self, "unit_type", UnitType.objects.filter(organisation=organisation))
        limit_choices(self, "parent", Unit.objects.filter(organisation=organisation).active())
        if self.instance.pk:
            del self.fields["parent"]  # moving has its own page


class MoveUnitForm(forms.Form):
    parent = UnitChoiceField(
        queryset=Unit.objects.none(),
        required=False,
        label=_("New parent unit"),
        empty_label=_("(top level)"),
    )

    def __init__(self, *args: Any, unit: Unit, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(
            self,
            "parent",
            (
                Unit.objects.filter(organisation_id=unit.organisation_id)
                .active()
                .exclude(path__startswith=unit.path)
            ),
        )
        self.fields["parent"].initial = unit.parent_id


class UnitTypeForm(forms.ModelForm):
    class Meta:
        model = UnitType
        fields = ["name_fi", "name_sv", "name_en", "code"]


class AttributeKeysField(forms.Field):
    """A list of keys typed as "campus, programme" (commas or lines between them)."""

    widget = forms.TextInput

    def prepare_value(self, value: Any) -> Any:
        return ", ".join(value) if isinstance(value, list) else value

    def to_python(self, value: Any) -> list[str]:
        text = str(value or "")
        return [key.strip().lower() for key in text.replace("\n", ",").split(",") if key.strip()]


class OrganisationSettingsForm(forms.ModelForm):
    response_attributes = AttributeKeysField(
        label=_("Response attributes"),
        required=False,
        help_text=Organisation._meta.get_field("response_attributes").help_text,
    )

    class Meta:
        model = Organisation
        fields = list(ORGANISATION_SETTINGS)


class MemberForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["username", "first_name", "last_name", "email", "language"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].required = True
        if self.instance.pk:
            del self.fields["username"]

    def clean_username(self) -> str:
        username: str = self.cleaned_data["username"]
        if "@" in username:
            # Sign-in treats anything with "@" as an e-mail address.
            raise forms.ValidationError(_("A username cannot contain @."))
        return username


class RoleGrantForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    unit = UnitChoiceField(
        queryset=Unit.objects.none(),
        required=False,
        label=_("Unit"),
        empty_label=_("(whole organisation)"),
        help_text=_(
            "Managers and staff need a unit. Organisation admins and CX leads always cover "
            "the whole organisation; account managers and viewers can have either."
        ),
    )

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(self, "unit", Unit.objects.filter(organisation=organisation).active())


class UnitFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    unit_type = forms.ModelChoiceField(
        queryset=UnitType.objects.none(),
        required=False,
        label=_("Unit type"),
        empty_label=_("All types"),
    )
    archived = forms.BooleanField(label=_("Show archived units"), required=False)

    def __init__(self, *args: Any, organisation_id: int | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(self, "unit_type", UnitType.objects.filter(organisation=organisation_id))


class ApiKeyForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100, help_text=_("Which system uses the key."))
    permissions = forms.MultipleChoiceField(
        label=_("Permissions"), choices=(), widget=forms.CheckboxSelectMultiple
    )
    whole_organisation = forms.BooleanField(
        label=_("The whole organisation"), required=False, help_text=_("Every unit, now and later.")
    )
    units = forms.ModelMultipleChoiceField(
        label=_("Units"),
        queryset=Unit.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Or: the key covers these units and everything below them."),
    )

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        from .access import api_key_permissions

        super().__init__(*args, **kwargs)
        self.fields["permissions"].choices = [(str(p), label) for p, label in api_key_permissions().items()]  # type: ignore[attr-defined]
        limit_choices(self, "units", Unit.objects.filter(organisation=organisation).active())
        self.fields["units"].label_from_instance = lambda u: f"{'— ' * u.depth}{u.name}"  # type: ignore[attr-defined]
