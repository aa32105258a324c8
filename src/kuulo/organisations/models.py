"""Organisation, its unit tree and who holds which role where: the access boundary."""

import re
from functools import cached_property
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from kuulo.core.models import LanguageChoice, TimestampedModel, TranslatedNameModel, unique_with_optional
from kuulo.core.validators import validate_business_id

MAX_RESPONSE_ATTRIBUTES = 20
ATTRIBUTE_KEY = re.compile(r"^[a-z0-9_-]{1,40}$")


def validate_attribute_keys(value: Any) -> None:
    if not isinstance(value, list) or len(value) > MAX_RESPONSE_ATTRIBUTES:
        raise ValidationError(_("Declare at most %(max)s attributes.") % {"max": MAX_RESPONSE_ATTRIBUTES})
    wrong = [str(key) for key in value if not isinstance(key, str) or not ATTRIBUTE_KEY.match(key)]
    if wrong:
        raise ValidationError(
            _("Use lower-case letters, digits, - and _ only (at most 40 characters): %(keys)s")
            % {"keys": ", ".join(wrong)}
        )


class Organisation(TranslatedNameModel, TimestampedModel):
    slug = models.SlugField(_("short name"), max_length=50, unique=True)
    business_id = models.CharField(
        _("business ID"), max_length=9, blank=True, validators=[validate_business_id]
    )
    require_mfa_for_privileged = models.BooleanField(
        _("require two-factor authentication for administrators and CX leads"),
        default=False,
    )
    # Privacy: no figure built from fewer answers than this is ever shown or exported.
    reporting_threshold = models.PositiveSmallIntegerField(
        _("smallest group shown"),
        default=5,
        validators=[MinValueValidator(3), MaxValueValidator(10)],
        help_text=_("Results of fewer respondents than this are hidden everywhere (3–10)."),
    )
    # Response attributes other systems and imports may send (e.g. campus, programme): keys
    # not declared here are refused, so no free-form personal data rides along unseen.
    response_attributes = models.JSONField(
        _("response attributes"),
        default=list,
        blank=True,
        validators=[validate_attribute_keys],
        help_text=_(
            "Extra facts other systems and imports may send with a response, such as campus or "
            "programme: short lower-case names separated by commas. Nothing else is stored."
        ),
    )
    text_threshold = models.PositiveSmallIntegerField(
        _("smallest group whose comments are shown"),
        default=10,
        validators=[MinValueValidator(3), MaxValueValidator(50)],
        help_text=_("Free-text comments of smaller groups are hidden: a comment can reveal its writer."),
    )

    class Meta:
        ordering = ["name_fi"]
        constraints = [
            models.CheckConstraint(
                condition=Q(reporting_threshold__gte=3, reporting_threshold__lte=10),
                name="organisation_reporting_threshold_range",
                violation_error_message=_("The smallest group shown must be 3–10."),
            ),
            models.CheckConstraint(
                condition=Q(text_threshold__gte=F("reporting_threshold"), text_threshold__lte=50),
                name="organisation_text_threshold_range",
                violation_error_message=_(
                    "Comments need a group at least as large as other results (and at most 50)."
                ),
            ),
        ]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")


# What an organisation's admin may change on the settings page.
ORGANISATION_SETTINGS = (
    "name_fi",
    "name_sv",
    "name_en",
    "business_id",
    "require_mfa_for_privileged",
    "reporting_threshold",
    "text_threshold",
    "response_attributes",
)


class UnitType(TranslatedNameModel, TimestampedModel):
    """What kind of unit this is (campus, student services...). Units of the
    same type are compared with each other."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="unit_types")
    code = models.SlugField(_("code"), max_length=50)

    access_organisation_field = "organisation"

    class Meta:
        ordering = ["name_fi"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "code"],
                name="unit_type_code_unique",
                violation_error_message=_("A unit type with this code already exists."),
            )
        ]
        verbose_name = _("unit type")
        verbose_name_plural = _("unit types")


class UnitQuerySet(models.QuerySet["Unit"]):
    def active(self) -> "UnitQuerySet":
        return self.filter(archived_at__isnull=True)

    def subtree_of(self, *units: "Unit") -> "UnitQuerySet":
        """The given units and everything below them."""
        return self.under_paths(*(unit.path for unit in units))

    def under_paths(self, *paths: str) -> "UnitQuerySet":
        """Units whose materialised path starts with one of `paths`."""
        condition = Q(pk__in=[])
        for path in paths:
            condition |= Q(path__startswith=path)
        return self.filter(condition)


class Unit(TranslatedNameModel, TimestampedModel):
    """A node of the organisation's unit tree (service area → unit → team).

    `path` is a materialised path of zero-padded primary keys ("/00000003/00000017/") kept by
    services.py, so a whole subtree is one indexed prefix match.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="units")
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent unit"),
    )
    unit_type = models.ForeignKey(
        UnitType, on_delete=models.PROTECT, related_name="units", verbose_name=_("unit type")
    )
    code = models.SlugField(
        _("code"),
        max_length=50,
        help_text=_("A short identifier used in links, imports and other systems."),
    )
    language = models.CharField(
        _("service language"),
        max_length=2,
        choices=LanguageChoice.choices,
        default=LanguageChoice.FINNISH,
        help_text=_("The language this unit serves its customers in by default."),
    )
    path = models.CharField(max_length=255, db_index=True, editable=False)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    archived_at = models.DateTimeField(_("archived"), null=True, blank=True, editable=False)

    objects = UnitQuerySet.as_manager()
    access_unit_field = "self"

    class Meta:
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "code"],
                name="unit_code_unique",
                violation_error_message=_("A unit with this code already exists."),
            )
        ]
        verbose_name = _("unit")
        verbose_name_plural = _("units")

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    def ancestor_ids(self) -> list[int]:
        return [int(part) for part in self.path.strip("/").split("/")[:-1] if part]

    @cached_property
    def subtree_ids(self) -> list[int]:
        """This unit and every unit below it (archived ones too): what its figures cover.
        Read once per instance; a dashboard asks for it many times per request."""
        return list(Unit.objects.subtree_of(self).values_list("pk", flat=True))

    def clean(self) -> None:
        if self.unit_type_id and self.unit_type.organisation_id != self.organisation_id:
            raise ValidationError({"unit_type": _("The unit type belongs to another organisation.")})
        if self.parent_id and self.parent is not None and self.parent.organisation_id != self.organisation_id:
            raise ValidationError({"parent": _("The parent unit belongs to another organisation.")})


class Role(models.TextChoices):
    ADMIN = "admin", _("Organisation admin")
    CX_LEAD = "cx_lead", _("CX lead")
    MANAGER = "manager", _("Manager")
    STAFF = "staff", _("Staff")
    ACCOUNT_MANAGER = "account_manager", _("Account manager")
    VIEWER = "viewer", _("Viewer")


ORGANISATION_WIDE_ROLES = {Role.ADMIN, Role.CX_LEAD}
UNIT_SCOPED_ROLES = {Role.MANAGER, Role.STAFF}


class Membership(TimestampedModel):
    """A user belongs to exactly one organisation."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="memberships")

    access_organisation_field = "organisation"

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self) -> str:
        return f"{self.user} @ {self.organisation}"


class RoleAssignment(TimestampedModel):
    """One role for one member, organisation-wide (no unit) or for a unit and its subtree."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="role_assignments",
        verbose_name=_("unit"),
        help_text=_("The role covers this unit and all units below it. Empty: the whole organisation."),
    )

    access_organisation_field = "membership__organisation"

    class Meta:
        ordering = ["role", "unit__path"]
        constraints = unique_with_optional(
            "membership",
            "role",
            optional="unit",
            names=("role_org_wide_unique", "role_unit_unique"),
            messages=(
                _("The user already has this role."),
                _("The user already has this role in this unit."),
            ),
        )
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")

    def __str__(self) -> str:
        where = self.unit.name if self.unit_id and self.unit else _("whole organisation")
        return f"{self.get_role_display()} ({where})"

    def clean(self) -> None:
        if self.role in ORGANISATION_WIDE_ROLES and self.unit_id:
            raise ValidationError(
                {"unit": _("This role covers the whole organisation; leave the unit empty.")}
            )
        if self.role in UNIT_SCOPED_ROLES and not self.unit_id:
            raise ValidationError({"unit": _("Choose the unit this role covers.")})
        if self.unit is not None and self.unit.organisation_id != self.membership.organisation_id:
            raise ValidationError({"unit": _("The unit belongs to another organisation.")})


class ApiKey(TimestampedModel):
    """A key another system (e-service, case management) uses to call the API.

    Scoped like a person: to some units (or the whole organisation) and to chosen
    permissions. Only a hash of the secret is stored; the key is shown once.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(_("name"), max_length=100, help_text=_("Which system uses the key."))
    prefix = models.CharField(max_length=12, unique=True, editable=False)
    secret_hash = models.CharField(max_length=64, editable=False)
    permissions = models.JSONField(_("permissions"), default=list)
    # Explicit: an empty unit list never means "everything", so a key whose last unit is
    # deleted reaches nothing rather than the whole organisation.
    whole_organisation = models.BooleanField(_("whole organisation"), default=False)
    units = models.ManyToManyField(
        Unit,
        blank=True,
        related_name="api_keys",
        verbose_name=_("units"),
        help_text=_("The key covers these units and everything below them."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    access_organisation_field = "organisation"
    # Lets the access module treat a key like a signed-in principal.
    is_authenticated = True

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def get_username(self) -> str:
        return f"api-key:{self.prefix}"
