"""Removing personal data from free text before it is stored.

Feedback comments are anonymous by design, but people still type their personal
identity code, e-mail address or phone number into them. These are replaced with
a neutral marker before the text reaches the database.
"""

import re

# Finnish personal identity code (henkilötunnus): DDMMYY, century sign, 3 digits, check character.
HETU_RE = re.compile(r"\b(\d{6})([-+A-FU-Y])(\d{3})([0-9A-FHJ-NPR-Ya-fhj-npr-y])\b")
HETU_CHECK = "0123456789ABCDEFHJKLMNPRSTUVWXY"
EMAIL_RE = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
# Finnish and international phone numbers: +358 40 123 4567, 040-1234567, (09) 310 1234 ...
PHONE_RE = re.compile(r"(?<![\w])(?:\+\d{1,3}[\s-]?)?\(?0?\d{1,3}\)?(?:[\s-]?\d{2,4}){2,4}(?![\w])")
IBAN_RE = re.compile(r"\b[A-Z]{2}\d{2}(?:\s?[\dA-Z]{4}){3,7}(?:\s?[\dA-Z]{1,3})?\b")

MARKERS = {"hetu": "[HETU]", "email": "[EMAIL]", "phone": "[PHONE]", "iban": "[IBAN]"}


def is_valid_hetu(birth: str, individual: str, check: str) -> bool:
    return HETU_CHECK[int(birth + individual) % 31] == check.upper()


def redact(text: str) -> str:
    """The text with identity codes, e-mail addresses, IBANs and phone numbers replaced."""

    def hetu(match: re.Match[str]) -> str:
        birth, _, individual, check = match.groups()
        return MARKERS["hetu"] if is_valid_hetu(birth, individual, check) else match.group(0)

    text = HETU_RE.sub(hetu, text)
    text = EMAIL_RE.sub(MARKERS["email"], text)
    text = IBAN_RE.sub(MARKERS["iban"], text)
    return PHONE_RE.sub(
        lambda m: MARKERS["phone"] if sum(c.isdigit() for c in m.group(0)) >= 7 else m.group(0), text
    )
