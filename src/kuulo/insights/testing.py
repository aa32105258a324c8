"""Test data for the insights domain."""

from kuulo.organisations.models import Role
from kuulo.organisations.testing import AccessFixtures

from .models import Report, ReportStatus

ACCESS_FIXTURES: AccessFixtures = {
    # A report is its requester's: the role's own, of a unit in scope or out of it.
    "report_id": lambda scope: (
        Report.objects.create(
            organisation=scope.organisation,
            unit=scope.unit,
            period_start="2026-10-01",
            period_end="2026-10-31",
            language="fi",
            requested_by=scope.world.users.get(scope.role, scope.world.users[Role.STAFF]),
            status=ReportStatus.DONE,
            content=b"%PDF-1.4",
        ).pk
    ),
}
