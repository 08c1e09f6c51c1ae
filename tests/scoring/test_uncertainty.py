"""Rank uncertainty: the Monte Carlo engine (scoring/uncertainty.py), its storage, the task and the command."""

import dataclasses
from decimal import Decimal

import numpy as np
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from indicators.models import Answer, Participation
from indicators.services import answer_approve
from scoring import engine, tasks, uncertainty
from scoring.inputs import load_inputs
from scoring.models import RankUncertainty, ScoreRun, UncertaintyAnalysis
from scoring.services import scores_recompute, uncertainty_analyse
from tests.scoring.test_services import answer_all, publish

KINDS = ("yes_no", "choice", "number", "percentage", "count")


def field(*, cities: int = 30, seed: int = 0, missing: float = 0.1):
    """A synthetic field: 3 domains, 7 indicators, 20 parameters of every kind (one with goalposts, one
    per capita, one lower-is-better), random values with a share missing, and some innovation bonus."""
    rng = np.random.default_rng(seed)
    indicator_domain = [0, 0, 0, 1, 1, 2, 2]
    param_indicator = [0, 0, 0, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 5, 5, 5, 6, 6, 6, 6]
    kinds = [KINDS[p % 5] for p in range(20)]
    goal_worst, goal_best = np.full(20, np.nan), np.full(20, np.nan)
    goal_worst[3], goal_best[3] = 0.0, 100.0  # a percentage with goalposts
    structure = engine.Structure.build(
        param_indicator=param_indicator,
        param_kind=tuple(kinds),
        indicator_domain=indicator_domain,
        param_weight=rng.integers(1, 3, 20).astype(float),
        param_higher_is_better=[p != 7 for p in range(20)],  # a number where lower is better
        param_per_capita=[p == 4 for p in range(20)],  # a count per 1,000 inhabitants
        param_goal_worst=goal_worst,
        param_goal_best=goal_best,
        indicator_weight=rng.uniform(0.5, 2.0, 7),
        domain_weight=[1.0, 2.0, 1.0],
    )
    values = np.empty((cities, 20))
    for p, kind in enumerate(kinds):
        if kind == "yes_no":
            values[:, p] = rng.integers(0, 2, cities)
        elif kind == "choice":
            values[:, p] = rng.choice([0.0, 0.5, 1.0], cities)
        else:
            values[:, p] = np.round(rng.uniform(0, 100, cities), 1)
    values[rng.random(values.shape) < missing] = np.nan
    population = rng.uniform(100_000, 1_000_000, cities)
    bonus = np.where(rng.random((cities, 3)) < 0.3, rng.integers(1, 6, (cities, 3)), np.nan)
    return structure, values, population, bonus


OFFICIAL = engine.Methodology()


def analyse(structure, values, population, bonus, methodology=OFFICIAL, **options):
    return uncertainty.analyse(structure, values, population, bonus, methodology, **options)


# --------------------------------------------------------------------------- engine level


@pytest.mark.parametrize(
    "methodology",
    [
        engine.Methodology(),
        engine.Methodology(missing_policy="exclude", normalisation="zscore", aggregation="geometric"),
        engine.Methodology(missing_policy="mean", normalisation="target", bonus_cap=3.0),
    ],
    ids=["minmax-worst-arithmetic", "zscore-exclude-geometric", "target-mean"],
)
def test_zero_spread_and_only_the_official_alternative_give_the_official_ranks_with_zero_width(methodology):
    # given
    structure, values, population, bonus = field(seed=1)
    official = engine.compute(structure, values, population, bonus, methodology)

    # when
    result = analyse(
        structure,
        values,
        population,
        bonus,
        methodology,
        draws=200,
        weight_spread=0.0,
        normalisations=[methodology.normalisation],
        missing_policies=[methodology.missing_policy],
    )

    # then
    for ranks in (result.median_rank, result.rank_low, result.rank_high, result.official_rank):
        np.testing.assert_array_equal(ranks, official.total_rank)
    for ranks in (result.domain_median, result.domain_low, result.domain_high, result.official_domain_rank):
        np.testing.assert_array_equal(ranks, official.domain_rank)
    assert result.rank_low.dtype.kind == "i" and result.domain_high.dtype.kind == "i"


@pytest.mark.parametrize("aggregation", ["arithmetic", "geometric"])
@pytest.mark.parametrize("policy", ["worst", "exclude", "mean"])
def test_a_draw_reproduces_the_engine_bit_for_bit(policy, aggregation):
    # given: one draw with the official weights and two with perturbed ones
    structure, values, population, bonus = field(seed=2, missing=0.25)
    methodology = engine.Methodology(missing_policy=policy, aggregation=aggregation)
    official = engine.compute(structure, values, population, bonus, methodology)
    rng = np.random.default_rng(5)
    indicator_factor = np.vstack([np.ones(7), rng.uniform(0.75, 1.25, (2, 7))])
    domain_factor = np.vstack([np.ones(3), rng.uniform(0.75, 1.25, (2, 3))])
    clipped_bonus = np.clip(np.nan_to_num(bonus), 0, methodology.bonus_cap)

    # when
    domain_score, total = uncertainty.perturbed_scores(
        official.indicator_score, structure, clipped_bonus, methodology, indicator_factor, domain_factor
    )

    # then: identical floats, not merely close ones, so exact ties stay ties
    assert np.array_equal(domain_score[0], official.domain_score) and np.array_equal(total[0], official.total)
    for draw in (1, 2):
        perturbed = dataclasses.replace(
            structure,
            indicator_weight=structure.indicator_weight * indicator_factor[draw],
            domain_weight=structure.domain_weight * domain_factor[draw],
        )
        expected = engine.compute(perturbed, values, population, bonus, methodology)
        assert np.array_equal(domain_score[draw], expected.domain_score)
        assert np.array_equal(total[draw], expected.total)


def test_a_city_far_ahead_of_all_others_keeps_rank_1_in_every_draw():
    # given: city 0 has the best value of the field in every parameter and the full bonus everywhere
    structure, values, population, bonus = field(seed=3)
    population[0] = population.mean()  # per-capita values stay comparable
    best = np.where(structure.param_higher_is_better, 100.0, 0.0)
    values[0] = np.where(np.isin(structure.param_kind, ("yes_no", "choice")), 1.0, best)
    bonus[0] = 5.0

    # when: every alternative and a wide weight spread
    result = analyse(structure, values, population, bonus, draws=500, seed=11, weight_spread=0.9)

    # then
    assert result.normalisations == ("minmax", "zscore", "target")  # target: the field has goalposts
    assert (result.median_rank[0], result.rank_low[0], result.rank_high[0]) == (1.0, 1, 1)
    assert (result.domain_low[0] == 1).all() and (result.domain_high[0] == 1).all()
    assert (result.domain_median[0] == 1.0).all()
    assert (result.rank_high[1:] > 1).any()  # the others do move


def test_the_same_seed_gives_identical_results_and_another_seed_different_ones(monkeypatch):
    structure, values, population, bonus = field(seed=4)

    first = analyse(structure, values, population, bonus, draws=300, seed=42)
    again = analyse(structure, values, population, bonus, draws=300, seed=42)
    monkeypatch.setattr(uncertainty, "BATCH_ELEMENTS", 50)  # many small batches: the same draws
    batched = analyse(structure, values, population, bonus, draws=300, seed=42)
    other = analyse(structure, values, population, bonus, draws=300, seed=43)

    names = ("median_rank", "rank_low", "rank_high", "domain_median", "domain_low", "domain_high")
    for name in names:
        np.testing.assert_array_equal(getattr(again, name), getattr(first, name))
        np.testing.assert_array_equal(getattr(batched, name), getattr(first, name))
    assert any(not np.array_equal(getattr(other, name), getattr(first, name)) for name in names)


def test_intervals_are_ordered_and_contain_the_official_rank_in_a_typical_case():
    structure, values, population, bonus = field(seed=5, cities=40)

    result = analyse(structure, values, population, bonus, draws=400, seed=1, missing_policies=["worst"])

    assert (result.rank_low <= result.median_rank).all() and (result.median_rank <= result.rank_high).all()
    assert (result.rank_low <= result.official_rank).all() and (result.official_rank <= result.rank_high).all()
    assert (result.domain_low <= result.domain_median).all() and (result.domain_median <= result.domain_high).all()
    assert (result.rank_high - result.rank_low).max() > 0


def test_percentiles_are_order_statistics_of_the_drawn_ranks():
    rng = np.random.default_rng(0)
    for n in (1, 2, 3, 19, 20, 21, 100, 1000):
        ranks = rng.integers(1, 50, (4, n)).astype(np.uint16)
        median, low, high = uncertainty._rank_quantiles(ranks)
        np.testing.assert_array_equal(low, np.percentile(ranks, 5, axis=1, method="inverted_cdf"))
        np.testing.assert_array_equal(high, np.percentile(ranks, 95, axis=1, method="inverted_cdf"))
        np.testing.assert_array_equal(median, np.median(ranks, axis=1))


def test_fast_ranks_equal_the_engines_competition_ranks():
    rng = np.random.default_rng(0)
    scores = np.round(rng.uniform(0, 10, (50, 200)), 0)  # many exact ties
    np.testing.assert_array_equal(uncertainty._competition_ranks(scores), engine.rank_descending(scores.T).T)


@pytest.mark.parametrize(
    ("option", "alternatives"),
    [
        ("missing_policies", ["worst", "exclude"]),
        ("missing_policies", ["worst", "mean"]),
        ("normalisations", ["minmax", "zscore"]),
    ],
)
def test_each_declared_alternative_moves_the_ranks_it_changes(option, alternatives):
    # given: for policies, city 0 lacks one answer; for scalings, one parameter has an outlier
    if option == "missing_policies":
        structure = engine.Structure.build(param_indicator=[0, 0], param_kind="yes_no", indicator_domain=[0])
        values = np.array([[1, np.nan], [1, 0], [0, 1], [1, 1.0]])
        fixed = {"normalisations": ["minmax"]}
        key = "missing_policy"
    else:
        structure = engine.Structure.build(param_indicator=[0, 1], param_kind="number", indicator_domain=[0, 0])
        values = np.array([[0, 100], [1, 50], [2, 40], [100, 0.0]])
        fixed = {"missing_policies": ["worst"]}
        key = "normalisation"
    population = np.ones(4)
    first, second = (
        engine.compute(structure, values, population, None, engine.Methodology(**{key: a})).total_rank
        for a in alternatives
    )
    assert not np.array_equal(first, second)

    # when: no weight spread, so only the alternative moves a rank
    result = analyse(
        structure, values, population, None, draws=400, seed=3, weight_spread=0.0, **fixed, **{option: alternatives}
    )

    # then: each interval spans exactly the ranks the two alternatives give
    np.testing.assert_array_equal(result.rank_low, np.minimum(first, second))
    np.testing.assert_array_equal(result.rank_high, np.maximum(first, second))


def test_target_is_drawn_only_when_some_parameter_has_goalposts():
    structure, values, population, bonus = field(seed=6)
    without = dataclasses.replace(structure, param_goal_worst=np.full(20, np.nan), param_goal_best=np.full(20, np.nan))

    assert uncertainty.default_normalisations(structure, engine.Methodology()) == ("minmax", "zscore", "target")
    assert uncertainty.default_normalisations(without, engine.Methodology()) == ("minmax", "zscore")
    official_target = engine.Methodology(normalisation="target")
    assert uncertainty.default_normalisations(without, official_target) == ("minmax", "zscore", "target")
    result = analyse(without, values, population, bonus, draws=10)
    assert (result.normalisations, result.missing_policies) == (("minmax", "zscore"), ("worst", "exclude", "mean"))


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"draws": 0}, "draws must be a positive integer"),
        ({"seed": -1}, "seed must be a non-negative integer"),
        ({"weight_spread": 1.0}, r"weight_spread must be a number in \[0, 1\)"),
        ({"weight_spread": float("nan")}, "weight_spread"),
        ({"normalisations": []}, "at least one normalisation"),
        ({"missing_policies": ["ignore"]}, "unknown missing_policy 'ignore'"),
    ],
)
def test_invalid_options_are_rejected(options, message):
    structure, values, population, bonus = field(cities=5)
    with pytest.raises(ValueError, match=message):
        analyse(structure, values, population, bonus, **options)


def test_indistinguishable_cities_have_overlapping_intervals_nearest_official_rank_first():
    # given: five cities; official ranks 1..5 with a tie at 2
    low = np.array([1, 1, 2, 4, 5])
    high = np.array([2, 3, 4, 4, 5])
    official = np.array([1, 2, 2, 4, 5])

    # when
    lists = uncertainty.indistinguishable(low, high, official)

    # then: ties in distance go to the better official rank, then to the lower index
    assert lists == [[1, 2], [2, 0], [1, 0, 3], [2], []]


def test_indistinguishable_is_symmetric_and_matches_a_pairwise_check(monkeypatch):
    monkeypatch.setattr(uncertainty, "BATCH_ELEMENTS", 64)  # several chunks of rows
    rng = np.random.default_rng(7)
    n = 60
    official = np.sort(rng.integers(1, n + 1, n))
    low = np.maximum(1, official - rng.integers(0, 6, n))
    high = np.minimum(n, official + rng.integers(0, 6, n))

    lists = uncertainty.indistinguishable(low, high, official)

    for i in range(n):
        expected = [j for j in range(n) if j != i and low[j] <= high[i] and low[i] <= high[j]]
        expected.sort(key=lambda j: (abs(official[j] - official[i]), official[j], j))
        assert lists[i] == expected
        assert all(i in lists[j] for j in lists[i])


# --------------------------------------------------------------------------- storage, task, command


@pytest.fixture
def run(edition):
    answer_all(edition)
    # On-commit callbacks do not run inside a test's transaction: the run has no analysis yet.
    run, _created = scores_recompute(edition=edition)
    assert not UncertaintyAnalysis.objects.filter(run=run).exists()
    return run


def test_the_analysis_is_stored_with_a_row_per_city_equal_to_the_engine(run):
    # given
    inputs = load_inputs(run.edition)
    expected = uncertainty.analyse(
        inputs.structure, inputs.values, inputs.population, inputs.bonus, inputs.methodology, draws=300, seed=9
    )
    neighbours = uncertainty.indistinguishable(expected.rank_low, expected.rank_high, expected.official_rank)
    city_ids = inputs.city_ids.tolist()

    # when
    analysis = uncertainty_analyse(run=run, draws=300, seed=9, weight_spread=0.25)

    # then
    assert (analysis.run_id, analysis.draws, analysis.seed, analysis.weight_spread) == (run.pk, 300, 9, 0.25)
    assert analysis.alternatives == {
        "normalisation": ["minmax", "zscore"],  # small_edition has no goalposts
        "missing_policy": ["worst", "exclude", "mean"],
    }
    rows = {row.city_id: row for row in RankUncertainty.objects.filter(analysis=analysis)}
    assert sorted(rows) == sorted(city_ids) and len(rows) == 5
    for c, city_id in enumerate(city_ids):
        row = rows[city_id]
        assert (row.median_rank, row.rank_low, row.rank_high) == (
            expected.median_rank[c],
            expected.rank_low[c],
            expected.rank_high[c],
        )
        assert row.domain_ranks == {
            key: [expected.domain_median[c, d], expected.domain_low[c, d], expected.domain_high[c, d]]
            for d, key in enumerate(inputs.domain_keys)
        }
        assert row.indistinguishable == [city_ids[j] for j in neighbours[c]]
    official = dict(run.city_scores.values_list("city_id", "rank"))
    assert {city_id: int(expected.official_rank[c]) for c, city_id in enumerate(city_ids)} == official


def test_the_default_seed_comes_from_the_run_and_the_defaults_from_settings(run, settings):
    settings.UNCERTAINTY_DRAWS = 120
    settings.UNCERTAINTY_WEIGHT_SPREAD = 0.1

    analysis = uncertainty_analyse(run=run)

    assert (analysis.draws, analysis.weight_spread) == (120, 0.1)
    assert analysis.seed == int(run.input_hash[:8], 16)


def test_analysing_a_run_twice_keeps_the_first_analysis(run, django_assert_num_queries):
    first = uncertainty_analyse(run=run, draws=100)

    with django_assert_num_queries(1):
        second = uncertainty_analyse(run=run, draws=500, seed=1)

    assert second.pk == first.pk and second.draws == 100
    assert UncertaintyAnalysis.objects.count() == 1
    assert RankUncertainty.objects.count() == 5


def test_a_run_whose_inputs_changed_since_is_not_analysed(run):
    Answer.objects.filter(edition=run.edition, parameter__key="busse").update(value_number=Decimal(99))

    assert uncertainty_analyse(run=run) is None
    assert not UncertaintyAnalysis.objects.exists()


def test_a_new_run_is_analysed_after_commit(edition, reviewer, settings, django_capture_on_commit_callbacks):
    # given: submitted answers; Celery is eager outside the stack tier
    settings.UNCERTAINTY_DRAWS = 100
    answer_all(edition, status=Answer.Status.SUBMITTED)
    answer = Answer.objects.filter(edition=edition).first()

    # when: the approval's recompute creates a run, whose commit enqueues the analysis
    with django_capture_on_commit_callbacks(execute=True):
        answer_approve(user=reviewer, answer=answer)

    # then
    run = ScoreRun.objects.get(edition=edition)
    analysis = UncertaintyAnalysis.objects.get(run=run)
    assert analysis.draws == 100 and analysis.ranks.count() == 5


def test_the_analysis_is_enqueued_after_commit_and_only_for_a_new_run(
    edition, monkeypatch, django_capture_on_commit_callbacks
):
    sent = []
    monkeypatch.setattr(tasks.uncertainty_analyse_task, "apply_async", lambda args: sent.append(args))
    answer_all(edition)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        run, created = scores_recompute(edition=edition)
    with django_capture_on_commit_callbacks(execute=True):
        scores_recompute(edition=edition)  # unchanged inputs: no new run

    assert created is True and len(callbacks) == 1
    assert sent == [(run.pk,)]


def test_publishing_analyses_the_published_run_when_it_has_no_analysis(
    run, editor, settings, django_capture_on_commit_callbacks
):
    settings.UNCERTAINTY_DRAWS = 100

    with django_capture_on_commit_callbacks(execute=True):
        published = publish(run.edition, editor)

    assert published.pk == run.pk
    assert UncertaintyAnalysis.objects.get(run=run).ranks.count() == 5


def test_the_task_is_idempotent_and_ignores_a_deleted_run(run, settings):
    settings.UNCERTAINTY_DRAWS = 100

    first = tasks.uncertainty_analyse_task.run(run.pk)
    second = tasks.uncertainty_analyse_task.run(run.pk)

    analysis = UncertaintyAnalysis.objects.get(run=run)
    assert first == second == {"run": run.pk, "analysis": analysis.pk}
    assert tasks.uncertainty_analyse_task.run(999_999) == {"run": 999_999, "analysis": None}


def test_the_reconcile_requests_the_analysis_of_a_current_run_without_one(run, settings):
    settings.UNCERTAINTY_DRAWS = 100

    assert tasks.scores_reconcile.run() == []

    assert UncertaintyAnalysis.objects.get(run=run).draws == 100


def test_the_command_analyses_the_current_run_then_reports_it(run, capsys):
    call_command("analyse_uncertainty", "--edition", str(run.edition.year), "--draws", "150", "--seed", "3")
    out = capsys.readouterr().out
    assert f"run {run.pk} analysed (150 draws, seed 3, weight spread 0.25, 5 cities" in out

    call_command("analyse_uncertainty", "--edition", str(run.edition.year))
    assert f"run {run.pk} already has an analysis (150 draws, seed 3)" in capsys.readouterr().out
    assert UncertaintyAnalysis.objects.get(run=run).ranks.count() == 5


def test_the_command_refuses_an_unknown_year_a_stale_run_and_bad_options(run):
    with pytest.raises(CommandError, match="There is no edition 1999"):
        call_command("analyse_uncertainty", "--edition", "1999")
    with pytest.raises(CommandError, match="weight_spread must be a number"):
        call_command("analyse_uncertainty", "--edition", str(run.edition.year), "--spread", "1.5")
    Participation.objects.filter(edition=run.edition).first().delete()
    with pytest.raises(CommandError, match=f"the inputs changed since run {run.pk}; recompute first"):
        call_command("analyse_uncertainty", "--edition", str(run.edition.year))
    assert not UncertaintyAnalysis.objects.exists()


def test_indistinguishable_keeps_only_the_nearest_neighbours_when_limited():
    # given: five cities whose intervals all overlap
    low, high, official = np.array([1, 1, 1, 2, 2]), np.array([5, 5, 5, 5, 5]), np.array([1, 2, 3, 4, 5])

    # when
    full = uncertainty.indistinguishable(low, high, official)
    limited = uncertainty.indistinguishable(low, high, official, limit=2)

    # then: the nearest two by official rank, the better first on a tie
    assert full[2] == [1, 3, 0, 4]
    assert limited == [row[:2] for row in full]
    assert limited[2] == [1, 3]
