"""Make a Kuulo survey of a LimeSurvey survey structure file (.lss)."""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _

from kuulo.feedback.limesurvey import read_structure
from kuulo.feedback.models import Touchpoint
from kuulo.feedback.services.survey_import import import_survey
from kuulo.organisations.access import organisation_for
from kuulo.organisations.models import Unit

from ._people import acting_user


class Command(BaseCommand):
    help = (
        "Make a survey of a LimeSurvey structure file (.lss): its questions as catalogue items "
        "(standard ones where the wording matches), its answer codes and labels remembered for "
        "importing its responses. Prints the link code when published."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the .lss file exported from LimeSurvey")
        parser.add_argument("--unit", required=True, help="code of the unit the survey is for")
        parser.add_argument("--user", required=True, help="who imports it (rights and audit log)")
        parser.add_argument(
            "--touchpoint",
            help="PATH/TOUCHPOINT codes; by default a touchpoint of its own on the path 'imported-surveys'",
        )
        parser.add_argument("--publish", action="store_true", help="publish it for the unit at once")

    def handle(self, *args: Any, **options: Any) -> None:
        user = acting_user(options["user"])
        with translation.override(getattr(user, "language", "") or settings.LANGUAGE_CODE):
            self._import(user, options)

    def _import(self, user: Any, options: dict[str, Any]) -> None:
        organisation = organisation_for(user)
        unit = Unit.objects.filter(organisation=organisation, code=options["unit"]).first()
        if unit is None:
            raise CommandError(_("No unit with the code “%(code)s”.") % {"code": options["unit"]})
        touchpoint = None
        if options["touchpoint"]:
            path_code, _slash, touchpoint_code = options["touchpoint"].partition("/")
            touchpoint = Touchpoint.objects.filter(
                service_path__organisation=organisation, service_path__code=path_code, code=touchpoint_code
            ).first()
            if touchpoint is None:
                raise CommandError(_("No touchpoint “%(code)s”.") % {"code": options["touchpoint"]})
        try:
            structure = read_structure(Path(options["file"]).read_bytes())
            result = import_survey(
                user, structure, unit=unit, touchpoint=touchpoint, publish=options["publish"]
            )
        except OSError as error:
            raise CommandError(str(error)) from None
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        survey = result.survey
        self.stdout.write(
            _("Survey “%(name)s” (%(id)s) made with %(count)s questions:")
            % {"name": survey.name, "id": survey.pk, "count": len(result.questions)}
        )
        for source, item, standard in result.questions:
            kind = _("standard item") if standard else _("new item")
            self.stdout.write(f"  {source} → {item} ({kind})")
        if survey.standard_set:
            self.stdout.write(_("It asks the standard set “%(name)s”.") % {"name": survey.standard_set.name})
        for source, reason in result.skipped:
            self.stdout.write(
                "  " + _("%(code)s was skipped: %(reason)s") % {"code": source, "reason": reason}
            )
        if result.publication is not None:
            self.stdout.write(
                _("Published for %(unit)s. Link code: %(code)s")
                % {"unit": unit.name, "code": result.publication.code}
            )
        else:
            self.stdout.write(
                _("The survey is a draft: publish it on its page, or run this again with --publish.")
            )
