"""Single responses for export, made in the background: a year of them takes far longer
than a request should. The file is an `audit.Export` (kept in the database, so any app
server hands it out); the task re-reads who asked and what they may see when it runs."""

import dataclasses
import logging
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from kuulo.audit import exports
from kuulo.audit.models import Export
from kuulo.core.models import LanguageChoice
from kuulo.feedback.models import Channel, ItemVersion, Touchpoint
from kuulo.organisations.access import Permission, has_permission, organisation_for, units_for
from kuulo.organisations.models import Unit

from . import comments
from .figures import Filters

logger = logging.getLogger(__name__)
KIND = "responses"
EXPORT = Permission.EXPORT_RESPONSES


def request_responses_export(user: Any, filters: Filters, fmt: str, language: str) -> Export:
    """Queue the export of the period's single responses in the user's units."""
    parameters = {
        key: value.isoformat() if isinstance(value, date) else value
        for key, value in dataclasses.asdict(filters).items()
        if value not in (None, "") and key != "organisation_id"
    }
    with transaction.atomic():
        export = exports.start_export(
            user,
            organisation=organisation_for(user),
            kind=KIND,
            fmt=fmt,
            parameters=parameters,
            language=language,
        )
    from .tasks import make_export  # the tasks module imports this one

    transaction.on_commit(lambda: make_export.enqueue(export.pk))
    return export


def _filters(parameters: dict[str, Any]) -> Filters:
    fields = {f.name for f in dataclasses.fields(Filters)}
    values = {key: value for key, value in parameters.items() if key in fields}
    return Filters(
        **{**values, "start": date.fromisoformat(values["start"]), "end": date.fromisoformat(values["end"])}
    )


def heading(version: ItemVersion, versions: list[ItemVersion]) -> str:
    """A column's heading: the question's wording (with its version when the export holds
    two versions of one item, whose answers are not comparable)."""
    if sum(1 for other in versions if other.item_id == version.item_id) > 1:
        return _("%(question)s (version %(number)s)") % {"question": version.text, "number": version.number}
    return version.text


def make_export(export_id: int) -> None:
    """Read and write one queued export; safe to run twice (only a queued one runs)."""
    export = exports.claim_export(export_id)
    if export is None:
        return
    user = export.requested_by
    with translation.override(export.language):
        if not has_permission(user, EXPORT):
            exports.fail_export(export, _("You can no longer export single responses."))
            return
        try:
            filters = _filters(export.parameters)
            rows, versions = comments.responses_for_export(
                units_for(user, EXPORT),
                filters,
                limit=comments.EXPORT_LIMIT,
                threshold=export.organisation.text_threshold,
                progress=lambda share: exports.set_progress(export, 5 + int(85 * share)),
            )
            # The row-level policy's fields only (organisations/rows.py): the day, never the time.
            header = [_("Day"), _("Unit"), _("Unit code"), _("Touchpoint"), _("Channel"), _("Language")]
            header += [heading(version, versions) for version in versions]
            # Names in the export's language, looked up once, not once a row.
            units = {
                unit.pk: (unit.name, unit.code)
                for unit in Unit.objects.filter(organisation=export.organisation)
            }
            touchpoints = {
                touchpoint.pk: touchpoint.name
                for touchpoint in Touchpoint.objects.filter(service_path__organisation=export.organisation)
            }
            channels = {value: str(label) for value, label in Channel.choices}
            languages = {value: str(label) for value, label in LanguageChoice.choices}
            version_ids = [version.pk for version in versions]
            table = (
                [
                    row.day.isoformat(),
                    *units[row.unit_id],
                    touchpoints.get(row.touchpoint_id, "") if row.touchpoint_id else "",
                    channels.get(row.channel, row.channel),
                    languages.get(row.language, row.language),
                    *(row.answers.get(pk) for pk in version_ids),
                ]
                for row in rows
            )
            exports.finish_export(
                export, filename=f"kuulo-responses-{filters.start}-{filters.end}", header=header, rows=table
            )
        except Exception:
            logger.exception("Export %s failed", export_id)
            exports.fail_export(
                export, _("The file could not be made because of an error. Ask for it again.")
            )
