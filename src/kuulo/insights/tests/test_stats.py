"""Dashboard statistics against values computed by hand and by Python's statistics module."""

import statistics

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kuulo.insights.stats import Summary, change_p_value, significant_changes, wilson


def summary_of(values: list[int], scale_min: int = 1, scale_max: int = 5) -> Summary:
    counts = tuple(values.count(v) for v in range(scale_min, scale_max + 1))
    return Summary(len(values), sum(values), sum(v * v for v in values), counts, scale_min, scale_max)


def test_mean_with_its_t_interval() -> None:
    summary = summary_of([1, 2, 3, 4, 5])
    assert summary.mean() == 3
    low, high = summary.mean_interval() or (0, 0)
    assert low == pytest.approx(1.0367, abs=1e-3) and high == pytest.approx(4.9633, abs=1e-3)
    assert summary.small and summary_of([4] * 30).small is False


def test_top_two_box_share_and_the_yes_share() -> None:
    assert summary_of([5, 4, 4, 3, 1]).top_box() == pytest.approx(0.6)
    yes_no = summary_of([1, 1, 0, 1], scale_min=0, scale_max=1)
    assert yes_no.top_box() == pytest.approx(0.75)  # on yes/no only "yes" is the top box


def test_wilson_interval_matches_the_textbook() -> None:
    low, high = wilson(0.5, 10)
    assert (round(low, 4), round(high, 4)) == (0.2366, 0.7634)
    assert wilson(0.0, 20)[0] == 0.0 and wilson(1.0, 20)[1] == 1.0


def test_nps_and_its_interval() -> None:
    answers = [10] * 3 + [9] * 2 + [8] * 2 + [7] + [6, 0]  # 5 promoters, 3 passives, 2 detractors
    summary = summary_of(answers, scale_min=0, scale_max=10)
    assert summary.nps() == pytest.approx(30.0)
    scores = [1] * 5 + [0] * 3 + [-1] * 2
    half = 100 * 1.959964 * (statistics.pvariance(scores) / 10) ** 0.5
    low, high = summary.nps_interval() or (0, 0)
    assert low == pytest.approx(30 - half) and high == pytest.approx(30 + half)


def test_changes_are_tested_against_noise() -> None:
    before = summary_of([1] * 50 + [0] * 50, 0, 1)
    after = summary_of([1] * 60 + [0] * 40, 0, 1)
    assert change_p_value(before, after, "top_box") == pytest.approx(0.155, abs=1e-3)
    assert change_p_value(before, before, "mean") == pytest.approx(1.0)
    big = change_p_value(summary_of([2, 3] * 40), summary_of([4, 5] * 40), "mean")
    assert big is not None and big < 1e-6
    assert change_p_value(summary_of([5]), summary_of([1, 2]), "mean") is None  # too few to say


def test_only_changes_that_survive_many_comparisons_are_reported() -> None:
    p_values = {"a": 0.001, "b": 0.04, "c": 0.03, "d": 0.5, "e": None}
    assert significant_changes(p_values) == {"a"}
    assert significant_changes({"a": 0.01, "b": 0.02}) == {"a", "b"}


@given(st.lists(st.integers(1, 7), min_size=2, max_size=200), st.lists(st.integers(1, 7), max_size=50))
def test_summaries_agree_with_the_statistics_module_and_add_up(first: list[int], second: list[int]) -> None:
    summary = summary_of(first, 1, 7)
    assert summary.mean() == pytest.approx(statistics.fmean(first))
    assert summary.variance() == pytest.approx(statistics.variance(first), abs=1e-9)
    assert summary + summary_of(second, 1, 7) == summary_of(first + second, 1, 7)
