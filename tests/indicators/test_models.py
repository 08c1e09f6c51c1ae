"""Model rules of the catalogue, cities and answers (DESIGN §2-4): workflow tables, clean(), constraints."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation

from indicators.models import Answer, City, Edition, InnovationProject, plain_number
from indicators.workflow import WorkflowError
from tests.factories import (
    AnswerFactory,
    CityFactory,
    DomainFactory,
    EditionFactory,
    InnovationProjectFactory,
    ParameterFactory,
    parameter,
)

Status = Answer.Status
Phase = Edition.Phase
ALL_STATUSES = list(Status)
ALL_PHASES = list(Phase)

# DESIGN §4, written out independently of the model so a changed table shows up here.
DESIGNED_TRANSITIONS = {
    ("draft", "submitted"),  # submit
    ("submitted", "approved"),  # approve
    ("submitted", "changes_requested"),  # request changes
    ("changes_requested", "draft"),  # revise
    ("approved", "draft"),  # edit an approved answer
}
# DESIGN §3.
DESIGNED_PIPELINE = {
    ("draft", "collection"),
    ("collection", "review"),
    ("review", "collection"),
    ("review", "published"),
    ("published", "archived"),
}


# --- Workflow and lifecycle as data ------------------------------------------------------------


def test_answer_transitions_table_is_exactly_the_designed_workflow():
    edges = {(source, target) for source, targets in Answer.TRANSITIONS.items() for target in targets}

    assert edges == DESIGNED_TRANSITIONS
    assert set(Answer.TRANSITIONS) == set(Status.values)


@pytest.mark.parametrize("source", ALL_STATUSES)
@pytest.mark.parametrize("target", ALL_STATUSES)
def test_answer_can_move_to_answers_from_the_transitions_table(source, target):
    answer = Answer(status=source)

    assert answer.can_move_to(target) is ((source.value, target.value) in DESIGNED_TRANSITIONS)


def test_edition_phase_pipeline_is_exactly_the_designed_lifecycle():
    edges = {(source, target) for source, targets in Edition.PHASE_PIPELINE.items() for target in targets}

    assert edges == DESIGNED_PIPELINE
    assert set(Edition.PHASE_PIPELINE) == set(Phase.values)
    assert Edition.PHASE_PIPELINE[Phase.ARCHIVED] == ()


@pytest.mark.parametrize(
    ("phase", "is_public"),
    [("draft", False), ("collection", False), ("review", False), ("published", True), ("archived", True)],
)
def test_only_published_and_archived_editions_are_public(phase, is_public):
    assert Edition(phase=phase).is_public is is_public


# --- Edition -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("opens_field", "closes_field", "message"),
    [
        ("collection_opens", "collection_closes", "Das Ende der Erhebung liegt vor ihrem Beginn."),
        ("review_opens", "review_closes", "Das Ende der Prüfung liegt vor ihrem Beginn."),
    ],
)
def test_edition_window_that_ends_before_it_begins_is_invalid(db, opens_field, closes_field, message):
    edition = EditionFactory.build(year=2031, **{opens_field: date(2031, 5, 1), closes_field: date(2031, 4, 30)})

    with pytest.raises(ValidationError) as error:
        edition.full_clean()

    assert error.value.message_dict[closes_field] == [message]


def test_edition_collection_window_is_also_a_database_constraint(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        EditionFactory(year=2031, collection_opens=date(2031, 5, 1), collection_closes=date(2031, 4, 30))

    assert not Edition.objects.filter(year=2031).exists()


@pytest.mark.parametrize(("year", "valid"), [(1999, False), (2000, True), (2100, True), (2101, False)])
def test_edition_year_lies_between_2000_and_2100(db, year, valid):
    edition = EditionFactory.build(year=year)

    if valid:
        edition.full_clean()
    else:
        with pytest.raises(ValidationError) as error:
            edition.full_clean()
        assert list(error.value.message_dict) == ["year"]


# --- City --------------------------------------------------------------------------------------


AGS_CONSTRAINT = "Bedingung „city_ags_8_digits“ ist nicht erfüllt."


@pytest.mark.parametrize(
    ("ags", "message"),
    [
        ("0591100", AGS_CONSTRAINT),
        ("05911O00", AGS_CONSTRAINT),
        ("abcdefgh", AGS_CONSTRAINT),
        (
            "059110000",
            "Bitte sicherstellen, dass der Wert aus höchstens 8 Zeichen besteht. (Er besteht aus 9 Zeichen.)",
        ),
    ],
)
def test_city_ags_must_be_eight_digits(db, ags, message):
    city = CityFactory.build(ags=ags)

    with pytest.raises(ValidationError) as error:
        city.full_clean()

    assert error.value.messages == [message]


def test_city_ags_is_unique(db):
    CityFactory(ags="05911000")

    with pytest.raises(IntegrityError), transaction.atomic():
        CityFactory(ags="05911000")

    assert City.objects.filter(ags="05911000").count() == 1


# --- Parameter ---------------------------------------------------------------------------------

TWO_OPTIONS = [{"key": "no", "points": 0}, {"key": "yes", "points": 1}]


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        (
            {"kind": "choice", "options": [{"key": "only", "points": 1}]},
            "options",
            "Eine Auswahl braucht mindestens zwei Optionen mit eindeutigem Schlüssel.",
        ),
        (
            {"kind": "choice", "options": [{"key": "a", "points": 0}, {"key": "a", "points": 1}]},
            "options",
            "Eine Auswahl braucht mindestens zwei Optionen mit eindeutigem Schlüssel.",
        ),
        (
            {"kind": "choice", "options": [{"key": "", "points": 0}, {"key": "b", "points": 1}]},
            "options",
            "Eine Auswahl braucht mindestens zwei Optionen mit eindeutigem Schlüssel.",
        ),
        (
            {"kind": "choice", "options": [{"key": "a", "points": 0}, {"key": "b", "points": 1.5}]},
            "options",
            "Die Punkte jeder Option müssen zwischen 0 und 1 liegen.",
        ),
        (
            {"kind": "choice", "options": [{"key": "a", "points": 0}, {"key": "b"}]},
            "options",
            "Die Punkte jeder Option müssen zwischen 0 und 1 liegen.",
        ),
        ({"kind": "yes_no", "options": TWO_OPTIONS}, "options", "Nur Auswahl-Parameter haben Optionen."),
        ({"kind": "count", "unit": ""}, "unit", "Zahlenwerte brauchen eine Einheit."),
        ({"kind": "yes_no", "per_capita": True}, "per_capita", "Nur Zahlenwerte können je Einwohner gerechnet werden."),
        (
            {"kind": "number", "unit": "Tage", "min_value": Decimal(5), "max_value": Decimal(5)},
            "max_value",
            "Der größte Wert muss über dem kleinsten liegen.",
        ),
        (
            {"kind": "number", "unit": "Tage", "goal_worst": Decimal(30)},
            "goal_best",
            "Zielwerte werden paarweise angegeben (schlechtester und bester).",
        ),
        (
            {"kind": "number", "unit": "Tage", "goal_worst": Decimal(3), "goal_best": Decimal(3)},
            "goal_best",
            "Schlechtester und bester Zielwert müssen sich unterscheiden.",
        ),
    ],
)
def test_parameter_clean_rejects_an_inconsistent_definition(db, fields, field, message):
    parameter_ = ParameterFactory.build(indicator=None, **fields)

    with pytest.raises(ValidationError) as error:
        parameter_.clean()

    assert error.value.message_dict[field] == [message]


@pytest.mark.parametrize(
    "fields",
    [
        {"kind": "choice", "options": TWO_OPTIONS},
        {"kind": "yes_no"},
        {"kind": "count", "unit": "Ladepunkte", "per_capita": True, "min_value": Decimal(0)},
        {
            "kind": "percentage",
            "unit": "%",
            "min_value": Decimal(0),
            "max_value": Decimal(100),
            "goal_worst": Decimal(0),
            "goal_best": Decimal(100),
        },
        {"kind": "number", "unit": "Tage", "goal_worst": Decimal(30), "goal_best": Decimal(0)},
    ],
)
def test_parameter_clean_accepts_a_consistent_definition(db, fields):
    ParameterFactory.build(indicator=None, **fields).clean()  # raises on a rejected definition


def test_parameter_clean_reports_non_numeric_option_points_as_a_validation_error(db):
    parameter_ = ParameterFactory.build(
        indicator=None, kind="choice", options=[{"key": "a", "points": 0}, {"key": "b", "points": "hoch"}]
    )

    with pytest.raises(ValidationError) as error:
        parameter_.clean()

    assert error.value.message_dict["options"] == ["Die Punkte jeder Option müssen zwischen 0 und 1 liegen."]


def test_parameter_range_is_also_a_database_constraint(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        ParameterFactory(kind="number", unit="Tage", min_value=Decimal(10), max_value=Decimal(1))


def test_choice_parameter_gives_option_points_and_labels_in_the_active_language(db):
    smart_meter = ParameterFactory(
        kind="choice",
        options=[
            {"key": "none", "label_de": "keine", "label_en": "none", "points": 0},
            {"key": "planned", "label_de": "geplant", "points": 0.5},
            {"key": "live", "label_de": "im Betrieb", "label_en": "live", "points": 1},
        ],
    )

    assert smart_meter.option_points() == {"none": 0.0, "planned": 0.5, "live": 1.0}
    assert smart_meter.option_label("live") == "im Betrieb"
    assert smart_meter.option_label("unknown") == "unknown"
    with translation.override("en"):
        assert smart_meter.option_label("live") == "live"
        assert smart_meter.option_label("planned") == "geplant"  # no English label: German


def test_name_follows_the_active_language_and_falls_back_to_german(db):
    domain = DomainFactory(name_de="Mobilität", name_en="Mobility")
    untranslated = DomainFactory(name_de="Verwaltung", name_en="")

    assert (domain.name, untranslated.name) == ("Mobilität", "Verwaltung")
    with translation.override("en"):
        assert (domain.name, untranslated.name) == ("Mobility", "Verwaltung")


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("100.000000"), "100"),
        (Decimal("2.500000"), "2.5"),
        (Decimal("0.000000"), "0"),
        (Decimal("1E+3"), "1000"),
        (Decimal("-0.25"), "-0.25"),
    ],
)
def test_plain_number_drops_trailing_zeros_and_exponent(value, text):
    assert plain_number(value) == text


# --- Answer ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "fields", "value"),
    [
        ("online-termine", {"value_bool": False}, False),
        ("smart-meter", {"value_choice": "planned"}, "planned"),
        ("busse", {"value_number": Decimal("42.5")}, Decimal("42.5")),
        ("online-termine", {}, None),
        ("smart-meter", {}, None),
        ("ladepunkte", {}, None),
    ],
)
def test_answer_value_is_the_typed_field_of_its_parameter_kind(edition, city, key, fields, value):
    answer = AnswerFactory(parameter=parameter(edition, key), city=city, **fields)

    assert answer.value == value
    assert answer.has_value is (value is not None)


@pytest.mark.parametrize(
    ("key", "fields", "field", "message"),
    [
        ("online-termine", {"value_number": Decimal(1)}, "value_number", "Dieser Parameter erwartet keine Zahl."),
        ("busse", {"value_bool": True}, "value_bool", "Dieser Parameter ist keine Ja/Nein-Frage."),
        ("busse", {"value_choice": "live"}, "value_choice", "Dieser Parameter hat keine Auswahl."),
        (
            "smart-meter",
            {"value_choice": "everywhere"},
            "value_choice",
            "„everywhere“ ist keine der erlaubten Optionen.",
        ),
        ("busse", {"value_number": Decimal("-0.5")}, "value_number", "Der Wert muss mindestens 0 % sein."),
        ("busse", {"value_number": Decimal("100.5")}, "value_number", "Der Wert darf höchstens 100 % sein."),
        ("wartezeit", {"value_number": Decimal(366)}, "value_number", "Der Wert darf höchstens 365 Tage sein."),
        ("ladepunkte", {"value_number": Decimal("2.5")}, "value_number", "Eine Anzahl ist eine ganze Zahl."),
    ],
)
def test_answer_clean_rejects_a_value_that_does_not_fit_its_parameter(edition, city, key, fields, field, message):
    answer = AnswerFactory.build(parameter=parameter(edition, key), edition=edition, city=city, **fields)

    with pytest.raises(ValidationError) as error:
        answer.clean()

    assert error.value.message_dict == {field: [message]}


@pytest.mark.parametrize(
    ("key", "fields"),
    [
        ("ladepunkte", {"value_number": Decimal("12.000")}),
        ("busse", {"value_number": Decimal(100)}),
        ("busse", {"value_number": Decimal(0)}),
        ("smart-meter", {"value_choice": "live"}),
        ("online-termine", {"value_bool": True}),
    ],
)
def test_answer_clean_accepts_a_value_that_fits_its_parameter(edition, city, key, fields):
    AnswerFactory.build(parameter=parameter(edition, key), edition=edition, city=city, **fields).clean()


def test_answer_to_a_parameter_of_another_edition_is_invalid(edition, city):
    other_edition = EditionFactory(year=2031)
    answer = AnswerFactory.build(parameter=parameter(edition, "online-termine"), edition=other_edition, city=city)

    with pytest.raises(ValidationError) as error:
        answer.clean()

    assert error.value.message_dict == {"parameter": ["Der Parameter gehört zu einer anderen Ausgabe."]}


def test_a_city_has_one_answer_per_parameter(edition, city):
    online = parameter(edition, "online-termine")
    AnswerFactory(parameter=online, city=city)

    with pytest.raises(IntegrityError), transaction.atomic():
        AnswerFactory(parameter=online, city=city)

    assert Answer.objects.filter(parameter=online, city=city).count() == 1


# --- Innovation project ------------------------------------------------------------------------


def test_innovation_project_in_a_domain_of_another_edition_is_invalid(edition, city):
    foreign_domain = DomainFactory(edition=EditionFactory(year=2031))
    project = InnovationProjectFactory.build(edition=edition, domain=foreign_domain, city=city)

    with pytest.raises(ValidationError) as error:
        project.clean()

    assert error.value.message_dict == {"domain": ["Der Themenbereich gehört zu einer anderen Ausgabe."]}


@pytest.mark.parametrize("points", [Decimal("-0.01"), Decimal("5.01")])
def test_innovation_bonus_outside_0_to_5_is_refused_by_the_database(edition, city, points):
    domain = edition.domains.get(key="verwaltung")

    with pytest.raises(IntegrityError), transaction.atomic():
        InnovationProjectFactory(domain=domain, city=city, bonus_points=points)

    assert not InnovationProject.objects.exists()


def test_the_public_and_open_for_work_editions_are_named_once(db):
    editions = {phase: EditionFactory(year=2040 + i, phase=phase) for i, phase in enumerate(Edition.Phase.values)}

    assert set(Edition.objects.public()) == {editions["published"], editions["archived"]}
    assert set(Edition.objects.open_for_work()) == {editions["collection"], editions["review"]}
    assert {e.phase for e in editions.values() if e.is_public} == {"published", "archived"}
    assert {e.phase for e in editions.values() if e.is_open_for_work} == {"collection", "review"}


def test_move_to_refuses_an_unknown_phase_and_changes_nothing(db, editor):
    edition = EditionFactory(year=2040, phase=Edition.Phase.DRAFT)

    with pytest.raises(WorkflowError) as error:
        edition.move_to("verworfen", user=editor)

    assert error.value.messages == ["Unbekannte Phase „verworfen“."]
    edition.refresh_from_db()
    assert (edition.phase, edition.history.count()) == ("draft", 1)


def test_move_to_records_the_reason_and_stamps_the_publication(db, editor):
    edition = EditionFactory(year=2040, phase=Edition.Phase.REVIEW)

    edition.move_to(Edition.Phase.PUBLISHED, user=editor, reason="Frist abgelaufen")

    edition.refresh_from_db()
    latest = edition.history.first()
    assert (edition.phase, latest.history_user, latest.history_change_reason) == (
        "published",
        editor,
        "Frist abgelaufen",
    )
    assert edition.published_at is not None


@pytest.mark.parametrize(
    ("status", "review_reason", "sent_back"),
    [
        (Answer.Status.CHANGES_REQUESTED, "Nachweis fehlt", True),
        (Answer.Status.DRAFT, "Nachweis fehlt", True),  # being revised
        (Answer.Status.DRAFT, "", False),
        (Answer.Status.SUBMITTED, "Nachweis fehlt", False),  # resubmitted
        (Answer.Status.APPROVED, "", False),
    ],
)
def test_an_answer_is_sent_back_until_it_is_resubmitted(status, review_reason, sent_back):
    assert Answer(status=status, review_reason=review_reason).is_sent_back is sent_back
