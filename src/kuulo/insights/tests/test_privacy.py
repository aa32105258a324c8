"""No figure from fewer respondents than the threshold can be seen or worked out.

For random unit trees and counts, after suppression: every shown figure comes from at
least `threshold` respondents (or none), and no small group is determined by the shown
figures: neither a hidden unit's figure nor a unit's own small part (its respondents
outside every child), even for someone who also knows every own part that is not
small ("parent minus the other children", across any number of levels).
"""

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from kuulo.insights.figures import Figure, count
from kuulo.insights.table import suppress


@st.composite
def trees(draw: st.DrawFn) -> tuple[list[int | None], list[int], int]:
    """Parents (index of an earlier unit, or None for a root), each unit's own count, threshold."""
    size = draw(st.integers(1, 9))
    parents: list[int | None] = [None]
    for index in range(1, size):
        parents.append(draw(st.one_of(st.none(), st.integers(0, index - 1))) if index > 1 else 0)
    own = draw(st.lists(st.integers(0, 12), min_size=size, max_size=size))
    return parents, own, draw(st.integers(3, 10))


def determined(unknowns: list[int], equations: list[dict[int, int]]) -> set[int]:
    """Which unknowns a set of linear equations pins down (a unit vector in their row space)."""
    columns = {u: i for i, u in enumerate(unknowns)}
    matrix = [[Fraction(0)] * len(unknowns) for _ in equations]
    for row, equation in zip(matrix, equations, strict=True):
        for unknown, coefficient in equation.items():
            row[columns[unknown]] += coefficient
    pivot_row = 0
    pivots = []
    for column in range(len(unknowns)):
        found = next((r for r in range(pivot_row, len(matrix)) if matrix[r][column] != 0), None)
        if found is None:
            continue
        matrix[pivot_row], matrix[found] = matrix[found], matrix[pivot_row]
        lead = matrix[pivot_row][column]
        matrix[pivot_row] = [value / lead for value in matrix[pivot_row]]
        for r in range(len(matrix)):
            if r != pivot_row and matrix[r][column] != 0:
                factor = matrix[r][column]
                matrix[r] = [a - factor * b for a, b in zip(matrix[r], matrix[pivot_row], strict=True)]
        pivots.append(column)
        pivot_row += 1
    pinned = set()
    for row in matrix[:pivot_row]:
        nonzero = [i for i, value in enumerate(row) if value != 0]
        if len(nonzero) == 1:
            pinned.add(unknowns[nonzero[0]])
    return pinned


@settings(max_examples=600)
@given(trees())
def test_no_small_group_can_be_seen_or_worked_out(tree: tuple[list[int | None], list[int], int]) -> None:
    parents, own, threshold = tree
    size = len(parents)
    kids: dict[int, list[int]] = {i: [j for j in range(size) if parents[j] == i] for i in range(size)}

    def total(i: int) -> int:
        return own[i] + sum(total(k) for k in kids[i])

    figures: list[Figure] = [count(total(i), threshold) for i in range(size)]
    suppress([(figures[i], [figures[k] for k in kids[i]], True) for i in range(size) if kids[i]], threshold)

    for i, figure in enumerate(figures):
        assert figure.hidden or figure.value == total(i)
        assert not figure.shown or total(i) == 0 or total(i) >= threshold
    hidden = [i for i, figure in enumerate(figures) if figure.hidden]
    # Unknowns: hidden totals, and own parts that are small (-1 - i stands for own(i)).
    small_own = [-1 - i for i in range(size) if kids[i] and 0 < own[i] < threshold]
    unknowns = hidden + small_own
    # What someone who sees the table and knows every other own part can write down:
    # total(unit) − Σ total(children) − own(unit) = 0, with everything known moved aside.
    equations = []
    for i in range(size):
        if kids[i]:
            terms = [(i, 1), *((k, -1) for k in kids[i]), (-1 - i, -1)]
            equation = {u: c for u, c in terms if u in unknowns}
            if equation:
                equations.append(equation)
    small = {i for i in hidden if 0 < total(i) < threshold} | set(small_own)
    assert not small & determined(unknowns, equations)
