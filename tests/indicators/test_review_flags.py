"""Review flags: outliers within the edition, jumps against last edition, missing evidence."""

from decimal import Decimal

import pytest
from django.test import override_settings

from indicators.models import Answer, Edition
from indicators.selectors.review_flags import FLAG_LABELS, answer_flags
from tests.factories import AnswerFactory, CityFactory, EvidenceFileFactory, parameter, small_edition

pytestmark = pytest.mark.django_db

APPROVED = Answer.Status.APPROVED


def numbers(edition, key, values, populations=None):
    """One answer per value, each from its own city (population 200,000 unless given)."""
    populations = populations or [200_000] * len(values)
    return [
        AnswerFactory(
            parameter=parameter(edition, key),
            edition=edition,
            city=CityFactory(population=population),
            value_number=Decimal(value),
        )
        for value, population in zip(values, populations, strict=True)
    ]


def flagged(answers, code):
    flags = answer_flags(answers)
    return [float(a.value_number) for a in answers if code in flags[a.pk]]


@pytest.fixture
def editions():
    """Last year's published edition and this year's, both with the small catalogue."""
    return small_edition(cities=0, year=2030, phase=Edition.Phase.PUBLISHED), small_edition(cities=0, year=2031)


def pair(editions, key, old, new, *, field="value_number", old_status=APPROVED):
    """A city's approved answer last year and its answer this year to the parameter `key`."""
    before, now = editions
    city = CityFactory()
    AnswerFactory(parameter=parameter(before, key), edition=before, city=city, status=old_status, **{field: old})
    return AnswerFactory(parameter=parameter(now, key), edition=now, city=city, **{field: new})


def test_the_labels_are_german():
    assert {code: str(label) for code, label in FLAG_LABELS.items()} == {
        "outlier": "Ausreißer",
        "jump": "Sprung zum Vorjahr",
        "evidence_missing": "Nachweis fehlt",
        "stale": "Stand veraltet",
        "objection": "Einwand offen",
    }


def test_a_value_far_from_all_other_cities_is_an_outlier(edition):
    answers = numbers(edition, "wartezeit", [10, 11, 9, 10, 12, 1000])
    assert flagged(answers, "outlier") == [1000]


def test_values_within_the_spread_are_no_outliers(edition):
    answers = numbers(edition, "wartezeit", [10, 20, 30, 40, 50])
    assert flagged(answers, "outlier") == []


def test_the_peers_are_all_cities_with_a_value_in_any_status_though_only_the_given_answers_get_flags(edition):
    peers = numbers(edition, "wartezeit", [10, 11, 9, 10, 12])
    Answer.objects.filter(pk__in=[a.pk for a in peers[:2]]).update(status=APPROVED)
    AnswerFactory(parameter=parameter(edition, "wartezeit"), edition=edition, value_number=None)
    mine = numbers(edition, "wartezeit", [1000])
    assert answer_flags(mine) == {mine[0].pk: ["outlier"]}


def test_with_mad_zero_a_differing_value_is_an_outlier_only_from_five_cities_on(edition):
    five = numbers(edition, "wartezeit", [10, 10, 10, 10, 12])
    assert flagged(five, "outlier") == [12]
    other = small_edition(cities=0, year=2040)
    four = numbers(other, "wartezeit", [10, 10, 10, 12])
    assert flagged(four, "outlier") == []


def test_per_capita_parameters_compare_values_per_1000_inhabitants(edition):
    populations = [100_000, 100_000, 100_000, 100_000, 1_000_000]
    # 1, 1.1, 0.9, 1.2 and 0.95 charging points per 1,000 inhabitants: the big city's 950 is no outlier
    # (compared raw against 90..120 it would be one).
    answers = numbers(edition, "ladepunkte", [100, 110, 90, 120, 950], populations)
    assert flagged(answers, "outlier") == []
    # 10 per 1,000 inhabitants in a small city is one.
    small_town = numbers(edition, "ladepunkte", [1000], [100_000])
    assert flagged(answers + small_town, "outlier") == [1000]
    assert answer_flags(small_town)[small_town[0].pk] == ["outlier"]


def test_a_numeric_change_above_the_threshold_is_a_jump(editions):
    plus_60 = pair(editions, "busse", Decimal(50), Decimal(80))
    plus_40 = pair(editions, "wartezeit", Decimal(10), Decimal(14))
    minus_60 = pair(editions, "ladepunkte", Decimal(100), Decimal(40))
    from_zero = pair(editions, "busse", Decimal(0), Decimal(5))
    stays_zero = pair(editions, "wartezeit", Decimal(0), Decimal(0))
    flags = answer_flags([plus_60, plus_40, minus_60, from_zero, stays_zero])
    assert [("jump" in flags[a.pk]) for a in (plus_60, plus_40, minus_60, from_zero, stays_zero)] == [
        True,
        False,
        True,
        True,
        False,
    ]


def test_only_last_editions_approved_answer_counts_for_a_jump(editions):
    answer = pair(editions, "wartezeit", Decimal(10), Decimal(100), old_status=Answer.Status.SUBMITTED)
    assert answer_flags([answer]) == {answer.pk: []}


def test_a_draft_edition_is_not_last_edition():
    small_edition(cities=0, year=2030, phase=Edition.Phase.PUBLISHED)
    draft = small_edition(cities=0, year=2031, phase=Edition.Phase.DRAFT)
    now = small_edition(cities=0, year=2032)
    city = CityFactory()
    AnswerFactory(parameter=parameter(draft, "wartezeit"), edition=draft, city=city, status=APPROVED, value_number=1)
    answer = AnswerFactory(parameter=parameter(now, "wartezeit"), edition=now, city=city, value_number=100)
    assert answer_flags([answer]) == {answer.pk: []}


def test_yes_to_no_is_a_jump_but_no_to_yes_is_not(editions):
    worse = pair(editions, "online-termine", True, False, field="value_bool")
    better = pair(editions, "online-termine", False, True, field="value_bool")
    same = pair(editions, "online-termine", True, True, field="value_bool")
    assert answer_flags([worse, better, same]) == {worse.pk: ["jump"], better.pk: [], same.pk: []}


def test_a_choice_worth_fewer_points_is_a_jump_but_more_points_is_not(editions):
    worse = pair(editions, "smart-meter", "live", "planned", field="value_choice")
    better = pair(editions, "smart-meter", "none", "live", field="value_choice")
    assert answer_flags([worse, better]) == {worse.pk: ["jump"], better.pk: []}


def test_evidence_is_missing_only_where_required_and_absent(edition):
    busse, online = parameter(edition, "busse"), parameter(edition, "online-termine")
    without = AnswerFactory(parameter=busse, edition=edition, value_number=Decimal(50))
    with_url = AnswerFactory(
        parameter=busse, edition=edition, value_number=Decimal(50), evidence_url="https://example.org/busse"
    )
    with_file = AnswerFactory(parameter=busse, edition=edition, value_number=Decimal(50))
    EvidenceFileFactory(answer=with_file)
    not_required = AnswerFactory(parameter=online, edition=edition, value_bool=True)
    assert answer_flags([without, with_url, with_file, not_required]) == {
        without.pk: ["evidence_missing"],
        with_url.pk: [],
        with_file.pk: [],
        not_required.pk: [],
    }


@pytest.mark.parametrize("cities", [1, 6])
def test_the_number_of_queries_is_the_same_for_5_and_30_answers(editions, cities, django_assert_num_queries):
    before, now = editions
    values = {"online-termine": {"value_bool": True}, "smart-meter": {"value_choice": "live"}}
    for _ in range(cities):
        city = CityFactory()
        for key in ("online-termine", "smart-meter", "busse", "ladepunkte", "wartezeit"):
            value = values.get(key, {"value_number": Decimal(10)})
            AnswerFactory(parameter=parameter(before, key), edition=before, city=city, status=APPROVED, **value)
            AnswerFactory(parameter=parameter(now, key), edition=now, city=city, **value)
    answers = list(Answer.objects.filter(edition=now))
    assert len(answers) == 5 * cities
    # answers, peers, population figures (a per-capita parameter: ladepunkte), editions, last year's parameters
    # and answers (the pairs asked for, issue 17)
    with django_assert_num_queries(6):
        flags = answer_flags(answers)
    assert len(flags) == 5 * cities


def test_the_thresholds_follow_the_settings(editions):
    spread = numbers(small_edition(cities=0, year=2040), "wartezeit", [10, 20, 30, 40, 50])
    jump = pair(editions, "wartezeit", Decimal(10), Decimal(16))
    assert flagged(spread, "outlier") == []
    assert answer_flags([jump])[jump.pk] == ["jump"]
    with override_settings(REVIEW_OUTLIER_Z=1.0, REVIEW_JUMP_PERCENT=70.0):
        assert flagged(spread, "outlier") == [10, 50]
        assert answer_flags([jump])[jump.pk] == []
