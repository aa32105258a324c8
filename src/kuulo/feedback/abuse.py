"""Holding off abuse of the public survey form, without CAPTCHAs or accounts.

Every form carries a signed start token: its link code and a random part, timestamped.
It stands in for the CSRF cookie that cross-site widgets cannot carry, enforces the
minimum fill time, and is single-use: the response it brings uses it up in the same
transaction (`admit`, called by `services.submit_response`), so a double click or going
back and sending again stores one response and simply thanks the respondent again.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.db import IntegrityError
from django.utils import timezone

from .models import UsedStartToken

START_TOKEN_MAX_AGE = 24 * 3600  # a form left open over a night still sends
# About one stored answer in this many also sweeps expired tokens away.
SWEEP_ONE_IN = 50

_signer = signing.TimestampSigner(salt="survey-start")


class Held(Exception):
    """The form may not be stored now; nothing of it was."""


class AlreadyAnswered(Held):
    """The start token has brought its response already: store nothing, thank again."""


def new_start_token(code: str) -> str:
    """A fresh token for one form of this link (two forms opened in the same second differ)."""
    return _signer.sign(f"{code}:{secrets.token_urlsafe(9)}")


def filled_too_fast(token: str, code: str) -> bool:
    """True if the form came back faster than a person can answer it, or with a forged
    token, one of another link or a day-old one (the respondent then just sends it again)."""
    try:
        value = _signer.unsign(token, max_age=START_TOKEN_MAX_AGE)
    except signing.BadSignature:
        return True
    if value.partition(":")[0] != code:
        return True
    try:
        _signer.unsign(token, max_age=settings.KUULO_SURVEY_MIN_SECONDS)
    except signing.SignatureExpired:
        return False  # older than the minimum: a person had time to answer
    return True


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_used(token: str) -> bool:
    return UsedStartToken.objects.filter(token_hash=_token_hash(token)).exists()


@dataclass(frozen=True)
class Admission:
    """What the public form brings along to `services.submit_response`, to be checked and
    used up inside the response's transaction."""

    start_token: str


def admit(admission: Admission) -> None:
    """Use up the start token; call inside the response's transaction, before it is stored.
    Raises AlreadyAnswered (the transaction is then to be rolled back) if it was used."""
    now = timezone.now()
    try:
        # Without a savepoint: a duplicate fails the whole transaction, which is what we want
        # (the caller rolls it back); concurrent twins wait for each other on the unique index.
        UsedStartToken.objects.create(token_hash=_token_hash(admission.start_token), used_at=now)
    except IntegrityError:
        raise AlreadyAnswered from None
    if secrets.randbelow(SWEEP_ONE_IN) == 0:
        sweep(now)


def sweep(now: datetime | None = None) -> None:
    """Forget tokens that are no longer valid anyway."""
    now = now or timezone.now()
    UsedStartToken.objects.filter(used_at__lt=now - timedelta(seconds=START_TOKEN_MAX_AGE)).delete()
