"""Score runs: recompute from approved answers, no-op on unchanged inputs, trend, publish, crash safety."""

from datetime import date
from decimal import Decimal

import numpy as np
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from indicators.models import Answer, Edition, Parameter, Participation, PopulationFigure
from scoring import engine, services
from scoring.inputs import CODE_VERSION, load_inputs
from scoring.models import CityScore, DomainScore, IndicatorScore, ScoreRun
from scoring.services import edition_publish, runs, scores_recompute
from tests import factories

APPROVED = Answer.Status.APPROVED


def answer_all(edition: Edition, *, status=APPROVED, seed: int = 0) -> list[Answer]:
    """An answer for every participating city × parameter, with values that differ between cities."""
    rng = np.random.default_rng(seed)
    answers = []
    cities = [p.city for p in Participation.objects.filter(edition=edition).select_related("city").order_by("city_id")]
    for parameter in Parameter.objects.filter(indicator__domain__edition=edition):
        for city in cities:
            answer = Answer(
                edition=edition, city=city, parameter=parameter, status=status, evidence_url="https://example.org/e"
            )
            if parameter.kind == "yes_no":
                answer.value_bool = bool(rng.integers(0, 2))
            elif parameter.kind == "choice":
                answer.value_choice = ["none", "planned", "live"][int(rng.integers(0, 3))]
            else:
                answer.value_number = Decimal(int(rng.integers(0, 100)))
            answers.append(answer)
    return Answer.objects.bulk_create(answers)


@pytest.fixture
def answered(edition):
    answer_all(edition)
    return edition


def test_recompute_stores_a_score_for_every_city_domain_and_indicator(answered):
    # when
    run, created = scores_recompute(edition=answered)

    # then
    assert created is True
    assert run.city_count == 5
    assert run.approved_answer_count == 25
    assert CityScore.objects.filter(run=run).count() == 5
    assert DomainScore.objects.filter(run=run).count() == 5 * 2
    assert IndicatorScore.objects.filter(run=run).count() == 5 * 3
    assert sorted(CityScore.objects.filter(run=run).values_list("rank", flat=True))[0] == 1
    assert run.methodology["missing_policy"] == "worst"
    assert run.methodology["domain_weights"] == {"verwaltung": 1.0, "mobilitaet": 1.0}
    assert len(run.input_hash) == 64
    assert run.code_version == CODE_VERSION


@pytest.mark.parametrize("policy", ["worst", "exclude", "mean"])
def test_stored_rows_equal_the_engine_on_the_same_inputs(answered, policy):
    # given: one city without any answer in the "verkehr" indicator, so 'exclude' leaves it unscored there
    Edition.objects.filter(pk=answered.pk).update(missing_policy=policy)
    answered.refresh_from_db()
    gap_city = Participation.objects.filter(edition=answered).order_by("city_id").first().city_id
    Answer.objects.filter(edition=answered, city_id=gap_city, parameter__indicator__key="verkehr").delete()
    inputs = load_inputs(answered)
    expected = engine.compute(inputs.structure, inputs.values, inputs.population, inputs.bonus, inputs.methodology)
    row = {city_id: index for index, city_id in enumerate(inputs.city_ids.tolist())}
    domain_col = {domain_id: index for index, domain_id in enumerate(inputs.domain_ids.tolist())}
    indicator_col = {indicator_id: index for index, indicator_id in enumerate(inputs.indicator_ids.tolist())}

    # when
    run, _ = scores_recompute(edition=answered)

    # then: every stored value is the engine's, NaN stored as NULL
    def same(stored, computed):
        return stored is None if np.isnan(computed) else stored == pytest.approx(computed, abs=1e-12)

    for score in CityScore.objects.filter(run=run):
        c = row[score.city_id]
        assert (score.rank, score.previous_rank) == (expected.total_rank[c], None)
        assert same(score.total, expected.total[c]) and same(score.completeness, expected.completeness[c])
    for score in DomainScore.objects.filter(run=run):
        c, d = row[score.city_id], domain_col[score.domain_id]
        assert score.rank == expected.domain_rank[c, d] and score.bonus == 0
        assert same(score.score, expected.domain_score[c, d])
        assert same(score.completeness, expected.domain_completeness[c, d])
    indicator_rows = list(IndicatorScore.objects.filter(run=run))
    assert len(indicator_rows) == 15
    for score in indicator_rows:
        c, i = row[score.city_id], indicator_col[score.indicator_id]
        assert score.rank == expected.indicator_rank[c, i]
        assert same(score.raw, expected.indicator_raw[c, i]) and same(score.score, expected.indicator_score[c, i])
    unscored = IndicatorScore.objects.get(run=run, city_id=gap_city, indicator__key="verkehr")
    assert (unscored.score is None) is (policy == "exclude")


def test_the_input_hash_is_built_from_keys_not_database_ids(answered, editor):
    # given: a clone of the edition (same keys, new ids) with the same approved answers
    from indicators.services import edition_clone

    clone = edition_clone(user=editor, source=answered, year=answered.year + 1)
    parameters = {p.key: p for p in Parameter.objects.filter(indicator__domain__edition=clone)}
    copies = []
    for answer in Answer.objects.filter(edition=answered).select_related("parameter"):
        answer.pk, answer.edition, answer.parameter = None, clone, parameters[answer.parameter.key]
        copies.append(answer)
    Answer.objects.bulk_create(copies)

    # then
    assert load_inputs(clone).input_hash() == load_inputs(answered).input_hash()
    Answer.objects.filter(edition=clone, parameter__key="busse").update(value_number=Decimal(7))
    assert load_inputs(clone).input_hash() != load_inputs(answered).input_hash()


def test_the_input_hash_does_not_depend_on_how_the_edition_was_loaded(answered):
    # given: the factory's edition holds TextChoices members, a reloaded one plain strings
    reloaded = Edition.objects.get(pk=answered.pk)
    assert type(answered.missing_policy) is not type(reloaded.missing_policy)

    # then
    assert load_inputs(answered).input_hash() == load_inputs(reloaded).input_hash()


def test_unchanged_inputs_produce_no_new_run(answered):
    # given
    first, _ = scores_recompute(edition=answered)

    # when
    second, created = scores_recompute(edition=answered)

    # then
    assert created is False
    assert second.pk == first.pk
    assert ScoreRun.objects.count() == 1


def test_only_approved_answers_enter_the_scores(answered):
    # given
    first, _ = scores_recompute(edition=answered)
    answer = Answer.objects.filter(edition=answered, parameter__key="busse").first()

    # when: the answer is taken back to a draft
    Answer.objects.filter(pk=answer.pk).update(status=Answer.Status.SUBMITTED)
    second, created = scores_recompute(edition=answered)

    # then
    assert created is True
    assert second.approved_answer_count == first.approved_answer_count - 1
    assert second.input_hash != first.input_hash


def test_returning_to_earlier_inputs_makes_that_run_current_again(answered):
    # given
    first, _ = scores_recompute(edition=answered)
    answer = Answer.objects.filter(edition=answered, parameter__key="busse").first()
    Answer.objects.filter(pk=answer.pk).update(status=Answer.Status.SUBMITTED)
    scores_recompute(edition=answered)

    # when
    Answer.objects.filter(pk=answer.pk).update(status=APPROVED)
    current, created = scores_recompute(edition=answered)

    # then
    assert created is False
    assert current.pk == first.pk
    assert services.current_run(answered).pk == first.pk


def test_a_crash_while_writing_results_leaves_the_previous_run_whole(answered, monkeypatch):
    # given
    first, _ = scores_recompute(edition=answered)
    Answer.objects.filter(edition=answered, parameter__key="busse").update(value_number=Decimal(1))
    real_store = runs._store_results

    def crash_after_first_table(run, inputs, result):
        CityScore.objects.create(run=run, city_id=int(inputs.city_ids[0]), total=1, rank=1, completeness=1)
        raise RuntimeError("worker killed")

    monkeypatch.setattr(runs, "_store_results", crash_after_first_table)

    # when
    with pytest.raises(RuntimeError):
        scores_recompute(edition=answered)

    # then
    assert list(ScoreRun.objects.values_list("pk", flat=True)) == [first.pk]
    assert CityScore.objects.filter(run=first).count() == 5
    monkeypatch.setattr(runs, "_store_results", real_store)
    _second, created = scores_recompute(edition=answered)
    assert created is True


def test_load_inputs_runs_a_fixed_number_of_queries_whatever_the_number_of_cities_and_figures(
    db, django_assert_num_queries
):
    # given
    small = factories.small_edition(cities=3, year=2040)
    large = factories.small_edition(cities=40, year=2041)
    answer_all(small)
    answer_all(large)
    PopulationFigure.objects.bulk_create(
        PopulationFigure(edition=large, city=p.city, reference_date=date(year, 12, 31), population=100_000 + year)
        for p in Participation.objects.filter(edition=large).select_related("city")
        for year in (2017, 2018, 2019)
    )

    # then: catalogue (3), cities, answers, figures, bonus, previous run
    with django_assert_num_queries(8):
        load_inputs(small)
    with django_assert_num_queries(8):
        load_inputs(large)


def test_innovation_bonus_is_added_to_the_domain_and_capped(answered):
    # given
    city = Participation.objects.filter(edition=answered).first().city
    domain = answered.domains.get(key="mobilitaet")
    factories.InnovationProjectFactory(edition=answered, city=city, domain=domain, bonus_points=Decimal(4))
    without_bonus = load_inputs(answered)
    base = engine.compute(
        without_bonus.structure,
        without_bonus.values,
        without_bonus.population,
        np.zeros_like(without_bonus.bonus),
        without_bonus.methodology,
    )
    index = without_bonus.city_ids.tolist().index(city.pk)

    # when
    run, _ = scores_recompute(edition=answered)

    # then
    stored = DomainScore.objects.get(run=run, city=city, domain=domain)
    assert stored.bonus == 4.0
    assert stored.score == pytest.approx(min(100.0, base.domain_score[index, 1] + 4.0))


def publish(edition: Edition, editor) -> ScoreRun:
    Edition.objects.filter(pk=edition.pk).update(phase=Edition.Phase.REVIEW)
    edition.refresh_from_db()
    return edition_publish(user=editor, edition=edition)


def test_publishing_freezes_the_run(answered, editor):
    # when
    run = publish(answered, editor)

    # then
    answered.refresh_from_db()
    assert answered.phase == Edition.Phase.PUBLISHED
    assert run.is_published is True
    Answer.objects.filter(edition=answered, parameter__key="busse").update(value_number=Decimal(99))
    again, created = scores_recompute(edition=answered)
    assert (again.pk, created) == (run.pk, False)
    assert ScoreRun.objects.filter(edition=answered).count() == 1


def test_publishing_refuses_unreviewed_answers_without_a_reason(answered, editor):
    # given
    Answer.objects.filter(pk=Answer.objects.filter(edition=answered).first().pk).update(status=Answer.Status.SUBMITTED)
    Edition.objects.filter(pk=answered.pk).update(phase=Edition.Phase.REVIEW)
    answered.refresh_from_db()

    # when / then
    with pytest.raises(ValidationError, match="1 Antworten sind eingereicht"):
        edition_publish(user=editor, edition=answered)
    answered.refresh_from_db()
    assert answered.phase == Edition.Phase.REVIEW
    assert not ScoreRun.objects.filter(is_published=True).exists()

    run = edition_publish(user=editor, edition=answered, reason="Frist abgelaufen")
    assert run.is_published is True
    assert answered.history.first().history_change_reason == "Frist abgelaufen"


def test_only_editors_publish(answered, reviewer):
    Edition.objects.filter(pk=answered.pk).update(phase=Edition.Phase.REVIEW)
    with pytest.raises(PermissionDenied):
        edition_publish(user=reviewer, edition=answered)


def test_trend_compares_with_the_previous_published_edition_and_marks_new_cities(editor):
    # given: a published edition with 3 cities, then a new edition with the same 3 and a newcomer
    old = factories.small_edition(cities=3, year=2040)
    answer_all(old, seed=1)
    old_run = publish(old, editor)
    new = factories.small_edition(cities=0, year=2041)
    old_cities = [p.city for p in old.participations.all()]
    newcomer = factories.CityFactory()
    for city in [*old_cities, newcomer]:
        Participation.objects.create(edition=new, city=city)
    answer_all(new, seed=2)

    # when
    run, _ = scores_recompute(edition=new)

    # then
    previous = dict(CityScore.objects.filter(run=old_run).values_list("city_id", "rank"))
    for score in CityScore.objects.filter(run=run):
        if score.city_id == newcomer.pk:
            assert score.previous_rank is None and score.trend is None
        else:
            assert score.previous_rank == previous[score.city_id]
            assert score.trend == previous[score.city_id] - score.rank
    previous_domain = dict(
        DomainScore.objects.filter(run=old_run, domain__key="mobilitaet").values_list("city_id", "rank")
    )
    for score in DomainScore.objects.filter(run=run, domain__key="mobilitaet").exclude(city=newcomer):
        assert score.previous_rank == previous_domain[score.city_id]


def test_recompute_scores_command_reports_the_run_and_then_a_no_op(answered, capsys):
    call_command("recompute_scores", "--edition", str(answered.year))
    first = capsys.readouterr().out
    call_command("recompute_scores", "--edition", str(answered.year))
    second = capsys.readouterr().out

    assert f"Edition {answered.year}: new score run" in first
    assert "5 cities, 25 approved answers" in first
    assert "no new run (inputs unchanged)" in second


def test_recompute_scores_command_rejects_an_unknown_year(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="There is no edition 1999"):
        call_command("recompute_scores", "--edition", "1999")
