"""Reading a LimeSurvey survey structure file (.lss): its questions in order, their codes
as LimeSurvey's exports head the columns ("Q1", "Q3[SQ001]"), wording and answer options
in Finnish, Swedish and English.

An .lss file is XML: a `<document>` with one section per table (`<questions>`,
`<subquestions>`, `<answers>`, `<groups>`, `<surveys_languagesettings>`…), each a list
of `<row>` elements with one child per column. LimeSurvey 4 and later keep the wording
apart in `<question_l10ns>`, `<answer_l10ns>` and `<group_l10ns>`; earlier versions have
one row per language with the wording in it. Both are read. Only what a survey needs is
taken; conditions, quotas and themes are not.

The XML is parsed by the standard library's expat, which expands no external entity and
limits entity expansion; the file's size is limited before that.
"""

import html
import re
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_STRUCTURE_BYTES = 5 * 1024 * 1024
LANGUAGES = ("fi", "sv", "en")
# Question types whose sub-questions are the questions (one export column each); "K", a
# multiple numerical input, is one number per sub-question.
ARRAY_TYPES = {"F", "H", "A", "B", "C", "E", "Q", ":", ";", "1", "K"}
_TAG = re.compile(r"<[^>]+>")


@dataclass
class Option:
    """An answer option: its code in LimeSurvey's exports and its labels by language."""

    code: str
    labels: dict[str, str]


@dataclass
class Question:
    """One export column's question: a question, or one sub-question of an array."""

    code: str  # as exports head the column: "Q1", "Q3[SQ001]"
    type: str  # LimeSurvey's question type letter
    texts: dict[str, str]  # wording by language (a sub-question's own)
    lead: dict[str, str] = field(default_factory=dict)  # an array's question, for a sub-question
    options: list[Option] = field(default_factory=list)
    mandatory: bool = False
    # LimeSurvey's question attributes that say something here (a number's bounds:
    # min_num_value_n, max_num_value_n, num_value_int_only).
    attributes: dict[str, str] = field(default_factory=dict)

    def headings(self) -> list[str]:
        """How exports with question texts head this question's column."""
        if not self.lead:
            return [text for text in self.texts.values() if text]
        return [
            f"{self.lead[lang]} [{text}]" for lang, text in self.texts.items() if text and lang in self.lead
        ]


@dataclass
class Structure:
    survey_id: str
    languages: list[str]
    titles: dict[str, str]
    questions: list[Question]


def read_structure(content: bytes) -> Structure:
    """The survey in an .lss file; ValidationError when the file is not one."""
    if len(content) > MAX_STRUCTURE_BYTES:
        raise ValidationError(_("The structure file is larger than 5 MB."))
    try:
        root = ElementTree.fromstring(content)  # noqa: S314 - see the docstring
    except ElementTree.ParseError as error:
        raise ValidationError(
            _("The file is not a LimeSurvey structure file (.lss): %(error)s") % {"error": error}
        ) from None
    if root.tag != "document" or (root.findtext("LimeSurveyDocType") or "").strip() != "Survey":
        raise ValidationError(_("The file is not a LimeSurvey survey structure file (.lss)."))
    languages = [(element.text or "").strip() for element in root.iterfind("languages/language")]
    questions = _rows(root, "questions")
    if not questions:
        raise ValidationError(_("The structure file has no questions."))
    texts = _texts(root, "question_l10ns", "qid", "question") or _texts(root, "questions", "qid", "question")
    subquestions = _rows(root, "subquestions") + [q for q in questions if q.get("parent_qid", "0") != "0"]
    sub_texts = texts | _texts(root, "subquestions", "qid", "question")
    group_order = {row.get("gid", ""): _number(row.get("group_order")) for row in _rows(root, "groups")}
    options = _options(root)
    attributes: dict[str, dict[str, str]] = {}
    for row in _rows(root, "question_attributes"):
        attributes.setdefault(row.get("qid", ""), {})[row.get("attribute", "")] = row.get("value", "")
    parents: dict[str, dict[str, str]] = {}
    for row in questions:
        if row.get("parent_qid", "0") == "0":
            parents.setdefault(row["qid"], row)  # the old format has a row per language
    ordered = sorted(
        parents.values(),
        key=lambda row: (group_order.get(row.get("gid", ""), 0), _number(row.get("question_order"))),
    )
    subs_of: dict[str, dict[str, dict[str, str]]] = {}
    for row in subquestions:
        if row.get("scale_id", "0") in ("0", ""):  # a dual scale's second scale is left out
            subs_of.setdefault(row.get("parent_qid", ""), {}).setdefault(row["qid"], row)
    found = []
    for row in ordered:
        qid, kind = row["qid"], row.get("type", "")
        question = Question(
            code=row.get("title", ""),
            type=kind,
            texts=sub_texts.get(qid, {}),
            options=options.get(qid, []),
            mandatory=row.get("mandatory", "N") == "Y",
            attributes=attributes.get(qid, {}),
        )
        subs = sorted(subs_of.get(qid, {}).values(), key=lambda sub: _number(sub.get("question_order")))
        if kind in ARRAY_TYPES and subs:
            for sub in subs:
                found.append(
                    Question(
                        code=f"{question.code}[{sub.get('title', '')}]",
                        type=kind,
                        texts=sub_texts.get(sub["qid"], {}),
                        lead=question.texts,
                        options=question.options,
                        mandatory=question.mandatory,
                        attributes=question.attributes,  # a number's bounds are its question's
                    )
                )
        else:
            if subs:  # multiple choice: the sub-questions are its options
                question.options = [
                    Option(sub.get("title", ""), sub_texts.get(sub["qid"], {})) for sub in subs
                ]
            found.append(question)
    settings = _texts(
        root, "surveys_languagesettings", "surveyls_survey_id", "surveyls_title", "surveyls_language"
    )
    survey_row = next(iter(_rows(root, "surveys")), {})
    survey_id = survey_row.get("sid") or next(iter(settings), "") or questions[0].get("sid", "")
    return Structure(
        survey_id=survey_id,
        languages=[lang for lang in languages if lang in LANGUAGES] or list(LANGUAGES[:1]),
        titles=next(iter(settings.values()), {}),
        questions=found,
    )


def _rows(root: ElementTree.Element, section: str) -> list[dict[str, str]]:
    return [
        {child.tag: (child.text or "").strip() for child in row}
        for row in root.iterfind(f"{section}/rows/row")
    ]


def _texts(
    root: ElementTree.Element, section: str, key: str, text: str, language: str = "language"
) -> dict[str, dict[str, str]]:
    """key → language → the row's text, cleaned of HTML, for our languages."""
    found: dict[str, dict[str, str]] = {}
    for row in _rows(root, section):
        if text in row and row.get(language, "") in LANGUAGES:
            found.setdefault(row.get(key, ""), {})[row[language]] = clean(row[text])
    return found


def _options(root: ElementTree.Element) -> dict[str, list[Option]]:
    """Question id → its answer options (scale 0) in their order, with their labels."""
    labels = _texts(root, "answer_l10ns", "aid", "answer")
    by_question: dict[str, dict[str, tuple[int, Option]]] = {}
    for row in _rows(root, "answers"):
        if row.get("scale_id", "0") not in ("0", ""):
            continue
        code = row.get("code", "")
        entry = by_question.setdefault(row.get("qid", ""), {})
        if code not in entry:
            entry[code] = (
                _number(row.get("sortorder")),
                Option(code, dict(labels.get(row.get("aid", ""), {}))),
            )
        if "answer" in row and row.get("language") in LANGUAGES:  # the format before LimeSurvey 4
            entry[code][1].labels[row["language"]] = clean(row["answer"])
    return {
        qid: [option for _order, option in sorted(entry.values(), key=lambda e: e[0])]
        for qid, entry in by_question.items()
    }


def clean(text: str) -> str:
    """Question text as people read it: LimeSurvey keeps HTML in it."""
    return " ".join(html.unescape(_TAG.sub(" ", text)).split())


def _number(value: str | None) -> int:
    try:
        return int(value or 0)
    except ValueError:
        return 0
