"""Import responses from another tool's CSV or XLSX export, in this process."""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _

from kuulo.feedback import imports
from kuulo.feedback.import_files import AUTO, ENCODINGS
from kuulo.feedback.import_rows import FIELDS, mapping_choices
from kuulo.feedback.limesurvey import read_structure
from kuulo.feedback.models import ImportStatus, PartialRows, ResponseImport, SurveyPublication
from kuulo.organisations.access import organisation_for

from ._people import acting_user


class Command(BaseCommand):
    help = (
        "Import responses from another tool's CSV or XLSX export into a survey link, through the "
        "same checks as an import in the app, with the guessed column choices. Prints what was (or "
        "with --dry-run would be) stored and every error by row and column; a file with an error "
        "stores nothing and the command exits with status 1."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the CSV or XLSX file")
        parser.add_argument("--publication", required=True, help="the survey link's code")
        parser.add_argument("--user", required=True, help="who imports it (rights and audit log)")
        parser.add_argument(
            "--structure", help="the survey's LimeSurvey structure file (.lss): its answer codes"
        )
        parser.add_argument("--encoding", choices=[value for value, _label in ENCODINGS], default=AUTO)
        parser.add_argument(
            "--partial",
            choices=PartialRows.values,
            default=PartialRows.SKIP,
            help="unfinished responses (no submit time): skip them, or import them dated by their start time",
        )
        parser.add_argument(
            "--column",
            action="append",
            default=[],
            metavar="NAME=TARGET",
            help="what a column holds instead of the guess: an item code, responded_at, started_at, "
            "language, respondent_type, age_band, external_id or attribute; nothing after = leaves it "
            "out (repeatable)",
        )
        parser.add_argument("--dry-run", action="store_true", help="check the file and store nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        user = acting_user(options["user"])
        with translation.override(getattr(user, "language", "") or settings.LANGUAGE_CODE):
            self._import(user, options)

    def _import(self, user: Any, options: dict[str, Any]) -> None:
        publication = (
            SurveyPublication.objects.select_related("survey", "unit")
            .filter(code=options["publication"], survey__organisation=organisation_for(user))
            .first()
        )
        if publication is None:
            raise CommandError(
                _("No survey link with the code “%(code)s”.") % {"code": options["publication"]}
            )
        path = Path(options["file"])
        columns = {}
        for given in options["column"]:
            name, _equals, target = given.partition("=")
            columns[name] = target if not target or target in FIELDS else f"q:{target}"
        try:
            structure = (
                read_structure(Path(options["structure"]).read_bytes()) if options["structure"] else None
            )
            job = imports.import_in_place(
                user,
                publication,
                file_name=path.name,
                content=path.read_bytes(),
                encoding=options["encoding"],
                partial_rows=options["partial"],
                structure=structure,
                columns=columns,
                dry_run=options["dry_run"],
            )
        except OSError as error:
            raise CommandError(str(error)) from None
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self._report(job, publication, dry_run=options["dry_run"])

    def _report(self, job: ResponseImport, publication: SurveyPublication, *, dry_run: bool) -> None:
        write = self.stdout.write
        write(f"{job.file_name}: {publication.survey.name} · {publication.unit.name}")
        if job.columns:
            targets = dict(mapping_choices(publication.survey.ordered_questions()))
            for index, column in enumerate(job.columns):
                target = job.mapping.get(str(index), "")
                write(f"  {column} → {targets[target] if target else _('not imported')}")
        for note in job.notes:
            write("  " + (f"{note['column']}: " if note["column"] else "") + note["message"])
        if job.status == ImportStatus.DONE:
            counts = {"created": job.created_count, "duplicates": job.duplicate_count}
            if dry_run:
                write(
                    _("Dry run: %(created)s responses would be stored, %(duplicates)s were stored before.")
                    % counts
                )
            else:
                write(_("%(created)s responses stored, %(duplicates)s had been stored before.") % counts)
            return
        for error in job.errors:
            place = f"{job.row_label} {error['row']}" if error["row"] else _("File")
            if error["column"]:
                place += ", " + _("column %(column)s") % {"column": error["column"]}
            self.stderr.write(f"{place}: {error['message']}")
        if job.error_count > len(job.errors):
            self.stderr.write(_("… and %(count)s more.") % {"count": job.error_count - len(job.errors)})
        raise CommandError(
            _("Nothing was stored: the file has %(count)s errors.") % {"count": job.error_count}
        )
