"""Tests of the pure scoring engine (DESIGN.md §5): no Django, no database."""

import csv
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.engine import (
    FIELD_SCALED_KINDS,
    MISSING_POLICIES,
    NORMALISATIONS,
    PARAMETER_KINDS,
    Methodology,
    Structure,
    aggregate_total,
    compute,
    indicator_scores,
    rank_descending,
    scale_field,
)

PUBLISHED_2021 = Path(__file__).resolve().parents[1] / "data" / "published" / "sci-rankings-2021.csv"
DOMAIN_COLUMNS = ("verwaltung", "it_kommunikation", "energie_umwelt", "mobilitaet", "gesellschaft")
NAN = np.nan
EXACT = {"rtol": 0, "atol": 1e-12}
PROPERTY = settings(max_examples=60, deadline=None, database=None)


def single_parameter(kind="number", **options) -> Structure:
    """One parameter in one indicator in one domain, so the indicator raw value is its points."""
    return Structure.build(param_indicator=[0], param_kind=kind, indicator_domain=[0], **options)


def score_single_parameter(column, kind="number", population=None, bonus=None, methodology=None, **options):
    methodology = methodology or Methodology()
    values = np.array(column, dtype=float)[:, None]
    if population is None:
        population = np.full(len(values), 100_000.0)
    return compute(single_parameter(kind, **options), values, np.array(population, dtype=float), bonus, methodology)


# --------------------------------------------------------------------------- parameter points


@pytest.mark.parametrize(
    ("kind", "column", "options", "expected"),
    [
        pytest.param("yes_no", [1, 0, 1], {}, [1, 0, 1], id="yes is 1, no is 0"),
        pytest.param("choice", [0, 0.5, 1], {}, [0, 0.5, 1], id="choice keeps its option points"),
        pytest.param("number", [10, 20, 15], {}, [0, 1, 0.5], id="highest number 1, lowest 0"),
        pytest.param("count", [10, 20, 15], {"param_higher_is_better": False}, [1, 0, 0.5], id="lower is better"),
        pytest.param("percentage", [7.8, 0.1, 3.95], {}, [1, 0, 0.5], id="percentage share"),
        pytest.param("number", [4, 4, 4], {}, [1, 1, 1], id="all equal gets full points"),
        pytest.param(
            "number", [25, 75, -10], {"param_goal_worst": 0, "param_goal_best": 50}, [0.5, 1, 0], id="goalposts"
        ),
        pytest.param(
            "number",
            [20, 60, 150, 10],
            {"param_higher_is_better": False, "param_goal_worst": 100, "param_goal_best": 20},
            [1, 0.5, 0, 1],
            id="goalposts lower is better",
        ),
    ],
)
def test_parameter_points_by_kind_direction_and_goalposts(kind, column, options, expected):
    result = score_single_parameter(column, kind, **options)

    np.testing.assert_allclose(result.parameter_points[:, 0], expected, **EXACT)


@pytest.mark.parametrize(
    ("column", "population", "higher_is_better", "expected"),
    [
        # per 1,000 inhabitants: 1.0, 0.5, 1.0
        pytest.param([100, 100, 300], [100_000, 200_000, 300_000], True, [1, 0, 1], id="higher is better"),
        # per 1,000 inhabitants: 0.5, 1.5, 2.0
        pytest.param([50, 300, 200], [100_000, 200_000, 100_000], False, [1, 1 / 3, 0], id="lower is better"),
    ],
)
def test_per_capita_parameters_are_scaled_per_thousand_inhabitants(column, population, higher_is_better, expected):
    result = score_single_parameter(
        column, "count", population, param_per_capita=True, param_higher_is_better=higher_is_better
    )

    np.testing.assert_allclose(result.parameter_points[:, 0], expected, **EXACT)


def test_per_capita_goalposts_are_in_units_per_thousand_inhabitants():
    # given 2 and 4 charging points per 1,000 inhabitants against goalposts 0..4
    column, population = [200, 1200], [100_000, 300_000]

    result = score_single_parameter(
        column, "count", population, param_per_capita=True, param_goal_worst=0, param_goal_best=4
    )

    np.testing.assert_allclose(result.parameter_points[:, 0], [0.5, 1.0], **EXACT)


@pytest.mark.parametrize(
    ("policy", "kind", "column", "expected"),
    [
        pytest.param("worst", "number", [10, NAN, 20], [0, 0, 1], id="worst counts as 0"),
        pytest.param("mean", "number", [10, NAN, 20, 20], [0, 2 / 3, 1, 1], id="mean imputes the field mean"),
        pytest.param("mean", "yes_no", [1, 0, 0, NAN], [1, 0, 0, 1 / 3], id="mean of yes and no"),
        pytest.param("mean", "number", [NAN, NAN], [0, 0], id="mean without any answer is 0"),
        pytest.param("exclude", "number", [10, NAN, 20], [0, NAN, 1], id="exclude leaves the gap"),
        pytest.param("exclude", "number", [NAN, 7, NAN], [NAN, 1, NAN], id="a lone value gets full points"),
    ],
)
def test_missing_policy_sets_the_points_of_unanswered_parameters(policy, kind, column, expected):
    result = score_single_parameter(column, kind, methodology=Methodology(missing_policy=policy))

    np.testing.assert_allclose(result.parameter_points[:, 0], expected, **EXACT)


@pytest.mark.parametrize(
    ("method", "column", "options", "expected"),
    [
        pytest.param("zscore", [1, 2, 3], {}, (3 + np.array([-1, 0, 1]) * np.sqrt(1.5)) / 6, id="zscore"),
        pytest.param(
            "zscore",
            [1, 2, 3],
            {"higher_is_better": False},
            (3 + np.array([1, 0, -1]) * np.sqrt(1.5)) / 6,
            id="zscore lower is better",
        ),
        pytest.param(
            "zscore", [0] * 19 + [100], {}, [(3 - 5 / np.sqrt(475)) / 6] * 19 + [1], id="zscore clipped at 3 sd"
        ),
        pytest.param("zscore", [5, 5], {}, [1, 1], id="zscore all equal"),
        pytest.param("target", [2, 4, 8], {}, [0.25, 0.5, 1], id="target defaults to the field best"),
        pytest.param(
            "target", [25, 100, -5], {"goal_worst": 0, "goal_best": 50}, [0.5, 1, 0], id="target is goal_best"
        ),
        pytest.param(
            "target",
            [10, 40, 20],
            {"higher_is_better": False, "goal_worst": 100, "goal_best": 20},
            [1, 0.5, 1],
            id="target lower is better is target over value",
        ),
        pytest.param("target", [-3, 0], {}, [0, 1], id="target at zero is a step"),
        pytest.param("minmax", [NAN, NAN], {}, [NAN, NAN], id="nobody answered"),
    ],
)
def test_scale_field_alternative_normalisations(method, column, options, expected):
    options = {"higher_is_better": True, **options}

    points = scale_field(np.array(column, dtype=float), method=method, **options)

    np.testing.assert_allclose(points, expected, **EXACT)


def test_scale_field_scales_each_column_with_its_own_direction_and_goalposts():
    # given
    x = np.array([[1.0, 10.0, 5.0], [3.0, 30.0, 15.0], [2.0, 20.0, NAN]])

    # when
    points = scale_field(x, [True, False, True], goal_worst=[NAN, NAN, 0], goal_best=[NAN, NAN, 10])

    # then
    np.testing.assert_allclose(points, [[0, 1, 0.5], [1, 0, 1], [0.5, 0.5, NAN]], **EXACT)


# --------------------------------------------------------------------------- indicator scores


def test_highest_share_scores_100_and_lowest_0_and_the_middle_50():
    # given the published example: e-vehicle shares of 7.8 %, 0.1 % and exactly in between
    shares = [7.8, 0.1, 3.95]

    # when
    result = score_single_parameter(shares, "percentage")

    # then
    np.testing.assert_allclose(result.indicator_score[:, 0], [100, 0, 50], rtol=0, atol=1e-9)
    np.testing.assert_array_equal(result.indicator_rank[:, 0], [1, 3, 2])


@pytest.mark.parametrize(
    ("raw", "method", "expected"),
    [
        pytest.param([0.2, 0.6, 0.4], "minmax", [0, 100, 50], id="best 100 worst 0"),
        pytest.param([0.7, 0.7], "minmax", [70, 70], id="all equal is 100 times raw"),
        pytest.param([1, 1, 1], "minmax", [100, 100, 100], id="all yes is 100"),
        pytest.param([0, 0], "minmax", [0, 0], id="all no is 0"),
        pytest.param([NAN, 0.2, 1.0], "minmax", [NAN, 0, 100], id="NaN stays NaN"),
        pytest.param([NAN, 0.4], "minmax", [NAN, 40], id="a lone value is 100 times raw"),
        pytest.param([0.2, 0.6], "target", [20, 60], id="target is 100 times raw"),
        pytest.param([0.7, 0.7], "zscore", [70, 70], id="zscore all equal is 100 times raw"),
        pytest.param([0.2, 0.6], "zscore", [100 * 2 / 6, 100 * 4 / 6], id="zscore"),
    ],
)
def test_indicator_scores_are_relative_to_the_field(raw, method, expected):
    scores = indicator_scores(np.array(raw)[:, None], method)

    np.testing.assert_allclose(scores[:, 0], expected, rtol=0, atol=1e-9)


@pytest.mark.parametrize(
    ("policy", "expected_raw"),
    [
        pytest.param("worst", [1, 0.25, 0, 0], id="worst"),
        pytest.param("exclude", [1, 1, 0, 0], id="exclude re-weights over answered parameters"),
        pytest.param("mean", [1, 0.5, 0, 1 / 6], id="mean"),
    ],
)
def test_indicator_raw_is_the_weighted_mean_under_each_missing_policy(policy, expected_raw):
    # given two yes/no parameters weighted 1 and 3; parameter means 2/3 and 1/3 over the answers
    structure = Structure.build(param_indicator=[0, 0], param_kind="yes_no", param_weight=[1, 3], indicator_domain=[0])
    values = np.array([[1, 1], [1, NAN], [0, 0], [NAN, 0]])

    # when
    result = compute(structure, values, np.full(4, 200_000.0), methodology=Methodology(missing_policy=policy))

    # then
    np.testing.assert_allclose(result.indicator_raw[:, 0], expected_raw, **EXACT)
    np.testing.assert_allclose(result.indicator_score[:, 0], 100 * np.array(expected_raw), rtol=0, atol=1e-9)


def test_a_parameter_with_zero_weight_does_not_count():
    structure = Structure.build(param_indicator=[0, 0], param_kind="yes_no", param_weight=[0, 1], indicator_domain=[0])

    result = compute(structure, np.array([[1, 0], [0, 1]]), np.full(2, 100_000.0))

    np.testing.assert_allclose(result.indicator_raw[:, 0], [0, 1], **EXACT)


def test_an_indicator_whose_weights_sum_to_zero_is_left_out_of_its_domain():
    # given indicator 1 has only a zero-weight parameter
    structure = Structure.build(
        param_indicator=[0, 1], param_kind="yes_no", param_weight=[1, 0], indicator_domain=[0, 0]
    )

    # when
    result = compute(structure, np.array([[1, 1], [0, 0]]), np.full(2, 100_000.0))

    # then
    np.testing.assert_array_equal(result.indicator_raw[:, 1], [NAN, NAN])
    np.testing.assert_allclose(result.domain_score[:, 0], [100, 0], **EXACT)


def test_exclude_drops_unanswered_indicators_and_an_empty_domain_scores_0():
    # given domain 0 holds indicators 0 and 1, domain 1 holds indicator 2; one yes/no each
    structure = Structure.build(
        param_indicator=[0, 1, 2], param_kind="yes_no", indicator_domain=[0, 0, 1], indicator_weight=[1, 3, 1]
    )
    values = np.array(
        [
            [1, 0, 1],  # answered everything
            [1, NAN, NAN],  # nothing in indicator 1, nothing at all in domain 1
            [0, 1, 0],
        ]
    )

    # when
    result = compute(structure, values, np.full(3, 100_000.0), methodology=Methodology(missing_policy="exclude"))

    # then
    np.testing.assert_allclose(result.indicator_score, [[100, 0, 100], [100, NAN, NAN], [0, 100, 0]], **EXACT)
    np.testing.assert_allclose(result.domain_score, [[25, 100], [100, 0], [75, 0]], **EXACT)
    np.testing.assert_array_equal(result.indicator_rank[:, 1], [2, 3, 1])


# --------------------------------------------------------------------------- domains, bonus and total


@pytest.mark.parametrize(
    ("points", "bonus", "methodology", "expected"),
    [
        pytest.param(0.5, 3, Methodology(), 53, id="bonus is added"),
        pytest.param(0.5, 7, Methodology(), 55, id="bonus 7 is capped at 5"),
        pytest.param(0.98, 5, Methodology(), 100, id="domain capped at 100"),
        pytest.param(0.5, -2, Methodology(), 50, id="negative bonus counts as 0"),
        pytest.param(0.5, NAN, Methodology(), 50, id="no bonus"),
        pytest.param(0.5, 7, Methodology(bonus_cap=10), 57, id="edition with a higher cap"),
    ],
)
def test_innovation_bonus_is_clipped_to_the_cap_and_the_domain_to_100(points, bonus, methodology, expected):
    # given both cities have the same choice points, so the indicator score is 100 × points
    bonuses = np.array([[bonus], [0]], dtype=float)

    # when
    result = score_single_parameter([points, points], "choice", bonus=bonuses, methodology=methodology)

    # then
    np.testing.assert_allclose(result.domain_score[:, 0], [expected, 100 * points], rtol=0, atol=1e-9)
    np.testing.assert_allclose(result.total, result.domain_score[:, 0], **EXACT)


@pytest.mark.parametrize(
    ("scores", "weights", "method", "expected"),
    [
        pytest.param([100, 0], [1, 1], "arithmetic", 50, id="arithmetic mean"),
        pytest.param([100, 0], [3, 1], "arithmetic", 75, id="weighted arithmetic mean"),
        pytest.param([100, 0], [1, 0], "arithmetic", 100, id="zero weight domain does not count"),
        pytest.param([100, 0], [1, 1], "geometric", np.sqrt(101) - 1, id="geometric mean with a zero domain"),
        pytest.param([60, 60, 60], [1, 2, 3], "geometric", 60, id="geometric mean of equal scores"),
        pytest.param([81, 9], [1, 1], "geometric", np.sqrt(82 * 10) - 1, id="geometric mean of score plus one"),
    ],
)
def test_aggregate_total_combines_domain_scores(scores, weights, method, expected):
    total = aggregate_total(np.array([scores], dtype=float), np.array(weights, dtype=float), method)

    np.testing.assert_allclose(total, [expected], rtol=1e-12, atol=0)


def test_compute_uses_the_domain_weights_for_the_total():
    # given one yes/no parameter per domain, domain weights 1 and 3
    structure = Structure.build(
        param_indicator=[0, 1], param_kind="yes_no", indicator_domain=[0, 1], domain_weight=[1, 3]
    )

    result = compute(structure, np.array([[1, 0], [0, 1]]), np.full(2, 100_000.0))

    np.testing.assert_allclose(result.total, [25, 75], **EXACT)
    np.testing.assert_array_equal(result.total_rank, [2, 1])
    np.testing.assert_array_equal(result.domain_rank, [[1, 2], [2, 1]])


def read_published_2021_rows_with_all_domains():
    with PUBLISHED_2021.open(encoding="utf-8", newline="") as file:
        return [row for row in csv.DictReader(file) if all(row[column] for column in DOMAIN_COLUMNS)]


def test_published_2021_totals_are_the_equal_weight_mean_of_the_five_domains():
    # given the nine cities whose five domain values were published
    rows = read_published_2021_rows_with_all_domains()
    domain_score = np.array([[float(row[column]) for column in DOMAIN_COLUMNS] for row in rows])
    published_total = np.array([float(row["index_value"]) for row in rows])
    published_rank = np.array([int(row["rank"]) for row in rows])

    # when
    total = aggregate_total(domain_score, np.ones(5), "arithmetic")

    # then
    assert [row["city"] for row in rows][:2] == ["Hamburg", "Köln"]
    np.testing.assert_array_equal(published_rank, np.arange(1, 10))
    np.testing.assert_allclose(total, published_total, rtol=0, atol=0.1)
    np.testing.assert_array_equal(rank_descending(total), published_rank)


# --------------------------------------------------------------------------- ranks and trend


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        pytest.param([90, 80, 80, 70], [1, 2, 2, 4], id="ties share a rank"),
        pytest.param([70, 80, 90], [3, 2, 1], id="highest first"),
        pytest.param([NAN, 50, NAN, 60], [3, 2, 3, 1], id="NaN ranks last"),
        pytest.param([5, 5, 5], [1, 1, 1], id="all tied"),
        pytest.param([0.1 + 0.2, 0.3], [1, 2], id="unrounded values decide"),
        pytest.param([0.0, -0.0], [1, 1], id="signed zeros tie"),
        pytest.param([], [], id="no cities"),
    ],
)
def test_rank_descending_gives_competition_ranks(values, expected):
    ranks = rank_descending(np.array(values, dtype=float))

    np.testing.assert_array_equal(ranks, np.array(expected, dtype=np.int64))
    assert ranks.dtype == np.int64


def test_rank_descending_ranks_2d_input_column_by_column():
    ranks = rank_descending(np.array([[1, 5], [2, 5], [NAN, 4]]))

    np.testing.assert_array_equal(ranks, [[2, 1], [1, 1], [3, 3]])


# --------------------------------------------------------------------------- completeness


def test_completeness_counts_answered_parameters_overall_and_per_domain():
    # given three parameters in domain 0 and one in domain 1
    structure = Structure.build(
        param_indicator=[0, 0, 1, 2], param_kind="yes_no", indicator_domain=[0, 0, 1], param_weight=[1, 5, 1, 1]
    )
    values = np.array([[1, NAN, 0, NAN], [1, 1, 1, 1]])

    result = compute(structure, values, np.full(2, 100_000.0))

    np.testing.assert_allclose(result.completeness, [0.5, 1.0], **EXACT)
    np.testing.assert_allclose(result.domain_completeness, [[2 / 3, 0.0], [1.0, 1.0]], **EXACT)


# --------------------------------------------------------------------------- validation


def test_wrong_shape_of_values_is_rejected():
    with pytest.raises(ValueError, match=r"values must have shape \(cities, 1\), got \(3, 2\)"):
        compute(single_parameter(), np.zeros((3, 2)), np.full(3, 100_000.0))


@pytest.mark.parametrize(
    ("kind", "column", "population", "bonus", "message"),
    [
        pytest.param(
            "yes_no", [2.0, 1.0], [1e5, 1e5], None, "yes_no values must be 0 or 1; parameter 0 has 2.0", id="yes_no 2"
        ),
        pytest.param("yes_no", [0.5, 1.0], [1e5, 1e5], None, "yes_no values must be 0 or 1", id="yes_no half"),
        pytest.param(
            "choice", [1.5, 0.0], [1e5, 1e5], None, r"choice values must be the option's points in 0\.\.1", id="choice"
        ),
        pytest.param("number", [1.0, np.inf], [1e5, 1e5], None, "values must be finite numbers or NaN", id="inf"),
        pytest.param(
            "number", [1.0, 2.0], [1e5, -5.0], None, "population must be positive; city 1 has -5.0", id="negative"
        ),
        pytest.param("number", [1.0, 2.0], [1e5], None, r"population must have shape \(2,\)", id="population shape"),
        pytest.param(
            "number", [1.0, 2.0], [1e5, 1e5], np.zeros((2, 2)), r"bonus must have shape \(2, 1\)", id="bonus shape"
        ),
    ],
)
def test_invalid_inputs_are_rejected(kind, column, population, bonus, message):
    with pytest.raises(ValueError, match=message):
        score_single_parameter(column, kind, population=population, bonus=bonus)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        pytest.param(
            {"missing_policy": "median"},
            "unknown missing_policy 'median'; expected one of worst, exclude, mean",
            id="policy",
        ),
        pytest.param({"normalisation": "rank"}, "unknown normalisation 'rank'", id="normalisation"),
        pytest.param({"aggregation": "harmonic"}, "unknown aggregation 'harmonic'", id="aggregation"),
        pytest.param({"bonus_cap": -1}, r"bonus_cap must be a number in 0\.\.100", id="bonus cap"),
    ],
)
def test_unknown_methodology_settings_are_rejected(options, message):
    with pytest.raises(ValueError, match=message):
        Methodology(**options)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        pytest.param({"param_indicator": [3]}, r"param_indicator\[0\] is 3, outside 0\.\.0", id="indicator index"),
        pytest.param({"param_kind": "slider"}, r"param_kind\[0\] is 'slider'", id="kind"),
        pytest.param({"param_weight": -1}, "param_weight must be finite and >= 0", id="negative weight"),
        pytest.param(
            {"param_kind": "yes_no", "param_per_capita": True},
            "only number, percentage and count parameters can be per capita",
            id="per capita yes_no",
        ),
        pytest.param({"param_goal_best": 10}, "goal_worst and goal_best must be given together", id="half goalposts"),
        pytest.param(
            {"param_goal_worst": 10, "param_goal_best": 0},
            "goal_best must lie above goal_worst when higher is better",
            id="goalposts direction",
        ),
        pytest.param(
            {"param_goal_worst": 1, "param_goal_best": 1}, "goal_best must differ from goal_worst", id="equal goalposts"
        ),
    ],
)
def test_inconsistent_structures_are_rejected(options, message):
    arguments = {"param_indicator": [0], "param_kind": "number", "indicator_domain": [0], **options}

    with pytest.raises(ValueError, match=message):
        Structure.build(**arguments)


def test_structure_with_mismatched_lengths_is_rejected():
    with pytest.raises(ValueError, match=r"param_weight must have shape \(2,\) like param_kind, got \(1,\)"):
        Structure(
            param_indicator=[0, 0],
            param_weight=[1.0],
            param_kind=("yes_no", "yes_no"),
            param_higher_is_better=[True, True],
            param_per_capita=[False, False],
            param_goal_worst=[NAN, NAN],
            param_goal_best=[NAN, NAN],
            indicator_domain=[0],
            indicator_weight=[1.0],
            domain_weight=[1.0],
        )


def test_domain_weights_summing_to_zero_are_rejected_by_compute():
    structure = Structure.build(param_indicator=[0], param_kind="yes_no", indicator_domain=[0], domain_weight=0)

    with pytest.raises(ValueError, match="domain_weight must have a positive sum"):
        compute(structure, np.array([[1.0]]), np.array([100_000.0]))


def test_structure_arrays_are_read_only():
    structure = single_parameter()

    with pytest.raises(ValueError, match="read-only"):
        structure.param_weight[0] = 2.0


def test_scale_field_rejects_an_unknown_method():
    with pytest.raises(ValueError, match="unknown normalisation 'quantile'"):
        scale_field(np.array([1.0, 2.0]), True, method="quantile")


# --------------------------------------------------------------------------- properties


@dataclass(frozen=True)
class Case:
    """Random scoring inputs, kept as plain arrays so a test can change them before building."""

    param_indicator: list
    param_kind: tuple
    param_weight: list
    param_higher_is_better: list
    param_per_capita: list
    indicator_domain: list
    indicator_weight: list
    domain_weight: list
    values: np.ndarray
    population: np.ndarray
    bonus: np.ndarray

    def structure(self) -> Structure:
        return Structure.build(
            param_indicator=self.param_indicator,
            param_kind=self.param_kind,
            param_weight=self.param_weight,
            param_higher_is_better=self.param_higher_is_better,
            param_per_capita=self.param_per_capita,
            indicator_domain=self.indicator_domain,
            indicator_weight=self.indicator_weight,
            domain_weight=self.domain_weight,
            n_domains=len(self.domain_weight),
        )

    def compute(self, methodology: Methodology, **changes):
        case = replace(self, **changes)
        return compute(case.structure(), case.values, case.population, case.bonus, methodology)


WEIGHTS = st.sampled_from([0.0, 0.5, 1.0, 2.0, 3.0])
NUMBERS = st.one_of(
    st.integers(-5, 5).map(float),  # small integers make ties likely
    st.floats(-1e4, 1e4, allow_nan=False, allow_subnormal=False),
)
ANSWERS = {
    "yes_no": st.sampled_from([0.0, 1.0]),
    "choice": st.sampled_from([0.0, 0.25, 0.5, 1.0]),
    **{kind: NUMBERS for kind in FIELD_SCALED_KINDS},
}
METHODOLOGIES = st.builds(
    Methodology,
    missing_policy=st.sampled_from(MISSING_POLICIES),
    normalisation=st.sampled_from(NORMALISATIONS),
    aggregation=st.sampled_from(("arithmetic", "geometric")),
)


@st.composite
def cases(draw, min_cities=2):
    n_domains = draw(st.integers(1, 3))
    n_indicators = draw(st.integers(1, 4))
    n_params = draw(st.integers(1, 6))
    n_cities = draw(st.integers(min_cities, 7))
    kinds = tuple(draw(st.lists(st.sampled_from(PARAMETER_KINDS), min_size=n_params, max_size=n_params)))
    columns = [
        draw(st.lists(st.one_of(st.just(NAN), ANSWERS[kind]), min_size=n_cities, max_size=n_cities)) for kind in kinds
    ]
    return Case(
        param_indicator=draw(st.lists(st.integers(0, n_indicators - 1), min_size=n_params, max_size=n_params)),
        param_kind=kinds,
        param_weight=draw(st.lists(WEIGHTS, min_size=n_params, max_size=n_params)),
        param_higher_is_better=draw(st.lists(st.booleans(), min_size=n_params, max_size=n_params)),
        param_per_capita=[kind in FIELD_SCALED_KINDS and draw(st.booleans()) for kind in kinds],
        indicator_domain=draw(st.lists(st.integers(0, n_domains - 1), min_size=n_indicators, max_size=n_indicators)),
        indicator_weight=draw(st.lists(WEIGHTS, min_size=n_indicators, max_size=n_indicators)),
        domain_weight=draw(st.lists(WEIGHTS.filter(bool), min_size=n_domains, max_size=n_domains)),
        values=np.array(columns, dtype=float).T.reshape(n_cities, n_params),
        population=np.array(
            draw(st.lists(st.integers(100_000, 4_000_000), min_size=n_cities, max_size=n_cities)), dtype=float
        ),
        bonus=np.array(
            draw(
                st.lists(
                    st.lists(st.one_of(st.just(NAN), st.floats(-2, 10)), min_size=n_domains, max_size=n_domains),
                    min_size=n_cities,
                    max_size=n_cities,
                )
            )
        ),
    )


def assert_within(array, low, high, allow_nan=False):
    finite = array[~np.isnan(array)] if allow_nan else array
    assert allow_nan or not np.isnan(array).any()
    assert ((finite >= low) & (finite <= high)).all()


@PROPERTY
@given(case=cases(), methodology=METHODOLOGIES)
def test_every_score_lies_between_0_and_100(case, methodology):
    result = case.compute(methodology)

    gaps = methodology.missing_policy == "exclude"
    assert_within(result.parameter_points, 0, 1, allow_nan=gaps)
    assert_within(result.indicator_raw, 0, 1, allow_nan=True)
    assert_within(result.indicator_score, 0, 100, allow_nan=True)
    assert_within(result.domain_score, 0, 100)
    assert_within(result.total, 0, 100)
    assert_within(result.completeness, 0, 1)
    assert_within(result.domain_completeness, 0, 1)
    n_cities = len(case.values)
    for ranks in (result.total_rank, result.domain_rank, result.indicator_rank):
        assert ((ranks >= 1) & (ranks <= n_cities)).all()


@PROPERTY
@given(case=cases(), policy=st.sampled_from(MISSING_POLICIES))
def test_per_indicator_the_best_city_scores_100_and_the_worst_0_when_raw_values_differ(case, policy):
    result = case.compute(Methodology(missing_policy=policy))

    for raw, score in zip(result.indicator_raw.T, result.indicator_score.T, strict=True):
        scored = ~np.isnan(raw)
        if len(np.unique(raw[scored])) > 1:
            assert score[raw == raw[scored].max()].tolist() == [100.0] * (raw == raw[scored].max()).sum()
            assert score[raw == raw[scored].min()].tolist() == [0.0] * (raw == raw[scored].min()).sum()
        else:
            np.testing.assert_array_equal(score[scored], 100 * raw[scored])


@PROPERTY
@given(data=st.data(), case=cases(), methodology=METHODOLOGIES)
def test_permuting_cities_permutes_every_result_bit_for_bit(data, case, methodology):
    # given
    order = np.array(data.draw(st.permutations(range(len(case.values)))))

    # when
    result = case.compute(methodology)
    permuted = case.compute(
        methodology, values=case.values[order], population=case.population[order], bonus=case.bonus[order]
    )

    # then
    for name in result.__dataclass_fields__:
        np.testing.assert_array_equal(getattr(permuted, name), getattr(result, name)[order], err_msg=name)


@PROPERTY
@given(data=st.data(), case=cases(), methodology=METHODOLOGIES)
def test_cities_with_identical_inputs_tie_exactly(data, case, methodology):
    # given city 1 is a copy of city 0
    copy = [0, 0, *range(1, len(case.values))]

    # when
    result = case.compute(
        methodology, values=case.values[copy], population=case.population[copy], bonus=case.bonus[copy]
    )

    # then
    np.testing.assert_array_equal(result.domain_score[0], result.domain_score[1])
    np.testing.assert_array_equal(result.indicator_rank[0], result.indicator_rank[1])
    assert result.total_rank[0] == result.total_rank[1]


@PROPERTY
@given(
    data=st.data(),
    case=cases(),
    policy=st.sampled_from(("worst", "exclude")),
    aggregation=st.sampled_from(("arithmetic", "geometric")),
)
def test_raising_an_answer_on_a_higher_is_better_parameter_never_lowers_the_city_s_scores(
    data, case, policy, aggregation
):
    # given a city that answered a parameter which rewards higher values
    n_cities, n_params = case.values.shape
    city, param = data.draw(st.integers(0, n_cities - 1)), data.draw(st.integers(0, n_params - 1))
    kind = case.param_kind[param]
    higher_is_better = list(case.param_higher_is_better)
    higher_is_better[param] = True
    before = case.values.copy()
    if np.isnan(before[city, param]):
        before[city, param] = data.draw(ANSWERS[kind])
    after = before.copy()
    if kind == "yes_no":
        after[city, param] = 1.0
    elif kind == "choice":
        options = [points for points in (0.0, 0.25, 0.5, 1.0) if points >= before[city, param]]
        after[city, param] = data.draw(st.sampled_from(options))
    else:
        after[city, param] += data.draw(st.floats(0, 1e4, allow_subnormal=False))
    methodology = Methodology(missing_policy=policy, aggregation=aggregation)

    # when
    old = case.compute(methodology, values=before, param_higher_is_better=higher_is_better)
    new = case.compute(methodology, values=after, param_higher_is_better=higher_is_better)

    # then
    indicator = case.param_indicator[param]
    assert_not_lower(new.indicator_score[city, indicator], old.indicator_score[city, indicator])
    assert_not_lower(new.domain_score[city], old.domain_score[city])
    assert_not_lower(new.total[city], old.total[city])


def assert_not_lower(new, old):
    """new >= old, where a NaN (an indicator without weighted data) must stay NaN."""
    new, old = np.atleast_1d(new), np.atleast_1d(old)
    np.testing.assert_array_equal(np.isnan(new), np.isnan(old))
    assert (new[~np.isnan(new)] >= old[~np.isnan(old)]).all()


@PROPERTY
@given(values=st.lists(st.one_of(st.just(NAN), st.integers(-3, 3).map(float)), max_size=12))
def test_rank_is_one_plus_the_number_of_strictly_higher_values(values):
    values = np.array(values, dtype=float)

    ranks = rank_descending(values)

    answered = values[~np.isnan(values)]
    expected = [1 + ((answered > v).sum() if not np.isnan(v) else len(answered)) for v in values]
    np.testing.assert_array_equal(ranks, expected)
