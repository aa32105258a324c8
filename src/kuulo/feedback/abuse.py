"""Holding off abuse of the public survey form, without CAPTCHAs, accounts or cookies.

Every form carries a signed start token: its link code and a random part, timestamped.
It stands in for the CSRF cookie that cross-site widgets cannot carry, enforces the
minimum fill time, and is single-use: the response it brings uses it up in the same
transaction, so a double click or going back and sending again stores one response and
simply thanks the respondent again.

Stored answers are counted per publication over a sliding window (core/ratelimit.py):
per address, and per browser (its device cookie; browsers without one, such as widgets
in a cross-site iframe, share their address's count, so leaving the cookie out is no
way round). Past the browser's limit or the address's soft limit an answer needs a proof
of work: a nonce that makes SHA-256(challenge + nonce) start with a number of zero bits,
the challenge being bound to the start token with the secret key; `survey.js` finds one
in a second or two. Only past the address's much higher hard limit are answers refused,
so a school or an office behind one NAT address keeps answering.

The pre-check (`step_for`) only reads; `admit`, called by `services.submit_response`
inside the response's transaction, uses up the token and counts the answer, and decides
again on the counts it has just written, so concurrent posts cannot slip past a limit,
and an answer that is not stored counts nothing.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from django.conf import settings
from django.core import signing
from django.db import IntegrityError
from django.utils import timezone
from django.utils.crypto import salted_hmac

from kuulo.core import ratelimit

from .models import SurveyPublication, UsedStartToken

START_TOKEN_MAX_AGE = 24 * 3600  # a form left open over a night still sends
# About one stored answer in this many also sweeps expired tokens and counts away.
SWEEP_ONE_IN = 50
MAX_NONCE_LENGTH = 20

_signer = signing.TimestampSigner(salt="survey-start")


class Held(Exception):
    """The form may not be stored now; nothing of it was."""


class AlreadyAnswered(Held):
    """The start token has brought its response already: store nothing, thank again."""


class ProofNeeded(Held):
    """Many answers lately from this address or browser: the browser must do its check first."""


class TooMany(Held):
    """The address has reached its hard limit: refuse for a while."""


class Step(StrEnum):
    """What the next answer from a visitor needs."""

    ANSWER = "answer"  # nothing more
    PROVE = "prove"  # a proof of work with it
    REFUSE = "refuse"  # to wait


# --- Start tokens ------------------------------------------------------------------------------


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


# --- Counting answers ------------------------------------------------------------------------


@dataclass(frozen=True)
class Visitor:
    """Where an answer comes from, as far as the limits are concerned."""

    publication: SurveyPublication
    address: str
    device: str = ""  # the device cookie; empty without one

    def keys(self) -> tuple[str, str]:
        """The (address, browser) rate-limit keys, both of this publication only."""
        where = f"{self.publication.pk}:{self.address}"
        browser = f"{self.publication.pk}:device:{self.device}" if self.device else f"{where}:no-cookie"
        return ratelimit.key("respond-address", where), ratelimit.key("respond-browser", browser)

    def step(self, address_hits: int, browser_hits: int) -> Step:
        """What an answer needs that brings the counts to these (itself included)."""
        soft, hard = self.publication.address_limits()
        if address_hits > hard:
            return Step.REFUSE
        if address_hits > soft or browser_hits > settings.KUULO_RESPOND_RATE_DEVICE:
            return Step.PROVE
        return Step.ANSWER


def step_for(visitor: Visitor) -> Step:
    """What the visitor's next answer would need, from the counts so far (read only)."""
    address_key, browser_key = visitor.keys()
    counts = ratelimit.hits([address_key, browser_key], settings.KUULO_RESPOND_RATE_WINDOW)
    return visitor.step(counts[address_key] + 1, counts[browser_key] + 1)


# --- Proof of work -----------------------------------------------------------------------------


def proof_bits() -> int:
    return settings.KUULO_RESPOND_PROOF_BITS


def challenge(token: str) -> str:
    """The puzzle of one form: only the server can make it, and it is bound to the form's token."""
    return salted_hmac("kuulo.feedback.abuse.proof", token, algorithm="sha256").hexdigest()[:32]


def _leading_zero_bits(digest: bytes) -> int:
    value = int.from_bytes(digest)
    return len(digest) * 8 - value.bit_length()


def proven(token: str, nonce: str) -> bool:
    """True if SHA-256(challenge + nonce) starts with enough zero bits."""
    if not nonce or len(nonce) > MAX_NONCE_LENGTH or not nonce.isdigit():
        return False
    digest = hashlib.sha256(f"{challenge(token)}{nonce}".encode()).digest()
    return _leading_zero_bits(digest) >= proof_bits()


# --- In the response's transaction -----------------------------------------------------------


@dataclass(frozen=True)
class Admission:
    """What the public form brings along to `services.submit_response`, to be checked, used up
    and counted inside the response's transaction."""

    visitor: Visitor
    start_token: str
    nonce: str = ""


def admit(admission: Admission) -> None:
    """Use up the start token and count the answer; call inside the response's transaction,
    before it is stored. Raises a Held (the transaction is then to be rolled back, which
    also takes back the count) if the token was used or the counts say no."""
    now = timezone.now()
    try:
        # Without a savepoint: a duplicate fails the whole transaction, which is then rolled
        # back; concurrent twins wait for each other on the unique index.
        UsedStartToken.objects.create(token_hash=_token_hash(admission.start_token), used_at=now)
    except IntegrityError:
        raise AlreadyAnswered from None
    visitor = admission.visitor
    address_key, browser_key = visitor.keys()
    counts = ratelimit.count([address_key, browser_key], settings.KUULO_RESPOND_RATE_WINDOW)
    step = visitor.step(counts[address_key], counts[browser_key])
    if step == Step.REFUSE:
        raise TooMany
    if step == Step.PROVE and not proven(admission.start_token, admission.nonce):
        raise ProofNeeded
    if secrets.randbelow(SWEEP_ONE_IN) == 0:
        sweep(now)


def sweep(now: datetime | None = None) -> None:
    """Forget tokens that are no longer valid anyway, and counts that no longer count."""
    now = now or timezone.now()
    UsedStartToken.objects.filter(used_at__lt=now - timedelta(seconds=START_TOKEN_MAX_AGE)).delete()
    ratelimit.sweep(settings.KUULO_RESPOND_RATE_WINDOW)
