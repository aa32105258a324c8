"""A unit against the other units of its type and the rest of the organisation: its
items' figures, the peers' and the rest's blended, its rank among its type. Other units
appear only blended and only through their shown cells (see `comparison`)."""

from dataclasses import dataclass, replace

from kuulo.feedback.models import ItemVersion
from kuulo.organisations.models import Unit

from .figures import SIGNIFICANCE, Figure, Filters, added, measure_of, metric
from .metrics import _answered_versions, _keyed
from .stats import Summary, change_p_value
from .table import Table, Tree, build

MIN_PEERS = 3  # a peer figure must blend at least this many units, or it would show one of them


@dataclass
class ComparedItem:
    version: ItemVersion
    unit: Figure
    peers: Figure  # the other units of the same type together
    organisation: Figure  # the rest of the organisation (every unit outside this one's subtree)
    rank: int | None = None  # 1 = best among the units of the same type with a shown figure
    ranked: int = 0
    difference: float | None = None  # unit minus peers
    significant: bool = False


def comparison(unit: Unit, filters: Filters, threshold: int, visible: set[int]) -> list[ComparedItem]:
    """The unit's items against the other units of its type and the rest of the organisation,
    with its rank among its type; the items that differ most first.

    Other units appear only blended, and only their shown cells: at least three of them,
    and of those the user may not open (outside `visible`), none or at least three, so
    that the blend minus what the user sees never leaves one or two units."""
    filters = replace(filters, organisation_id=unit.organisation_id)
    tree = Tree.of(unit.organisation_id)
    keyed = _keyed(_answered_versions(unit.subtree_ids, filters))
    table = build(tree, filters, threshold, keyed, counts=False)
    peers = [
        pk for pk, other in tree.active.items() if other.unit_type_id == unit.unit_type_id and pk != unit.pk
    ]
    roots = [pk for pk, other in tree.active.items() if other.parent_id not in tree.active]
    compared = []
    for key, measured in keyed.items():
        version = measured.version
        measure = measure_of(version)
        own = table.row(unit.pk).metrics[key]
        shown = [(pk, figure) for pk in peers if (figure := table.row(pk).metrics[key]).shown]
        outside = [pk for pk, _figure in shown if pk not in visible]
        peer_total = None
        if len(shown) >= MIN_PEERS and not 0 < len(outside) < MIN_PEERS:
            peer_total = added((figure.summary for _pk, figure in shown if figure.summary), version)
        rest = _rest_of_organisation(table, roots, unit, version, key, visible, threshold)
        item = ComparedItem(
            version=version,
            unit=own,
            peers=metric(peer_total, measure, threshold, None) if peer_total else Figure(),
            organisation=metric(rest, measure, threshold, None) if rest else Figure(),
        )
        if own.shown and own.value is not None and peer_total is not None:
            values = [figure.value for _pk, figure in shown]
            item.rank = 1 + sum(1 for value in values if value is not None and value > own.value)
            item.ranked = len(values) + 1
        if own.shown and item.peers.shown and own.value is not None and item.peers.value is not None:
            item.difference = own.value - item.peers.value
            p = change_p_value(peer_total, own.summary, measure) if peer_total and own.summary else None
            item.significant = p is not None and p < SIGNIFICANCE
        compared.append(item)
    compared.sort(key=lambda c: (not c.significant, -abs(c.difference or 0)))
    return compared


def _rest_of_organisation(
    table: Table,
    roots: list[int],
    unit: Unit,
    version: ItemVersion,
    key: str,
    visible: set[int],
    threshold: int,
) -> Summary | None:
    """The organisation's shown total minus the unit's shown figure: nothing that the two
    cells do not tell already, and only when what the user cannot open of it is none, or
    the own respondents of at least three units and at least `threshold` people (so it
    never stands for one or two units, or a small group)."""
    own = table.row(unit.pk).metrics[key]
    whole = [table.row(pk).metrics[key] for pk in roots]
    if own.hidden or any(figure.hidden for figure in whole):
        return None
    unseen, unseen_n = 0, 0
    for pk in table.tree.active:
        if pk in visible or pk in unit.subtree_ids:
            continue
        kids = table.tree.children.get(pk, [])
        if own_part := table.row(pk).metrics[key].n - sum(table.row(kid).metrics[key].n for kid in kids):
            unseen, unseen_n = unseen + 1, unseen_n + own_part
    if unseen and (unseen < MIN_PEERS or unseen_n < threshold):
        return None
    total = added((figure.summary for figure in whole if figure.summary), version)
    return total - own.summary if own.summary else total
