"""The metric catalogue: standard items and sets, versioning, targets."""

from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from kuulo.feedback import services
from kuulo.feedback.catalogue import STANDARD_ITEMS, STANDARD_SETS, install_standard_catalogue
from kuulo.feedback.models import FIXED_SCALES, Item, ItemKind, ItemVersion, QuestionSet, Target
from kuulo.feedback.testing import make_survey, standard_version
from kuulo.organisations.testing import World


def test_standard_catalogue_is_installed_with_fixed_scales(db: Any) -> None:
    assert Item.objects.filter(organisation=None).count() == len(STANDARD_ITEMS)
    for item in Item.objects.filter(organisation=None):
        version = item.latest_version()
        assert version is not None and item.locked
        assert version.text_fi and version.text_sv and version.text_en
        if item.kind in FIXED_SCALES:
            assert (version.scale_min, version.scale_max) == FIXED_SCALES[item.kind]
    assert standard_version("nps").scale_values() == list(range(11))
    assert set(QuestionSet.objects.values_list("code", flat=True)) == set(STANDARD_SETS)


def test_installing_again_changes_nothing_and_new_wording_makes_a_new_version(db: Any) -> None:
    before = ItemVersion.objects.count()
    install_standard_catalogue()
    assert ItemVersion.objects.count() == before
    ItemVersion.objects.filter(item__code="csat").update(text_en="Old wording")
    install_standard_catalogue()
    versions = list(Item.objects.get(code="csat", organisation=None).versions.order_by("number"))
    assert [v.text_en for v in versions] == ["Old wording", STANDARD_ITEMS["csat"][4]]


def test_standard_items_are_locked(world: World) -> None:
    with pytest.raises(ValidationError):
        services.revise_item(Item.objects.get(code="nps", organisation=None), text_fi="Muutettu")


def test_custom_item_versions(world: World) -> None:
    item = services.create_item(
        organisation=world.org,
        code="guidance",
        kind=ItemKind.LIKERT,
        dimension="quality",
        text_fi="Sain hyvää ohjausta.",
        scale_min=1,
        scale_max=4,
    )
    same = services.revise_item(item, text_fi="Sain hyvää ohjausta.")
    assert same.number == 1  # nothing changed: no new version
    revised = services.revise_item(item, text_fi="Sain riittävästi ohjausta.")
    assert revised.number == 2 and item.versions.count() == 2
    assert item.versions.get(number=1).text_fi == "Sain hyvää ohjausta."


@pytest.mark.parametrize(
    ("kind", "extra"),
    [
        (ItemKind.LIKERT, {"scale_min": 1, "scale_max": 1}),
        (ItemKind.SINGLE_CHOICE, {"choices": [{"value": "a", "fi": "A"}]}),
        (ItemKind.MULTIPLE_CHOICE, {"choices": [{"value": "a", "fi": "A"}, {"value": "a", "fi": "B"}]}),
    ],
)
def test_invalid_items_are_refused(world: World, kind: str, extra: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        services.create_item(
            organisation=world.org, code="bad", kind=kind, dimension="other", text_fi="?", **extra
        )
    assert not Item.objects.filter(code="bad").exists()


def test_fixed_scales_cannot_be_changed(world: World) -> None:
    item = services.create_item(
        organisation=world.org,
        code="my-csat",
        kind=ItemKind.CSAT,
        dimension="satisfaction",
        text_fi="?",
        scale_min=0,
        scale_max=100,
    )
    version = item.latest_version()
    assert version is not None and (version.scale_min, version.scale_max) == (1, 5)


def test_targets_default_and_unit_override(world: World) -> None:
    csat = Item.objects.get(code="csat", organisation=None)
    services.set_target(organisation=world.org, item=csat, unit=None, measure="mean", value=Decimal("4.2"))
    services.set_target(
        organisation=world.org, item=csat, unit=world.unit, measure="mean", value=Decimal("4.5")
    )
    services.set_target(
        organisation=world.org, item=csat, unit=world.unit, measure="mean", value=Decimal("4.6")
    )
    assert Target.objects.filter(organisation=world.org).count() == 2
    assert Target.objects.get(unit=world.unit).value == Decimal("4.6")
    with pytest.raises(ValidationError):
        services.set_target(
            organisation=world.org, item=csat, unit=world.other_org_unit, measure="mean", value=4
        )


def test_survey_claiming_a_standard_set_must_use_it_unmodified(world: World) -> None:
    survey = make_survey(world.org, items=(), standard_set="omb-a11-280")
    assert survey.questions.count() == 7
    services.add_question(survey, standard_version("open"))  # own questions after the set are fine
    services.publish_survey(survey, [world.unit])

    # The editor keeps the set as it is (it says why), and publishing checks it again.
    kept = make_survey(world.org, items=(), standard_set="govuk-satisfaction")
    with pytest.raises(ValidationError, match="standard set"):
        services.remove_question(kept.questions.order_by("order").first())  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="standard set"):
        services.move_question(kept.questions.order_by("order").last(), -1)  # type: ignore[arg-type]
    own = services.add_question(kept, standard_version("open"))
    with pytest.raises(ValidationError, match="standard set"):
        services.move_question(own, -1)  # not into the set
    services.remove_question(own)
    kept.questions.order_by("order").first().delete()  # type: ignore[union-attr]  # around the editor
    with pytest.raises(ValidationError):
        services.publish_survey(kept, [world.unit])


def test_published_surveys_are_frozen(world: World) -> None:
    survey = make_survey(world.org)
    services.publish_survey(survey, [world.unit])
    with pytest.raises(ValidationError):
        services.add_question(survey, standard_version("nps"))


def test_publication_only_for_own_active_units(world: World) -> None:
    survey = make_survey(world.org)
    with pytest.raises(ValidationError):
        services.publish_survey(survey, [world.other_org_unit])
    publications = services.publish_survey(survey, [world.unit, world.sibling])
    assert len({p.code for p in publications}) == 2
    again = services.publish_survey(survey, [world.unit])
    assert again[0].code == publications[0].code  # the link does not change
    assert not survey.publications.get(unit=world.sibling).active  # left out: closed


def _unit_path(world: World, unit: Any, code: str) -> Any:
    return services.create_service_path(
        organisation=world.org, code=code, name_fi=code, unit=unit, touchpoints=[("visit", "Käynti", "", "")]
    )


def test_a_units_own_path_is_published_only_in_its_subtree(world: World, english: None) -> None:
    survey = make_survey(world.org, touchpoint=_unit_path(world, world.area, "area-path").touchpoints.get())
    with pytest.raises(ValidationError, match="own service path"):
        services.publish_survey(survey, [world.unit, world.sibling])
    assert not survey.publications.exists()
    assert len(services.publish_survey(survey, [world.area, world.unit])) == 2


def test_a_units_path_is_named_in_its_line_never_in_a_sibling_unit(world: World) -> None:
    from kuulo.feedback.models import ServicePath, Touchpoint
    from kuulo.organisations.access import Permission, listed, restrict
    from kuulo.organisations.models import Role

    shared = services.create_service_path(organisation=world.org, code="shared", name_fi="Yhteinen")
    for unit in (world.root, world.area, world.unit, world.sibling):
        _unit_path(world, unit, f"{unit.code}-path")
    services.create_service_path(
        organisation=world.other_org, code="b-path", name_fi="B", unit=world.other_org_unit
    )

    def named(role: str, model: Any = ServicePath) -> set[str]:
        rows = listed(model.objects.all(), world.users[role], Permission.VIEW_INSIGHTS)
        field = "code" if model is ServicePath else "service_path__code"
        return set(rows.values_list(field, flat=True))

    in_org = {"shared", "a-root-path", "a-area-path", "a-unit-path", "a-sibling-path"}
    assert named(Role.ADMIN) == in_org
    # The staff member's role is in a-unit: its own path, the paths above it, the shared one.
    assert named(Role.STAFF) == {"shared", "a-root-path", "a-area-path", "a-unit-path"}
    assert named(Role.STAFF, Touchpoint) == named(Role.STAFF) - {"shared"}  # the shared path has none
    # The manager's role is in a-area: a-area and below, and a-root above; not a-sibling.
    assert named(Role.MANAGER) == {"shared", "a-root-path", "a-area-path", "a-unit-path"}
    assert named("other_admin") == {"b-path"}
    # Changing a path still needs the configure permission where it belongs.
    assert (
        set(restrict(ServicePath.objects.all(), world.users[Role.STAFF], Permission.CONFIGURE_FEEDBACK))
        == set()
    )
    assert shared.code in named(Role.VIEWER)


def test_editor_offers_the_newest_version_of_each_unused_item_in_few_queries(
    world: World, django_assert_max_num_queries: Any
) -> None:
    from django.urls import reverse

    from kuulo.organisations.models import Role
    from kuulo.organisations.testing import client_for

    item = services.create_item(
        organisation=world.org, code="guidance", kind=ItemKind.YES_NO, dimension="quality", text_fi="v1"
    )
    services.revise_item(item, text_fi="v2")
    newest = services.revise_item(item, text_fi="v3")
    survey = make_survey(world.org, items=("csat",))
    client = client_for(world.users[Role.CX_LEAD])
    with django_assert_max_num_queries(20):  # not one query per catalogue item
        page = client.get(reverse("feedback:survey_detail", args=[survey.pk]))
    offered = list(page.context["add_form"].fields["item_version"].queryset)
    assert newest in offered
    assert not any(v.item_id == item.pk and v != newest for v in offered)
    assert not any(v.item.code == "csat" and v.item.organisation_id is None for v in offered)
    assert len({v.item_id for v in offered}) == len(offered) == Item.objects.count() - 1


def test_a_question_cannot_move_above_its_show_if_condition(world: World) -> None:
    survey = make_survey(world.org, items=("resolved", "open", "csat"))
    resolved, follow_up, csat = survey.questions.order_by("order")
    services.set_show_if(follow_up, resolved, ["0"])
    with pytest.raises(ValidationError):
        services.move_question(follow_up, -1)
    with pytest.raises(ValidationError):
        services.move_question(resolved, +1)
    services.move_question(csat, -1)  # unrelated moves are fine
    assert [q.pk for q in survey.questions.order_by("order")] == [resolved.pk, csat.pk, follow_up.pk]


def test_surveys_and_questions_stay_within_the_organisation(world: World) -> None:
    from kuulo.feedback.testing import make_touchpoint

    foreign_touchpoint = make_touchpoint(world.other_org)
    with pytest.raises(ValidationError):
        services.create_survey(organisation=world.org, touchpoint=foreign_touchpoint, name_fi="X")
    foreign_item = services.create_item(
        organisation=world.other_org, code="theirs", kind=ItemKind.YES_NO, dimension="other", text_fi="?"
    )
    survey = make_survey(world.org, items=())
    with pytest.raises(ValidationError):
        services.add_question(survey, foreign_item.latest_version())  # type: ignore[arg-type]
    assert survey.questions.count() == 0


def test_publication_refuses_archived_units(world: World) -> None:
    from kuulo.organisations import services as org_services

    org_services.archive_unit(world.sibling)
    world.sibling.refresh_from_db()
    with pytest.raises(ValidationError):
        services.publish_survey(make_survey(world.org), [world.sibling])


def test_show_if_conditions_chain_and_stay_in_one_survey(world: World) -> None:
    survey = make_survey(world.org, items=("resolved", "csat", "open"))
    resolved, csat, comment = survey.questions.order_by("order")
    services.set_show_if(csat, resolved, ["0"])
    services.set_show_if(comment, csat, ["1", "2"])  # asked only if csat was asked and was low
    shown = services.visible_questions(
        [resolved, csat, comment], {resolved.pk: "1", comment.pk: "x", csat.pk: 1}
    )
    assert shown == [resolved]
    other = make_survey(world.org, items=("nps",))
    with pytest.raises(ValidationError):
        services.set_show_if(comment, other.questions.get(), ["5"])


def test_the_editor_needs_no_more_queries_for_more_questions_and_conditions(world: World) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from kuulo.organisations.models import Role
    from kuulo.organisations.testing import client_for

    client = client_for(world.users[Role.CX_LEAD])

    def queries_for(codes: tuple[str, ...]) -> int:
        survey = make_survey(world.org, items=codes)
        questions = list(survey.questions.order_by("order"))
        for question in questions[1:]:
            services.set_show_if(question, questions[0], ["5"])
        with CaptureQueriesContext(connection) as captured:
            page = client.get(reverse("feedback:survey_detail", args=[survey.pk]))
        assert page.status_code == 200
        assert len(page.context["show_if_forms"]) == len(codes) - 1
        return len(captured)

    assert queries_for(("csat", "ces")) == queries_for(
        ("csat", "ces", "nps", "resolved", "open", "omb-trust")
    )
