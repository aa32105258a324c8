"""How a cell of an imported file becomes an answer: numbers as Excel and the tools write
them, answer codes and labels, and "can't say".

A cell is read, in this order, through the answer values remembered for the survey
(`AnswerValueMap`: from a LimeSurvey structure file or chosen in an earlier mapping
step), the question's own labels in every language (a choice's labels, a scale's point
and end labels, yes/no words), the words tools write for "can't say", "no answer" and
"not reached", and finally as a number (decimal comma allowed).

Where the question offers "can't say" (`ItemVersion.cant_say`), such a cell is stored as
its "can't say" answer; elsewhere it is stored as not answered, and the import counts
them per column and says so in its report.
"""

import re
import unicodedata
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .models import CHOICE_KINDS, FIXED_SCALES, AnswerValueMap, ItemKind, Survey, SurveyQuestion


class _CantSay:
    """An answer that says "can't say", "no answer" or "not reached": stored as not answered."""

    def __repr__(self) -> str:
        return "CANT_SAY"


CANT_SAY = _CantSay()

# What tools and people write for "can't say", "no answer" and "not reached" (normalised).
# LimeSurvey writes "N/A" for a question left unanswered or never reached when asked to.
CANT_SAY_WORDS = {
    "en osaa sanoa", "ei osaa sanoa", "eos", "en tiedä", "ei vastausta", "ei koske minua",
    "ei kokemusta", "ei mielipidettä", "kan inte säga", "kan ej säga", "vet inte", "inget svar",
    "ingen åsikt", "ej aktuellt", "don't know", "do not know", "can't say", "cannot say",
    "no answer", "no opinion", "not applicable", "n/a", "#n/a",
}  # fmt: skip
YES_NO_WORDS = {
    "yes": 1, "kyllä": 1, "ja": 1, "true": 1, "y": 1, "k": 1,
    "no": 0, "ei": 0, "nej": 0, "false": 0, "n": 0, "e": 0,
}  # fmt: skip
MULTIPLE = re.compile(r"\s*[;|]\s*")


def normalised(value: Any) -> str:
    """A code or label as it is compared: one Unicode form, case and spacing ignored,
    typographic apostrophes as plain ones."""
    text = unicodedata.normalize("NFC", str(value)).replace("\u2019", "'").replace("\u00a0", " ")
    return " ".join(text.split()).casefold()


def is_cant_say(value: Any) -> bool:
    return normalised(value) in CANT_SAY_WORDS


def question_labels(question: SurveyQuestion) -> dict[str, str]:
    """The question's own answer labels in every language, and its values, → its value."""
    version = question.item_version
    kind = version.item.kind
    labels: dict[str, str] = {}
    if kind in CHOICE_KINDS:
        for choice in version.choices:
            for label in (choice["value"], choice.get("fi"), choice.get("sv"), choice.get("en")):
                if label:
                    labels.setdefault(normalised(label), str(choice["value"]))
    elif kind == ItemKind.YES_NO:
        labels.update({word: str(value) for word, value in YES_NO_WORDS.items()})
    anchors = version.anchors or {}
    for point, texts in (anchors.get("points") or {}).items():
        for label in texts.values():
            if label:
                labels.setdefault(normalised(label), str(point))
    if version.scale_min is not None and version.scale_max is not None:
        for end, point in (("low", version.scale_min), ("high", version.scale_max)):
            for label in (anchors.get(end) or {}).values():
                if label:
                    labels.setdefault(normalised(label), str(point))
    return labels


def remembered(survey: Survey) -> dict[str, dict[str, str]]:
    """The survey's remembered answer values, by item code."""
    return {
        code: values
        for code, values in AnswerValueMap.objects.filter(survey=survey).values_list("item__code", "values")
    }


class ValueReader:
    """Reads cells as answers to a survey's questions (see the module's docstring)."""

    def __init__(self, questions: Iterable[SurveyQuestion], maps: dict[str, dict[str, str]]) -> None:
        self.kinds: dict[str, str] = {}
        self.labels: dict[str, dict[str, str]] = {}
        self.allowed: dict[str, set[str]] = {}  # the values each question takes, as text
        self.offers_cant_say: set[str] = set()  # questions with a "can't say" answer of their own
        for question in questions:
            code = question.item_version.item.code
            self.kinds[code] = question.item_version.item.kind
            if question.item_version.cant_say:
                self.offers_cant_say.add(code)
            self.allowed[code] = {value for value, _label in answer_values(question)}
            self.labels[code] = maps.get(code, {}) | {
                label: value
                for label, value in question_labels(question).items()
                if label not in maps.get(code, {})
            }

    def known(self, code: str, value: Any) -> bool:
        """Whether a cell's value reads as an answer this question takes (or "can't say")."""
        try:
            answer = self.read(code, value)
        except ValidationError:
            return False
        if answer is CANT_SAY or self.kinds[code] in (ItemKind.TEXT, ItemKind.NUMBER):
            return True
        return {str(v) for v in (answer if isinstance(answer, list) else [answer])} <= self.allowed[code]

    def read(self, code: str, value: Any) -> Any:
        """The answer, CANT_SAY, or ValidationError for a value that means nothing here.
        Choices not offered by the question are left for the ingest checks to name."""
        kind = self.kinds[code]
        if kind == ItemKind.TEXT:  # a cell over several lines of a Windows file ends its lines in \r\n
            text = str(value).replace("\r\n", "\n")
            return CANT_SAY if is_cant_say(text) else text
        if kind in CHOICE_KINDS:
            # A spreadsheet's 2.0 is the code 2: `_label` reads it so, not its text "2.0".
            parts = MULTIPLE.split(value) if isinstance(value, str) else [value]
            chosen = [self._label(code, part) for part in parts if part not in ("", None)]
            chosen = [part for part in chosen if part is not CANT_SAY]
            return chosen or CANT_SAY
        label = self._label(code, value)
        if label is CANT_SAY:
            return CANT_SAY
        if kind == ItemKind.NUMBER:  # 35,5 or 35.5: its bounds and decimals are checked on ingest
            return label if isinstance(label, int | float) else str(label).strip()
        return whole_number(label)

    def _label(self, code: str, value: Any) -> Any:
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # 4.0 from a spreadsheet is the 4 of a CSV export
        key = normalised(value)
        if key in self.labels[code]:
            found = self.labels[code][key]
            return CANT_SAY if found == "" else found
        if key in CANT_SAY_WORDS:
            return CANT_SAY
        return value


# How other tools mark an option of a multiple choice in its own column: picked, or not.
PICKED_WORDS = {"y", "yes", "kyllä", "ja", "1", "x", "true", "valittu", "vald", "selected", "checked"}
NOT_PICKED_WORDS = {"n", "no", "ei", "nej", "0", "false", "n/a"}


def picked(labels: dict[str, str], choice: str, value: Any) -> bool:
    """Whether a cell of an option's own column (LimeSurvey's `Q9[SQ001]`, Webropol's
    column per option) says the option was picked: a yes, 1 or X, or the option's own
    code or label; a no or 0 says it was not. `labels`: the question's labels → values."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    key = normalised(value)
    if key in PICKED_WORDS or key == normalised(choice) or labels.get(key) == choice:
        return True
    if key in NOT_PICKED_WORDS:
        return False
    raise ValidationError(_("“%(value)s” does not say whether the option was picked.") % {"value": value})


def whole_number(value: Any) -> int:
    if isinstance(value, bool):
        raise ValidationError(_("“%(value)s” is not a number.") % {"value": value})
    text = str(value).strip().replace(",", ".")
    try:
        number = float(text)
    except ValueError:
        raise ValidationError(
            _("“%(value)s” is neither a number nor one of this question's answer labels.") % {"value": value}
        ) from None
    if not number.is_integer():
        raise ValidationError(_("%(value)s is not a whole number.") % {"value": value})
    return int(number)


def answer_values(question: SurveyQuestion) -> list[tuple[str, str]]:
    """What a person can say a file's value stands for: the question's values with their
    labels, and "can't say" (as ""), for the mapping step's answer-value choices."""
    version = question.item_version
    kind = version.item.kind
    options: list[tuple[str, str]] = []
    if kind in CHOICE_KINDS:
        options = [
            (str(choice["value"]), f"{choice['value']} – {choice.get('fi', '')}")
            for choice in version.choices
        ]
    else:
        low, high = FIXED_SCALES.get(kind, (version.scale_min, version.scale_max))
        if low is not None and high is not None:
            points = (version.anchors or {}).get("points") or {}
            options = [
                (str(n), f"{n} – {points[str(n)].get('fi', '')}" if str(n) in points else str(n))
                for n in range(low, high + 1)
            ]
    return [*options, ("", _("Can't say / no answer (stored as not answered)"))]


@transaction.atomic
def remember(survey: Survey, item_id: int, values: dict[str, str], **source: Any) -> AnswerValueMap:
    """Add answer values (code or label → Kuulo value, "" for can't say) to what the survey
    remembers for one question; `source` may set the other tool's code and wording."""
    value_map, _created = AnswerValueMap.objects.select_for_update().get_or_create(
        survey=survey, item_id=item_id
    )
    value_map.values = value_map.values | {normalised(raw): str(value) for raw, value in values.items()}
    for name, given in source.items():
        setattr(value_map, name, given)
    value_map.save()
    return value_map
