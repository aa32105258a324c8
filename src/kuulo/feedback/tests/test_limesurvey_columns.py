"""LimeSurvey's question types with a column per part: a multiple numerical input (a
number item per sub-question) and a multiple choice (one item, each option's column
picked or not), from the structure file to the figures."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from kuulo.feedback.limesurvey import read_structure
from kuulo.feedback.models import ItemKind, Response
from kuulo.feedback.services import publish_survey
from kuulo.feedback.services.survey_import import import_survey
from kuulo.feedback.tests.test_real_exports import command, english_users, figures, items_by_source
from kuulo.organisations.models import Role
from kuulo.organisations.testing import World

pytestmark = pytest.mark.usefixtures("english")
__all__ = ["english_users"]  # the commands speak English here, as the assertions do

MULTIPLE_NUMBERS = """<?xml version="1.0" encoding="UTF-8"?>
<document>
 <LimeSurveyDocType>Survey</LimeSurveyDocType>
 <DBVersion>624</DBVersion>
 <languages><language>fi</language></languages>
 <questions><rows>
  <row><qid>1</qid><parent_qid>0</parent_qid><sid>222222</sid><gid>1</gid><type>K</type><title>Q1</title>
   <mandatory>N</mandatory><question_order>1</question_order></row>
  <row><qid>2</qid><parent_qid>0</parent_qid><sid>222222</sid><gid>1</gid><type>M</type><title>Q2</title>
   <mandatory>N</mandatory><question_order>2</question_order></row>
 </rows></questions>
 <subquestions><rows>
  <row><qid>11</qid><parent_qid>1</parent_qid><sid>222222</sid><gid>1</gid><type>T</type><title>SQ001</title>
   <question_order>1</question_order><scale_id>0</scale_id></row>
  <row><qid>12</qid><parent_qid>1</parent_qid><sid>222222</sid><gid>1</gid><type>T</type><title>SQ002</title>
   <question_order>2</question_order><scale_id>0</scale_id></row>
  <row><qid>21</qid><parent_qid>2</parent_qid><sid>222222</sid><gid>1</gid><type>T</type><title>web</title>
   <question_order>1</question_order><scale_id>0</scale_id></row>
  <row><qid>22</qid><parent_qid>2</parent_qid><sid>222222</sid><gid>1</gid><type>T</type><title>desk</title>
   <question_order>2</question_order><scale_id>0</scale_id></row>
 </rows></subquestions>
 <question_l10ns><rows>
  <row><qid>1</qid><question>Kuinka kauan?</question><language>fi</language></row>
  <row><qid>11</qid><question>Jonotit (min)</question><language>fi</language></row>
  <row><qid>12</qid><question>Asioit (min)</question><language>fi</language></row>
  <row><qid>2</qid><question>Miten asioit?</question><language>fi</language></row>
  <row><qid>21</qid><question>Verkossa</question><language>fi</language></row>
  <row><qid>22</qid><question>Tiskillä</question><language>fi</language></row>
 </rows></question_l10ns>
 <question_attributes><rows>
  <row><qid>1</qid><attribute>min_num_value_n</attribute><value>0</value></row>
  <row><qid>1</qid><attribute>max_num_value_n</attribute><value>240</value></row>
  <row><qid>1</qid><attribute>num_value_int_only</attribute><value>1</value></row>
 </rows></question_attributes>
 <surveys_languagesettings><rows>
  <row><surveyls_survey_id>222222</surveyls_survey_id><surveyls_language>fi</surveyls_language><surveyls_title>Asiointiaika</surveyls_title></row>
 </rows></surveys_languagesettings>
</document>
""".encode()


def test_multiple_numbers_and_a_multiple_choice_are_read_from_their_columns(
    world: World, tmp_path: Path
) -> None:
    """A multiple numerical input is a number item per sub-question (with its question's
    bounds); a multiple choice one item whose options are each a column, picked or not."""
    result = import_survey(world.users[Role.CX_LEAD], read_structure(MULTIPLE_NUMBERS), unit=world.unit)
    asked = items_by_source(result.survey)
    waited, served = asked["Q1[SQ001]"], asked["Q1[SQ002]"]
    assert (waited.item.kind, waited.lower, waited.upper, waited.decimals) == (ItemKind.NUMBER, 0, 240, 0)
    assert (waited.text_fi, served.text_fi) == ("Jonotit (min)", "Asioit (min)")
    assert [c["value"] for c in asked["Q2"].choices] == ["web", "desk"] and result.skipped == []
    link = publish_survey(result.survey, [world.unit])[0]
    export = tmp_path / "export.csv"
    export.write_text(
        "id,submitdate,Q1[SQ001],Q1[SQ002],Q2[web],Q2[desk]\n"
        "1,2026-11-02 09:12:40,12,5,Y,\n"
        "2,2026-11-02 10:00:00,30,,Y,Y\n"
        "3,2026-11-03 11:00:00,,8,,\n"
        "4,2026-11-03 12:00:00,4,3,maybe,Y\n"
    )
    user = world.users[Role.CX_LEAD].username
    errors = StringIO()
    with pytest.raises(CommandError, match="Nothing was stored: the file has 1 errors"):
        call_command(
            "import_responses", str(export), "--publication", link.code, "--user", user,
            stdout=StringIO(), stderr=errors,
        )  # fmt: skip
    assert "Line 5, column Q2[web]: “maybe” does not say whether the option was picked." in errors.getvalue()
    assert not Response.objects.exists()  # an error stores nothing
    export.write_text(export.read_text().replace("maybe", "N"))
    output = command("import_responses", str(export), "--publication", link.code, "--user", user)
    assert "4 responses stored" in output
    found = figures(result.survey)
    assert (found["Q1[SQ001]"]["n"], found["Q1[SQ001]"]["sum"]) == (3, 46)
    assert (found["Q1[SQ002]"]["n"], found["Q1[SQ002]"]["sum"]) == (3, 16)
    assert (found["Q2"]["n"], found["Q2"]["choices"]) == (3, {"web": 2, "desk": 2})
