"""Stored review flags (issue 17): the columns equal the rule's flags after every kind of change, the queue
filters them in SQL with queries independent of the number of answers, the migration fills existing rows."""

import importlib
import random
from datetime import date
from decimal import Decimal

import pytest
from django.apps import apps as django_apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from indicators.models import (
    ANSWER_FLAG_FIELDS,
    Answer,
    AnswerCheck,
    Edition,
    Participation,
    PopulationFigure,
)
from indicators.selectors.review_flags import (
    EVIDENCE_MISSING,
    FLAG_LABELS,
    JUMP,
    OBJECTION,
    OUTLIER,
    STALE,
    answer_flags,
    stored_flags,
)
from indicators.services import answer_approve, answer_save, answers_approve
from indicators.services.answers import AnswerInput
from indicators.services.checks import answer_check_object, objection_decide
from indicators.services.editions import catalogue_update, edition_set_phase
from indicators.services.evidence import evidence_file_add, evidence_file_remove
from indicators.services.population import population_figure_save
from indicators.services.review_flags import REVIEW_FLAGS_REFRESH_TASK, review_flags_refresh
from smartcity import task_queue
from tests import factories
from tests.factories import AnswerFactory, UserFactory, cities_of, parameter
from tests.indicators.test_checks import official_answer, open_window

# Files go to a fresh folder per test (the autouse fixture of the evidence tests; the services write there too).
from tests.indicators.test_evidence import evidence_dir, pdf_bytes  # noqa: F401 (an autouse fixture)

NUMERIC = ["busse", "wartezeit"]  # entered by the city (ladepunkte is taken by the objection test below)


def assert_stored_equal_computed():
    answers = list(Answer.objects.order_by("pk"))
    computed = answer_flags(answers)
    stored = {answer.pk: stored_flags(answer) for answer in answers}
    assert stored == {answer.pk: computed[answer.pk] for answer in answers}


@pytest.fixture
def world(db):
    """Last edition (in review, its answers submitted) and this one (collecting), with the same 6 cities; a
    staff user per city, a reviewer and an editor."""
    current = factories.small_edition(cities=6, year=2031)
    last = factories.small_edition(cities=0, year=2030, phase=Edition.Phase.REVIEW)
    cities = cities_of(current)
    for index, city in enumerate(cities):
        Participation.objects.create(edition=last, city=city)
        for key, value in (("busse", 10 + index), ("wartezeit", 5 + index)):
            AnswerFactory(
                edition=last,
                city=city,
                parameter=parameter(last, key),
                value_number=Decimal(value),
                evidence_url="https://example.org/alt.pdf",
                status=Answer.Status.SUBMITTED,
            )
        AnswerFactory(
            edition=last, city=city, parameter=parameter(last, "online-termine"), value_bool=True, status="submitted"
        )
    review_flags_refresh(edition_id=last.pk)
    return {
        "current": current,
        "last": last,
        "cities": cities,
        "staff": {city.pk: UserFactory(cities=[city]) for city in cities},
        "reviewer": UserFactory(groups=["reviewers"]),
        "editor": UserFactory(groups=["editors"]),
    }


def _save(world, rng):
    city = rng.choice(world["cities"])
    key = rng.choice([*NUMERIC, "online-termine"])
    value = rng.choice([True, False]) if key == "online-termine" else Decimal(rng.choice([0, 3, 11, 12, 13, 95]))
    answer_save(
        user=world["staff"][city.pk],
        city=city,
        parameter=parameter(world["current"], key),
        data=AnswerInput(
            value=value,
            evidence_url=rng.choice(["", "https://example.org/q.pdf"]),
            as_of=rng.choice([None, date(2029, 1, 1), date(2030, 12, 1)]),
        ),
    )


def _approve_last(world, rng):
    waiting = list(Answer.objects.filter(edition=world["last"], status=Answer.Status.SUBMITTED).order_by("pk"))
    if waiting:
        answer_approve(user=world["reviewer"], answer=rng.choice(waiting))


def _file(world, rng):
    answers = list(Answer.objects.filter(edition=world["current"]).order_by("pk"))
    if not answers:
        return
    answer = rng.choice(answers)
    staff = world["staff"][answer.city_id]
    existing = answer.evidence_files.first()
    if existing is not None:
        evidence_file_remove(user=staff, evidence_file=existing)
    else:
        upload = SimpleUploadedFile("Nachweis.pdf", pdf_bytes(), content_type="application/pdf")
        evidence_file_add(user=staff, answer=answer, uploaded=upload)


def _reference_date(world, rng):
    day = rng.choice([None, date(2030, 12, 31), date(2031, 12, 31)])
    catalogue_update(user=world["editor"], item=world["current"], changes={"reference_date": day})


def _parameter_settings(world, rng):
    key = rng.choice(NUMERIC)
    changes = rng.choice([{"evidence_required": rng.choice([True, False])}, {"per_capita": rng.choice([True, False])}])
    catalogue_update(user=world["editor"], item=parameter(world["current"], key), changes=changes)


def _population(world, rng):
    figure = PopulationFigure(
        edition=world["current"],
        city=rng.choice(world["cities"]),
        reference_date=date(2030, 12, 31),
        population=rng.choice([50_000, 400_000, 3_000_000]),
    )
    existing = PopulationFigure.objects.filter(edition=figure.edition, city=figure.city).first()
    if existing is not None:
        existing.population = figure.population
        figure = existing
    population_figure_save(user=world["editor"], figure=figure)


CHANGES = [_save, _save, _save, _approve_last, _file, _reference_date, _parameter_settings, _population]


@pytest.mark.parametrize("seed", range(4))
def test_stored_flags_equal_the_computed_ones_after_any_sequence_of_changes(
    world, seed, settings, django_capture_on_commit_callbacks
):
    # given: thresholds the small field reaches (a 20 % jump, a year's staleness)
    settings.REVIEW_JUMP_PERCENT = 20
    settings.STALE_STAND_MONTHS = 12
    rng = random.Random(seed)
    seen = set()
    for _step in range(14):
        change = rng.choice(CHANGES)
        # when: one change through its service, its after-commit work done as a worker would
        with django_capture_on_commit_callbacks(execute=True):
            change(world, rng)
        # then
        assert_stored_equal_computed()
        seen |= {code for answer in Answer.objects.all() for code in stored_flags(answer)}
    # the walk met flags at all (the equality above is not about empty columns only)
    assert seen


def test_a_city_changing_one_answer_moves_the_outlier_flag_of_another_city(world, django_capture_on_commit_callbacks):
    # given: five cities report about 10 %, a sixth 95 % (the outlier)
    current, cities = world["current"], world["cities"]
    busse = parameter(current, "busse")
    with django_capture_on_commit_callbacks(execute=True):
        for index, city in enumerate(cities):
            value = Decimal(95 if index == 5 else 10 + index % 2)
            answer_save(
                user=world["staff"][city.pk],
                city=city,
                parameter=busse,
                data=AnswerInput(value=value, evidence_url="https://example.org/q.pdf"),
            )
    outlier = Answer.objects.get(city=cities[5], parameter=busse)
    assert outlier.flag_outlier is True

    # when: three other cities move to 90 % and more, so 95 % is no longer unusual
    with django_capture_on_commit_callbacks(execute=True):
        for index, city in enumerate(cities[:3]):
            answer_save(
                user=world["staff"][city.pk],
                city=city,
                parameter=busse,
                data=AnswerInput(value=Decimal(90 + index), evidence_url="https://example.org/q.pdf"),
            )

    # then: the untouched answer's flag went with the field
    outlier.refresh_from_db()
    assert outlier.flag_outlier is False
    assert_stored_equal_computed()


def test_approving_last_editions_answer_stores_the_jump_on_this_editions_answer(
    world, settings, django_capture_on_commit_callbacks
):
    # given: this year 40 % where last year's (not yet approved) answer said 10 %
    settings.REVIEW_JUMP_PERCENT = 20
    city = world["cities"][0]
    with django_capture_on_commit_callbacks(execute=True):
        answer_save(
            user=world["staff"][city.pk],
            city=city,
            parameter=parameter(world["current"], "busse"),
            data=AnswerInput(value=Decimal(40), evidence_url="https://example.org/q.pdf"),
        )
    current = Answer.objects.get(city=city, parameter=parameter(world["current"], "busse"))
    assert current.flag_jump is False
    last = Answer.objects.get(city=city, parameter=parameter(world["last"], "busse"))

    # when
    with django_capture_on_commit_callbacks(execute=True):
        answer_approve(user=world["reviewer"], answer=last)

    # then
    current.refresh_from_db()
    assert current.flag_jump is True


def test_an_objection_stores_the_flag_and_its_decision_clears_it(
    edition, city, reviewer, django_capture_on_commit_callbacks
):
    # given: an official value about the city, its check window open
    open_window(edition)
    answer = official_answer(edition, city)
    staff = UserFactory(cities=[city])

    # when: the city objects
    with django_capture_on_commit_callbacks(execute=True):
        answer_check_object(user=staff, answer=answer, reason="Nur 100 sind öffentlich.")
    answer.refresh_from_db()
    objected = answer.flag_objection

    # and the reviewer keeps the value
    with django_capture_on_commit_callbacks(execute=True):
        objection_decide(user=reviewer, answer=answer, outcome=AnswerCheck.Outcome.KEPT, reason="Laut Register.")
    answer.refresh_from_db()

    # then
    assert objected is True
    assert answer.flag_objection is False
    assert_stored_equal_computed()


def test_a_draft_edition_entering_collection_becomes_the_later_editions_previous_for_jumps(
    editor, settings, django_capture_on_commit_callbacks
):
    # given: a draft edition with the city's approved 10 % and the next edition's 40 % (a draft is nobody's
    # "previous", so no jump yet)
    settings.REVIEW_JUMP_PERCENT = 20
    older = factories.small_edition(cities=1, year=2050, phase=Edition.Phase.DRAFT)
    newer = factories.small_edition(cities=0, year=2051)
    city = cities_of(older)[0]
    Participation.objects.create(edition=newer, city=city)
    AnswerFactory(edition=older, city=city, parameter=parameter(older, "busse"), value_number=10, status="approved")
    answer = AnswerFactory(edition=newer, city=city, parameter=parameter(newer, "busse"), value_number=40)
    review_flags_refresh(edition_id=newer.pk)
    answer.refresh_from_db()
    assert answer.flag_jump is False

    # when
    with django_capture_on_commit_callbacks(execute=True):
        edition_set_phase(user=editor, edition=older, phase=Edition.Phase.COLLECTION)

    # then
    answer.refresh_from_db()
    assert answer.flag_jump is True
    assert_stored_equal_computed()


def test_a_bulk_approval_of_one_parameter_asks_for_one_refresh(world, django_capture_on_commit_callbacks):
    # given: last edition's six submitted answers to "busse"
    answers = list(Answer.objects.filter(edition=world["last"], parameter__key="busse").order_by("pk"))

    # when
    with django_capture_on_commit_callbacks() as callbacks:
        with transaction.atomic():
            answers_approve(user=world["reviewer"], answers=answers)

    # then: one refresh request for the parameter (and the later editions' jumps), not one per answer
    requests = [c for c in callbacks if getattr(c, "review_flags_args", None)]
    assert [c.review_flags_args for c in requests] == [(world["last"].pk, answers[0].parameter_id, True)]
    assert task_queue.registered_task(REVIEW_FLAGS_REFRESH_TASK).name == REVIEW_FLAGS_REFRESH_TASK


# --- The queue filters the columns in SQL ------------------------------------------------------------------


@pytest.mark.parametrize("flag", list(FLAG_LABELS))
def test_every_flag_filter_runs_the_same_queries_at_5_and_40_cities(admin_login, reviewer, flag, settings):
    # given
    settings.STALE_STAND_MONTHS = 12
    client = admin_login(reviewer)
    factories.small_edition(cities=0, year=2030)  # both editions below have a previous one (last year's answers)
    counts = []
    for cities_count, year in ((5, 2040), (40, 2041)):
        edition = factories.flagged_edition(cities_count, year)
        url = f"/admin/indicators/answer/?edition__id__exact={edition.pk}&flag={flag}"
        client.get(url)  # warm the session and the content types

        # when
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)

        # then
        assert response.status_code == 200
        counts.append(len(queries))
        computed = answer_flags(Answer.objects.filter(edition=edition))
        expected = sorted(pk for pk, flags in computed.items() if flag in flags)
        assert sorted(a.pk for a in response.context["cl"].result_list) == expected
        if flag != JUMP:
            assert expected  # the filter is tested on rows that carry the flag
    assert counts[0] == counts[1]
    assert counts[0] <= 15


def test_the_queue_counts_no_full_result_and_shows_the_files_of_its_page(admin_login, reviewer, settings):
    # given: an answer with two evidence files
    edition = factories.flagged_edition(5, 2042)
    answer = Answer.objects.filter(edition=edition).order_by("pk").first()
    factories.EvidenceFileFactory(answer=answer)
    factories.EvidenceFileFactory(answer=answer, file="evidence/x/zweite.pdf")
    client = admin_login(reviewer)

    # when
    response = client.get(f"/admin/indicators/answer/?edition__id__exact={edition.pk}")

    # then
    content = response.content.decode()
    assert response.context["cl"].show_full_result_count is False
    assert response.context["cl"].full_result_count is None
    assert content.count("2 Dateien") == 1


def test_the_queue_shows_the_stored_flags_not_a_fresh_computation(admin_login, reviewer):
    # given: an answer whose stored flag says "Ausreißer" while the rule would not (the column is what is read)
    edition = factories.flagged_edition(5, 2043)
    calm = Answer.objects.filter(edition=edition).order_by("pk")[2]
    Answer.objects.filter(pk=calm.pk).update(flag_outlier=True)
    client = admin_login(reviewer)

    # when
    response = client.get(f"/admin/indicators/answer/?edition__id__exact={edition.pk}&flag=outlier")

    # then
    assert sorted(a.pk for a in response.context["cl"].result_list) == sorted(
        [
            calm.pk,
            *Answer.objects.filter(edition=edition, flag_outlier=True).exclude(pk=calm.pk).values_list("pk", flat=True),
        ]
    )


# --- Filling existing rows ----------------------------------------------------------------------------------


def test_the_migration_and_the_command_fill_the_flags_of_existing_answers(db, settings):
    # given: answers written before the columns existed (all False), some of which carry flags by the rule
    settings.STALE_STAND_MONTHS = 12
    edition = factories.flagged_edition(5, 2044)
    columns = list(ANSWER_FLAG_FIELDS.values())
    expected = {a.pk: stored_flags(a) for a in Answer.objects.filter(edition=edition)}
    Answer.objects.update(**dict.fromkeys(columns, False))
    migration = importlib.import_module("indicators.migrations.0018_answer_review_flags_stored")

    # when
    migration.fill_review_flags(django_apps, None)

    # then
    assert {a.pk: stored_flags(a) for a in Answer.objects.filter(edition=edition)} == expected
    assert {code for flags in expected.values() for code in flags} == {OUTLIER, EVIDENCE_MISSING, STALE, OBJECTION}

    # and the command does the same (and changes nothing the second time)
    Answer.objects.update(**dict.fromkeys(columns, False))
    call_command("review_flags_refresh", "--edition", "2044")
    assert {a.pk: stored_flags(a) for a in Answer.objects.filter(edition=edition)} == expected
    assert review_flags_refresh(edition_id=edition.pk) == 0


def test_the_refresh_leaves_the_answer_its_version_date_and_history(db, settings):
    # given
    edition = factories.flagged_edition(5, 2045)
    answer = Answer.objects.filter(edition=edition).order_by("pk").first()
    Answer.objects.filter(pk=answer.pk).update(flag_outlier=False)
    before = Answer.objects.get(pk=answer.pk)
    history = answer.history.count()

    # when
    changed = review_flags_refresh(edition_id=edition.pk)

    # then
    after = Answer.objects.get(pk=answer.pk)
    assert changed == 1
    assert after.flag_outlier is True
    assert (after.version, after.updated_at, after.history.count()) == (before.version, before.updated_at, history)
    assert stored_flags(after) == answer_flags([after])[after.pk]


def test_the_queues_row_checkbox_is_the_html_of_djangos_widget(db):
    # given
    from django import forms
    from django.contrib import admin
    from django.contrib.admin import helpers
    from django.utils.html import format_html
    from django.utils.translation import gettext

    from indicators.admin.review import AnswerAdmin

    answer = AnswerFactory(parameter=parameter(factories.small_edition(cities=1, year=2046), "busse"))
    attrs = {
        "class": "action-select",
        "aria-label": format_html(gettext("Select this object for an action - {}"), answer),
    }

    # when
    shown = AnswerAdmin(Answer, admin.site).action_checkbox(answer)

    # then: the actions' script finds the same input (name, value, class)
    assert shown == forms.CheckboxInput(attrs, lambda value: False).render(helpers.ACTION_CHECKBOX_NAME, str(answer.pk))


def test_the_migration_leaves_the_flags_to_the_command_when_later_columns_are_missing(db, monkeypatch, capsys):
    # given: an answer, and the live models reading a column the database does not have yet (as when a later
    # migration adds one)
    factories.flagged_edition(3, 2045)
    migration = importlib.import_module("indicators.migrations.0018_answer_review_flags_stored")
    called = []
    monkeypatch.setattr("indicators.services.review_flags.review_flags_refresh_all", lambda: called.append(1))
    monkeypatch.setattr(migration, "_live_models_match_the_tables", lambda connection: False)

    # when
    migration.fill_review_flags(django_apps, None)

    # then: nothing run, the command named
    assert called == []
    assert "python manage.py review_flags_refresh" in capsys.readouterr().out
