"""Every write of the privacy domain (retention.py and subjects.py hold the deletions)."""

from django.db import transaction
from django.http import HttpRequest

from kuulo.audit.services import record

from .models import RetentionPolicy


@transaction.atomic
def save_policy(policy: RetentionPolicy, *, request: HttpRequest | None = None) -> RetentionPolicy:
    policy.full_clean()
    policy.save()
    record("retention.updated", request=request, target=policy, organisation=policy.organisation)
    return policy
