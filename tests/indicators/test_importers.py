"""Reference data shipped with the code: the 82 cities (Destatis extract) and the catalogue (YAML)."""

import copy
import csv
from collections import Counter
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from indicators.importers import CITIES_CSV, catalogue_import, cities_import, participations_set, read_catalogue
from indicators.models import City, Domain, Indicator, Parameter, Participation
from tests.factories import CityFactory, EditionFactory, small_edition

CSV_HEADER = [
    "name",
    "slug",
    "state",
    "state_code",
    "ags",
    "population",
    "population_date",
    "area_km2",
    "lat",
    "lon",
    "source",
]


def write_csv(path, rows):
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_HEADER)
        writer.writeheader()
        writer.writerows(rows)
    return path


def shipped_row(name: str) -> dict:
    with open(CITIES_CSV, encoding="utf-8", newline="") as handle:
        return next(row for row in csv.DictReader(handle) if row["name"] == name)


# --- cities_import -----------------------------------------------------------------------------


@pytest.fixture
def imported(db):
    return cities_import()


def test_cities_import_creates_all_82_cities(imported):
    assert imported == (82, 0)
    assert City.objects.count() == 82


@pytest.mark.parametrize(
    ("name", "slug", "ags", "state", "state_code", "population"),
    [
        ("München", "muenchen", "09162000", "Bayern", "BY", 1510378),
        ("Bochum", "bochum", "05911000", "Nordrhein-Westfalen", "NW", 366385),
        ("Hanau", "hanau", "06435014", "Hessen", "HE", 103184),
        ("Berlin", "berlin", "11000000", "Berlin", "BE", 3782202),
        ("Aachen", "aachen", "05334002", "Nordrhein-Westfalen", "NW", 252769),
    ],
)
def test_cities_import_stores_the_destatis_rows(imported, name, slug, ags, state, state_code, population):
    city = City.objects.get(ags=ags)

    assert (city.name, city.slug, city.state, city.state_code, city.population) == (
        name,
        slug,
        state,
        state_code,
        population,
    )
    assert city.population_date == date(2023, 12, 31)


def test_cities_import_stores_area_coordinates_and_source(imported):
    muenchen = City.objects.get(slug="muenchen")

    assert (muenchen.area_km2, muenchen.lat, muenchen.lon) == (
        Decimal("310.70"),
        Decimal("48.1377"),
        Decimal("11.5760"),
    )
    assert muenchen.source.startswith("Destatis GV-ISys Gemeindeverzeichnis, Gebietsstand 31.12.2023")


def test_imported_cities_are_the_big_cities_of_all_16_states(imported):
    cities = list(City.objects.all())

    assert min(city.population for city in cities) >= 100_000
    assert len({city.state_code for city in cities}) == 16
    assert len({city.ags for city in cities}) == len({city.slug for city in cities}) == 82
    assert Counter(city.state_code for city in cities)["NW"] == 30


def test_cities_import_run_again_updates_without_duplicates(imported):
    # given: local edits that the shipped file should overwrite
    ids_before = dict(City.objects.values_list("ags", "pk"))
    City.objects.filter(slug="bochum").update(population=1, name="Bochum (alt)")

    # when
    result = cities_import()

    # then
    assert result == (0, 82)
    assert City.objects.count() == 82
    assert dict(City.objects.values_list("ags", "pk")) == ids_before
    bochum = City.objects.get(ags="05911000")
    assert (bochum.name, bochum.population) == ("Bochum", 366385)


def test_cities_import_matches_cities_by_ags(imported, tmp_path):
    changed = {**shipped_row("München"), "population": "1512491", "population_date": "2024-12-31"}

    result = cities_import(write_csv(tmp_path / "update.csv", [changed]))

    assert result == (0, 1)
    muenchen = City.objects.get(ags="09162000")
    assert (muenchen.population, muenchen.population_date, City.objects.count()) == (1512491, date(2024, 12, 31), 82)


def test_cities_import_with_an_invalid_row_imports_nothing(db, tmp_path):
    rows = [shipped_row("Bochum"), {**shipped_row("Hanau"), "ags": "6435014"}]

    with pytest.raises(ValidationError) as error:
        cities_import(write_csv(tmp_path / "broken.csv", rows))

    assert "Bedingung „city_ags_8_digits“ ist nicht erfüllt." in error.value.messages
    assert City.objects.count() == 0


# --- catalogue_import --------------------------------------------------------------------------


@pytest.fixture
def empty_edition(db):
    return EditionFactory(year=2024, phase="draft")


def test_catalogue_import_gives_5_domains_37_indicators_and_162_parameters(empty_edition):
    count = catalogue_import(edition=empty_edition, data=read_catalogue())

    assert count == 162
    assert Domain.objects.filter(edition=empty_edition).count() == 5
    assert Indicator.objects.filter(domain__edition=empty_edition).count() == 37
    assert Parameter.objects.filter(indicator__domain__edition=empty_edition).count() == 162


def test_catalogue_import_keeps_the_order_and_size_of_the_domains(empty_edition):
    catalogue_import(edition=empty_edition, data=read_catalogue())

    domains = [
        (d.key, d.name_de, d.position, d.indicators.count(), Parameter.objects.filter(indicator__domain=d).count())
        for d in Domain.objects.filter(edition=empty_edition).order_by("position")
    ]
    assert domains == [
        ("verwaltung", "Verwaltung", 0, 8, 38),
        ("it-kommunikation", "IT und Kommunikation", 1, 7, 29),
        ("energie-umwelt", "Energie und Umwelt", 2, 8, 35),
        ("mobilitaet", "Mobilität", 3, 7, 29),
        ("gesellschaft-bildung", "Gesellschaft und Bildung", 4, 7, 31),
    ]


def test_catalogue_import_maps_types_directions_and_flags(empty_edition):
    catalogue_import(edition=empty_edition, data=read_catalogue())

    parameters = Parameter.objects.filter(indicator__domain__edition=empty_edition)
    assert Counter(parameters.values_list("kind", flat=True)) == {
        "yes_no": 94,
        "choice": 24,
        "percentage": 19,
        "count": 17,
        "number": 8,
    }
    assert parameters.filter(higher_is_better=False).count() == 7
    assert parameters.filter(per_capita=True).count() == 13
    assert parameters.filter(evidence_required=False).count() == 21
    assert parameters.filter(goal_best__isnull=False).count() == 3


def test_catalogue_import_stores_a_parameter_field_by_field(empty_edition):
    catalogue_import(edition=empty_edition, data=read_catalogue())

    wartezeit = Parameter.objects.get(indicator__domain__edition=empty_edition, key="wartezeit-termin-buergeramt")
    assert (wartezeit.kind, wartezeit.unit, wartezeit.min_value, wartezeit.max_value) == (
        "number",
        "Tage",
        Decimal(0),
        Decimal(120),
    )
    assert (wartezeit.higher_is_better, wartezeit.per_capita, wartezeit.goal_worst, wartezeit.goal_best) == (
        False,
        False,
        Decimal(30),
        Decimal(0),
    )
    assert (wartezeit.weight, wartezeit.evidence_required) == (Decimal(1), True)
    assert wartezeit.name_de == "Durchschnittliche Wartezeit auf einen Termin im Bürgeramt"
    strategie = Parameter.objects.get(indicator__domain__edition=empty_edition, key="digitalstrategie-beschlossen")
    assert (strategie.kind, strategie.weight, strategie.position, strategie.indicator.key) == (
        "yes_no",
        Decimal(2),
        0,
        "digitalstrategie",
    )
    organisation = Parameter.objects.get(indicator__domain__edition=empty_edition, key="digitalisierung-organisation")
    assert organisation.option_points() == {"none": 0.0, "staff-unit": 0.5, "cdo-unit": 1.0}


def test_importing_the_catalogue_twice_into_one_edition_is_refused(empty_edition):
    catalogue_import(edition=empty_edition, data=read_catalogue())

    with pytest.raises(ValueError, match="^Edition 2024 already has a catalogue.$"):
        catalogue_import(edition=empty_edition, data=read_catalogue())

    assert Parameter.objects.filter(indicator__domain__edition=empty_edition).count() == 162


def test_catalogue_import_into_an_edition_with_a_catalogue_is_refused(db):
    edition = small_edition()

    with pytest.raises(ValueError, match="already has a catalogue"):
        catalogue_import(edition=edition, data=read_catalogue())

    assert Parameter.objects.filter(indicator__domain__edition=edition).count() == 5


def test_catalogue_import_with_an_invalid_parameter_imports_nothing(empty_edition):
    # given: the very last parameter becomes a choice with a single option
    data = copy.deepcopy(read_catalogue())
    last = data["domains"][-1]["indicators"][-1]["parameters"][-1]
    last.update(type="choice", options=[{"key": "only", "label_de": "einzig", "points": 1}])

    # when
    with pytest.raises(ValidationError) as error:
        catalogue_import(edition=empty_edition, data=data)

    # then
    assert error.value.message_dict["options"] == [
        "Eine Auswahl braucht mindestens zwei Optionen mit eindeutigem Schlüssel."
    ]
    assert Domain.objects.filter(edition=empty_edition).count() == 0


def test_catalogue_imports_into_two_editions_independently(db):
    first, second = EditionFactory(year=2023, phase="draft"), EditionFactory(year=2024, phase="draft")

    counts = [catalogue_import(edition=edition, data=read_catalogue()) for edition in (first, second)]

    assert counts == [162, 162]
    assert Parameter.objects.count() == 324


# --- participations_set ------------------------------------------------------------------------


def test_participations_set_makes_exactly_these_cities_the_field(db):
    # given
    edition = EditionFactory(year=2024, phase="draft")
    a, b, c, d = CityFactory.create_batch(4)
    participations_set(edition=edition, cities=[a, b, c])
    kept = Participation.objects.get(edition=edition, city=b)

    # when
    participations_set(edition=edition, cities=[b, c, d])

    # then
    assert set(edition.participations.values_list("city_id", flat=True)) == {b.pk, c.pk, d.pk}
    assert Participation.objects.get(edition=edition, city=b).pk == kept.pk


def test_the_shipped_catalogue_passes_its_checker():
    from indicators.data.check_catalogue import check, load

    assert check(load()) == []


def test_the_catalogue_checker_reports_a_broken_catalogue():
    from indicators.data.check_catalogue import check, load

    data = load()
    data["domains"][0]["indicators"][0]["parameters"][0]["weight"] = 0
    data["domains"].pop()

    problems = check(data)

    assert any("weight" in problem for problem in problems)
    assert any("5 domains" in problem or "domains" in problem for problem in problems)
