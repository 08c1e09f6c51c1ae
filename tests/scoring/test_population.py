"""Per-capita values divided by the population as of their Stand (issue 16): the rule, the score run's inputs,
the input hash, the reviewers' outlier flag, the simulator's baseline."""

import json
from datetime import date
from decimal import Decimal

import numpy as np
import pytest

from indicators.models import Answer, Edition, Parameter, PopulationFigure
from indicators.population import population_as_of
from indicators.selectors.review_flags import answer_flags
from scoring import engine
from scoring.inputs import load_inputs
from tests import factories
from tests.public.test_open_data import file_content

pytestmark = pytest.mark.django_db

STAND = date(2019, 7, 19)
FIGURES = [(date(2018, 12, 31), 100_000), (date(2019, 12, 31), 110_000), (date(2020, 12, 31), 120_000)]


@pytest.mark.parametrize(
    ("stand", "population"),
    [
        pytest.param(date(2019, 7, 19), 100_000, id="latest on or before the Stand"),
        pytest.param(date(2019, 12, 31), 110_000, id="a figure of the Stand's own day"),
        pytest.param(date(2024, 1, 1), 120_000, id="after every figure: the latest"),
        pytest.param(date(2017, 6, 30), 100_000, id="before every figure: the earliest"),
        pytest.param(None, 555_555, id="no Stand: the city's"),
    ],
)
def test_the_figure_with_the_latest_date_on_or_before_the_stand_is_taken(stand, population):
    assert population_as_of(FIGURES, stand, 555_555) == population


def test_without_figures_the_citys_population_is_taken():
    assert population_as_of([], STAND, 555_555) == 555_555


def charging_points_edition():
    """Three cities (current populations 200,000, 100,000 and 400,000) with 100 charging points each, approved
    and imported from a register with Stand 2019-07-19; the other parameters unanswered."""
    edition = factories.small_edition(cities=0, year=2019)
    cities = [
        factories.CityFactory(name=name, ags=ags, population=population)
        for name, ags, population in (
            ("Astadt", "01000001", 200_000),
            ("Bstadt", "01000002", 100_000),
            ("Cstadt", "01000003", 400_000),
        )
    ]
    for city in cities:
        edition.participations.create(city=city)
    ladepunkte = factories.parameter(edition, "ladepunkte")
    Parameter.objects.filter(pk=ladepunkte.pk).update(collection_mode=Parameter.CollectionMode.OFFICIAL)
    official = factories.OfficialImportFactory(parameter=ladepunkte, as_of=STAND)
    for city in cities:
        Answer.objects.create(
            edition=edition,
            city=city,
            parameter=ladepunkte,
            value_number=Decimal(100),
            status=Answer.Status.APPROVED,
            source_kind=Parameter.CollectionMode.OFFICIAL,
            official_import=official,
            as_of=STAND,
        )
    return edition, cities, ladepunkte


def ladepunkte_points(edition) -> list[float]:
    inputs = load_inputs(edition)
    result = engine.compute(inputs.structure, inputs.values, inputs.population, inputs.bonus, inputs.methodology)
    return result.parameter_points[:, inputs.parameter_keys.index("ladepunkte")].tolist()


def test_a_per_capita_official_value_of_stand_2019_07_is_divided_by_the_2019_figure_not_the_current_population():
    # given: A had 100,000 inhabitants at the end of 2018 and 300,000 at the end of 2020, B 200,000 in 2018;
    # C has no figures
    edition, (a, b, c), _ladepunkte = charging_points_edition()
    for city, day, population in (
        (a, date(2018, 12, 31), 100_000),
        (a, date(2020, 12, 31), 300_000),
        (b, date(2018, 12, 31), 200_000),
    ):
        PopulationFigure.objects.create(edition=edition, city=city, reference_date=day, population=population)

    # when
    inputs = load_inputs(edition)

    # then: per 1,000 inhabitants A 1.0 (100,000), B 0.5 (200,000), C 0.25 (its own 400,000)
    col = inputs.parameter_keys.index("ladepunkte")
    assert inputs.population[:, col].tolist() == [100_000, 200_000, 400_000]
    assert ladepunkte_points(edition) == pytest.approx([1.0, 1 / 3, 0.0], abs=1e-12)


def test_without_figures_every_city_keeps_its_own_population():
    # given
    edition, _cities, _ladepunkte = charging_points_edition()

    # then: per 1,000 inhabitants A 0.5, B 1.0, C 0.25
    assert load_inputs(edition).population[:, 4].tolist() == [200_000, 100_000, 400_000]
    assert ladepunkte_points(edition) == pytest.approx([1 / 3, 1.0, 0.0], abs=1e-12)


def test_a_value_without_a_stand_keeps_the_citys_population_though_the_edition_has_figures():
    # given
    edition, (a, _b, _c), ladepunkte = charging_points_edition()
    Answer.objects.filter(parameter=ladepunkte, city=a).update(
        as_of=None, source_kind=Parameter.CollectionMode.CITY, official_import=None
    )
    PopulationFigure.objects.create(edition=edition, city=a, reference_date=date(2018, 12, 31), population=50_000)

    # then
    assert load_inputs(edition).population[:, 4].tolist() == [200_000, 100_000, 400_000]


def test_an_official_value_without_its_own_stand_takes_the_files_stand():
    # given
    edition, (a, _b, _c), ladepunkte = charging_points_edition()
    Answer.objects.filter(parameter=ladepunkte, city=a).update(as_of=None)
    PopulationFigure.objects.create(edition=edition, city=a, reference_date=date(2018, 12, 31), population=50_000)
    PopulationFigure.objects.create(edition=edition, city=a, reference_date=date(2019, 12, 31), population=60_000)

    # then
    assert load_inputs(edition).population[:, 4].tolist() == [50_000, 100_000, 400_000]


def test_figures_of_another_edition_are_not_used():
    # given
    edition, (a, _b, _c), _ladepunkte = charging_points_edition()
    other = factories.small_edition(cities=0, year=2020)
    PopulationFigure.objects.create(edition=other, city=a, reference_date=date(2018, 12, 31), population=50_000)

    # then
    assert load_inputs(edition).population[:, 4].tolist() == [200_000, 100_000, 400_000]


def test_a_parameter_not_per_capita_is_not_affected_by_the_figures():
    # given
    edition, (a, _b, _c), _ladepunkte = charging_points_edition()
    Answer.objects.create(
        edition=edition,
        city=a,
        parameter=factories.parameter(edition, "busse"),
        value_number=Decimal(40),
        status=Answer.Status.APPROVED,
        as_of=STAND,
    )
    PopulationFigure.objects.create(edition=edition, city=a, reference_date=date(2018, 12, 31), population=50_000)

    # then: busse (column 3) keeps the city's population; ladepunkte (column 4) takes the figure
    population = load_inputs(edition).population
    assert population[0, 3] == 200_000
    assert population[0, 4] == 50_000


def test_the_input_hash_changes_when_a_figure_changes_and_not_otherwise():
    # given
    edition, (a, _b, _c), _ladepunkte = charging_points_edition()
    figure = PopulationFigure.objects.create(
        edition=edition, city=a, reference_date=date(2018, 12, 31), population=100_000
    )
    before = load_inputs(edition).input_hash()
    assert load_inputs(edition).input_hash() == before

    # when
    PopulationFigure.objects.filter(pk=figure.pk).update(population=100_001)

    # then
    assert load_inputs(edition).input_hash() != before
    PopulationFigure.objects.filter(pk=figure.pk).update(population=100_000)
    assert load_inputs(edition).input_hash() == before


def test_the_engine_takes_one_population_per_city_or_one_per_value():
    # given: one per-capita parameter, two cities with 10 and 20 units
    structure = engine.Structure(
        param_indicator=np.array([0]),
        param_weight=np.array([1.0]),
        param_kind=("number",),
        param_higher_is_better=np.array([True]),
        param_per_capita=np.array([True]),
        param_goal_worst=np.array([np.nan]),
        param_goal_best=np.array([np.nan]),
        indicator_domain=np.array([0]),
        indicator_weight=np.array([1.0]),
        domain_weight=np.array([1.0]),
    )
    values = np.array([[10.0], [20.0]])

    # then: (C,) and the same as (C, P) agree; a (C, P) population that turns the order round turns the points
    by_city = engine.compute(structure, values, np.array([1000.0, 4000.0])).parameter_points
    by_value = engine.compute(structure, values, np.array([[1000.0], [4000.0]])).parameter_points
    assert by_city.tolist() == by_value.tolist() == [[1.0], [0.0]]
    with pytest.raises(ValueError, match=r"population must have shape \(2,\) or \(2, 1\)"):
        engine.compute(structure, values, np.ones((2, 2)))
    with pytest.raises(ValueError, match="population must be positive; city 1 has 0.0"):
        engine.compute(structure, values, np.array([[1000.0], [0.0]]))


def test_the_outlier_flag_divides_by_the_same_population_as_the_score_run():
    # given: six cities of 100,000 with 100 charging points each as of 2019-07, one with 1,000 points; that
    # city had 1,000,000 inhabitants in 2018 (per 1,000: 1.0 like the others), 100,000 today (10.0)
    edition = factories.small_edition(cities=0, year=2019)
    ladepunkte = factories.parameter(edition, "ladepunkte")
    answers = [
        factories.AnswerFactory(
            edition=edition,
            parameter=ladepunkte,
            city=factories.CityFactory(population=100_000),
            value_number=Decimal(number),
            as_of=STAND,
        )
        for number in (100, 100, 100, 100, 100, 1000)
    ]
    big = answers[-1]
    assert answer_flags(answers)[big.pk] == ["outlier"]

    # when
    PopulationFigure.objects.create(
        edition=edition, city=big.city, reference_date=date(2018, 12, 31), population=1_000_000
    )

    # then
    assert answer_flags(answers)[big.pk] == []
    assert answer_flags([big])[big.pk] == []


def test_the_simulators_best_value_scales_by_the_population_the_value_was_divided_by(client, editor):
    # given: as in the 2019 test, A is best per 1,000 inhabitants of 2018 (1.0); B's figure is 200,000
    from public.simulator import best_value, run_baseline
    from tests.scoring.test_services import publish

    edition, (a, b, _c), _ladepunkte = charging_points_edition()
    PopulationFigure.objects.create(edition=edition, city=a, reference_date=date(2018, 12, 31), population=100_000)
    PopulationFigure.objects.create(edition=edition, city=b, reference_date=date(2018, 12, 31), population=200_000)
    run = publish(edition, editor)
    edition.refresh_from_db()
    assert edition.phase == Edition.Phase.PUBLISHED

    # when
    baseline = run_baseline(edition, run)

    # then: B reaches A's 1.0 per 1,000 with 200 points (its 2018 figure), not 100 (its current population)
    assert best_value(baseline, 1, 4) == "200"


def test_the_open_answers_file_carries_the_population_and_recomputes_the_published_ranking(client, editor):
    # given: the 2019 figures change the order (A first per 1,000 inhabitants of 2018, B first by today's)
    from public.opendata import recompute_from_open_data
    from scoring.models import CityScore
    from tests.scoring.test_services import publish

    edition, (a, b, _c), _ladepunkte = charging_points_edition()
    PopulationFigure.objects.create(edition=edition, city=a, reference_date=date(2018, 12, 31), population=100_000)
    PopulationFigure.objects.create(edition=edition, city=b, reference_date=date(2018, 12, 31), population=200_000)
    run = publish(edition, editor)

    # when
    answers_file = file_content(client.get("/daten/2019/answers.json"))

    # then
    data = json.loads(answers_file)
    assert sorted((row["ags"], row["population"]) for row in data["answers"]) == [
        ("01000001", 100_000),
        ("01000002", 200_000),
        ("01000003", 400_000),
    ]
    published = dict(CityScore.objects.filter(run=run).values_list("city__ags", "rank"))
    assert published == {"01000001": 1, "01000002": 2, "01000003": 3}
    assert {ags: rank for ags, (_total, rank) in recompute_from_open_data(answers_file).items()} == published
