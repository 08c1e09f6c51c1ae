"""Population figures of an edition (issue 16): the CSV import (service and command) and the admin."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command

from indicators.models import Edition, PopulationFigure
from indicators.services.population import population_figure_save, population_figures_import
from indicators.workflow import WorkflowError
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def cities(db):
    return [
        factories.CityFactory(name="Berlin", ags="11000000", population=3_878_100),
        factories.CityFactory(name="Bochum", ags="05911000", population=364_454),
    ]


def figures(edition) -> list[tuple[str, date, int, str]]:
    return list(
        PopulationFigure.objects.filter(edition=edition)
        .order_by("city__ags", "reference_date")
        .values_list("city__ags", "reference_date", "population", "source")
    )


def test_a_csv_with_german_and_english_numbers_and_dates_is_imported(edition, editor, cities):
    # given
    data = (
        b"AGS;Datum;Einwohner\n"
        b"11000000;31.12.2018;3.644.826\n"
        b"11000000;2019-12-31;3,669,491\n"
        b"05911000;31.12.2018;364628\n"
    )

    # when
    result = population_figures_import(user=editor, edition=edition, data=data, source="Destatis")

    # then
    assert (result.created, result.updated, result.unchanged) == (3, 0, 0)
    assert figures(edition) == [
        ("05911000", date(2018, 12, 31), 364_628, "Destatis"),
        ("11000000", date(2018, 12, 31), 3_644_826, "Destatis"),
        ("11000000", date(2019, 12, 31), 3_669_491, "Destatis"),
    ]
    assert PopulationFigure.history.filter(history_change_reason="Einwohnerzahlen importiert").count() == 3


def test_a_second_import_updates_a_figure_of_the_same_day_and_keeps_the_rest(edition, editor, cities):
    # given
    population_figures_import(user=editor, edition=edition, data=b"ags,date,population\n11000000,2018-12-31,3644826\n")

    # when
    result = population_figures_import(
        user=editor, edition=edition, data=b"ags,date,population\n11000000,2018-12-31,3644827\n"
    )
    again = population_figures_import(
        user=editor, edition=edition, data=b"ags,date,population\n11000000,2018-12-31,3644827\n"
    )

    # then
    assert (result.created, result.updated, result.unchanged) == (0, 1, 0)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
    assert figures(edition) == [("11000000", date(2018, 12, 31), 3_644_827, "")]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param(
            "Stadt;Datum;Einwohner\nBerlin;31.12.2018;1\n",
            "Die erste Zeile muss die Spalten AGS, Datum und Einwohner nennen (z. B. „AGS;Datum;Einwohner“).",
            id="no AGS column",
        ),
        pytest.param(
            "AGS;Datum;Einwohner\n11000000;31.12.2018;3.644.826\n1100;31.12.2018;5\n",
            "Zeile 3: „1100“ ist kein achtstelliger AGS.",
            id="short AGS",
        ),
        pytest.param(
            "AGS;Datum;Einwohner\n11000000;Ende 2018;3.644.826\n",
            "Zeile 2: „Ende 2018“ ist kein Datum (JJJJ-MM-TT oder TT.MM.JJJJ).",
            id="no date",
        ),
        pytest.param(
            "AGS;Datum;Einwohner\n11000000;31.12.2018;viele\n", "Zeile 2: „viele“ ist keine Zahl.", id="no number"
        ),
        pytest.param(
            "AGS;Datum;Einwohner\n11000000;31.12.2018;0\n",
            "Zeile 2: „0“ ist keine ganze Zahl größer als 0.",
            id="zero",
        ),
        pytest.param(
            "AGS;Datum;Einwohner\n11000000;31.12.2018;364,5\n",
            "Zeile 2: „364,5“ ist keine ganze Zahl größer als 0.",
            id="fraction",
        ),
        pytest.param(
            "AGS;Datum;Einwohner\n11000000;31.12.2018;1\n11000000;2018-12-31;2\n",
            "Zeile 3: AGS 11000000 mit Stichtag 31.12.2018 steht schon in Zeile 2.",
            id="twice",
        ),
        pytest.param(
            "AGS;Datum;Einwohner\n11000000;31.12.2018;1\n09999999;31.12.2018;2\n",
            "Zeile 3: keine Stadt mit dem AGS 09999999.",
            id="unknown city",
        ),
        pytest.param("", "Die Datei ist leer.", id="empty"),
        pytest.param("AGS;Datum;Einwohner\n", "Die Datei enthält keine Einwohnerzahlen.", id="header only"),
    ],
)
def test_a_file_with_a_bad_row_is_refused_with_a_german_message_and_writes_nothing(
    edition, editor, cities, content, message
):
    with pytest.raises(ValidationError) as refused:
        population_figures_import(user=editor, edition=edition, data=content.encode())

    assert refused.value.messages == [message]
    assert figures(edition) == []


def test_only_editors_import_figures(edition, reviewer, cities):
    with pytest.raises(PermissionDenied):
        population_figures_import(user=reviewer, edition=edition, data=b"AGS;Datum;Einwohner\n11000000;2018-12-31;1\n")
    assert figures(edition) == []


def test_the_figures_of_a_published_edition_are_frozen(editor, cities):
    published = factories.small_edition(cities=0, year=2035, phase=Edition.Phase.PUBLISHED)

    with pytest.raises(WorkflowError, match="eingefroren"):
        population_figures_import(user=editor, edition=published, data=b"AGS;Datum;Einwohner\n11000000;2018-12-31;1\n")
    with pytest.raises(WorkflowError, match="eingefroren"):
        population_figure_save(
            user=editor,
            figure=PopulationFigure(edition=published, city=cities[0], reference_date=date(2018, 12, 31), population=1),
        )
    assert figures(published) == []


def test_the_command_imports_the_file_and_says_how_many(edition, editor, cities, tmp_path, capsys):
    # given
    path = tmp_path / "einwohner.csv"
    path.write_text("AGS;Stichtag;Einwohner\n11000000;31.12.2018;3.644.826\n05911000;31.12.2018;364.628\n")

    # when
    call_command(
        "import_population", str(path), edition=edition.year, user=editor.username, source="Destatis 31.12.2018"
    )

    # then
    assert capsys.readouterr().out == "Einwohnerzahlen: 2 angelegt, 0 geändert, 0 unverändert.\n"
    assert [row[2] for row in figures(edition)] == [364_628, 3_644_826]


def test_the_command_refuses_a_bad_file_with_the_services_message(edition, editor, cities, tmp_path):
    path = tmp_path / "einwohner.csv"
    path.write_text("AGS;Datum;Einwohner\n11000000;31.12.2018;3.644.826\n11000000;31.12.2019;-4\n")

    with pytest.raises(CommandError, match="^Zeile 3: „-4“ ist keine ganze Zahl größer als 0.$"):
        call_command("import_population", str(path), edition=edition.year, user=editor.username)
    assert figures(edition) == []


def test_editors_add_a_figure_in_the_admin_through_the_service(admin_login, editor, edition, cities):
    # given
    client = admin_login(editor)

    # when
    response = client.post(
        "/admin/indicators/populationfigure/add/",
        {
            "edition": edition.pk,
            "city": cities[1].pk,
            "reference_date": "2018-12-31",
            "population": "364628",
            "source": "Destatis",
        },
    )

    # then
    assert response.status_code == 302
    assert figures(edition) == [("05911000", date(2018, 12, 31), 364_628, "Destatis")]
    assert PopulationFigure.history.get().history_user == editor
