"""The official-source profiles (issue 16): the BNetzA charging-point register in its three real layouts, and
the generic AGS table. Values are checked against counts computed here by a different method."""

import csv
import hashlib
import io
import zipfile
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from django.core.exceptions import ValidationError

from indicators.importers import CITIES_CSV
from indicators.official import PROFILES, profile_for
from indicators.official.base import place_matches, place_words
from indicators.official.places import POSTCODE_TABLE, place_row, postcode_table

DATA = Path(__file__).resolve().parent.parent / "data" / "official" / "bnetza"
FILES = {
    "2018-12-06": DATA / "ladesaeulenregister-2018-12-06.xlsx",
    "2019-06-09": DATA / "ladesaeulenregister-2019-06-09.xlsx",
    "2019-07-19": DATA / "ladesaeulenregister-2019-07-19.xlsx",
}
# (header row, data rows); the shared README says 6,955 stations for December 2018, its sheet has 6,956
# (rows 6 to 6961, none blank)
LAYOUTS = {"2018-12-06": (5, 6956), "2019-06-09": (6, 9146), "2019-07-19": (6, 9690)}

BOCHUM, MUENCHEN, HALLE, OLDENBURG, MUELHEIM, FRANKFURT = (
    "05911000",
    "09162000",
    "15002000",
    "03403000",
    "05117000",
    "06412000",
)
CHECKED = (BOCHUM, MUENCHEN, HALLE, OLDENBURG, MUELHEIM, FRANKFURT)
HAMBURG = "02000000"


def _cities() -> list[tuple[str, str]]:
    with open(CITIES_CSV, encoding="utf-8", newline="") as file:
        return [(row["ags"], row["name"]) for row in csv.DictReader(file)]


CITIES = _cities()
TABLE = postcode_table()


def _read(key, stand=None, **options):
    return profile_for("bnetza-ladesaeulen").read(FILES[key].read_bytes(), cities=CITIES, **options)


@pytest.fixture(scope="module")
def readings():
    """Each real file read once with the default options (charging points)."""
    return {key: _read(key) for key in FILES}


@pytest.fixture(scope="module")
def station_readings():
    """Each real file read once counting stations."""
    return {key: _read(key, count="stations") for key in FILES}


@pytest.fixture(scope="module")
def sheets():
    """Each real file's rows as dicts by header, read here with openpyxl, independently of the profile."""
    result = {}
    for key, path in FILES.items():
        header_row = LAYOUTS[key][0]
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
        rows = list(workbook.worksheets[0].iter_rows(values_only=True))
        workbook.close()
        header = rows[header_row - 1]
        result[key] = [
            (number, dict(zip(header, cells, strict=False)))
            for number, cells in enumerate(rows[header_row:], start=header_row + 1)
            if any(cell not in (None, "") for cell in cells)
        ]
    return result


@pytest.fixture(scope="module")
def postcodes():
    """AGS -> {postcode: the municipalities' names of that postcode}, from the table, read here."""
    by_postcode = {}
    with open(POSTCODE_TABLE, encoding="utf-8", newline="") as file:
        for row in csv.DictReader(file):
            by_postcode.setdefault(row["plz"], {})[row["ags"]] = row["ort"]
    return by_postcode


def _independent(sheet, postcodes, ags, *, fast_only=False, by=None):
    """(stations, charging points, row numbers) of the city: a row's postcode must belong to the city; a
    postcode it shares with other municipalities counts only when the place is written exactly as the
    postcode table or the index's city list names the city. A postcode the table lacks counts when the place is
    written exactly as the city's name, no other municipality of the table has that name, and a known postcode of
    the city starts with the same three digits."""
    names = {name.casefold() for code, name in CITIES if code == ags}
    regions = {code[:3] for code, municipalities in postcodes.items() if ags in municipalities}
    owners: dict[str, set[str]] = {}
    for municipalities in postcodes.values():
        for code, name in municipalities.items():
            owners.setdefault(name.casefold(), set()).add(code)
    stations, points, numbers = 0, 0, []
    for number, row in sheet:
        postcode, _space, place = " ".join(str(row["Postleitzahl Ort"]).replace("\xa0", " ").split()).partition(" ")
        municipalities = postcodes.get(postcode)
        if municipalities is None and len(postcode) == 5 and postcode[:3] in regions:
            if place.casefold() in names and owners.get(place.casefold(), {ags}) == {ags}:
                municipalities = {ags: place}
        if ags not in (municipalities or {}):
            continue
        if len(municipalities) > 1 and place.casefold() not in names | {municipalities[ags].casefold()}:
            continue
        if fast_only and row["Art der Ladeeinrichtung"] != "Schnellladeeinrichtung":
            continue
        if by and row["Inbetriebnahmedatum"].date() > by:
            continue
        stations += 1
        points += row["Anzahl Ladepunkte"]
        numbers.append(number)
    return stations, points, numbers


def test_both_profiles_are_registered_by_key():
    assert sorted(PROFILES) == ["ags-tabelle", "bnetza-ladesaeulen"]
    profile = profile_for("bnetza-ladesaeulen")
    assert (profile.version, [option.name for option in profile.options]) == (
        2,
        ["count", "fast_only", "in_operation_by"],
    )


def test_an_unknown_profile_or_option_is_refused_with_a_german_message():
    with pytest.raises(ValidationError) as unknown:
        profile_for("kba")
    assert unknown.value.messages == ["Unbekanntes Profil „kba“."]
    with pytest.raises(ValidationError) as option:
        profile_for("bnetza-ladesaeulen").read(b"PK\x03\x04", cities=CITIES, count="kilowatt")
    assert option.value.messages == ["Die Option „count“ erlaubt nur: stations, charging_points."]


@pytest.mark.parametrize(
    "key, stand",
    [("2018-12-06", date(2018, 12, 6)), ("2019-06-09", date(2019, 6, 9)), ("2019-07-19", date(2019, 7, 19))],
)
def test_each_layout_is_read_with_the_stand_from_the_file(readings, key, stand):
    # given the three real layouts (Stand as a date cell in row 2, or "Stand: ..." text in row 3)
    reading = readings[key]
    # then
    assert reading.stand == stand
    assert (reading.profile, reading.version) == ("bnetza-ladesaeulen", 2)
    assert reading.sha256 == hashlib.sha256(FILES[key].read_bytes()).hexdigest()
    assert reading.rows_read == LAYOUTS[key][1]
    # every data row is accounted for: in a city, elsewhere, unmatched or ambiguous
    assert (
        reading.rows_counted + reading.rows_elsewhere + len(reading.unmatched) + len(reading.ambiguous)
        == (LAYOUTS[key][1])
    )
    assert reading.rows_counted == sum(len(value.rows) for value in reading.values.values())


@pytest.mark.parametrize("key", list(FILES))
@pytest.mark.parametrize("ags", CHECKED)
def test_a_citys_charging_points_and_stations_agree_with_an_independent_count(
    readings, station_readings, sheets, postcodes, key, ags
):
    # given the independent count of the city's rows
    stations, points, numbers = _independent(sheets[key], postcodes, ags)
    assert stations > 0
    # when / then: charging points (the default) and stations
    assert readings[key].values[ags].value == Decimal(points)
    assert list(readings[key].values[ags].rows) == numbers
    assert station_readings[key].values[ags].value == Decimal(stations)
    assert station_readings[key].values[ags].rows == readings[key].values[ags].rows


def test_known_values_of_the_july_2019_register(readings):
    values = {ags: readings["2019-07-19"].values[ags].value for ags in CHECKED}
    assert values == {
        BOCHUM: Decimal(50),
        MUENCHEN: Decimal(239),  # 235 before the fallback for postcodes the table lacks (80667, 80788)
        HALLE: Decimal(50),
        OLDENBURG: Decimal(48),
        MUELHEIM: Decimal(35),
        FRANKFURT: Decimal(46),  # 44 before (60547 Frankfurt am Main)
    }


def test_only_fast_chargers_in_operation_by_a_cut_off_date(sheets, postcodes):
    # given
    cut_off = date(2018, 12, 31)
    # when
    fast = _read("2019-07-19", fast_only=True)
    fast_by = _read("2019-07-19", fast_only=True, in_operation_by=cut_off, count="stations")
    # then
    for ags in CHECKED:
        _stations, points, _numbers = _independent(sheets["2019-07-19"], postcodes, ags, fast_only=True)
        stations_by, _points, _numbers = _independent(sheets["2019-07-19"], postcodes, ags, fast_only=True, by=cut_off)
        assert (fast.values[ags].value if ags in fast.values else Decimal(0)) == Decimal(points)
        assert (fast_by.values[ags].value if ags in fast_by.values else Decimal(0)) == Decimal(stations_by)
    assert 0 < fast_by.values[MUENCHEN].value < fast.values[MUENCHEN].value
    # every row is accounted for, the ones the options leave out too
    for reading in (fast, fast_by):
        assert reading.rows_read == 9690
        assert reading.rows_left_out > 0
        assert (
            reading.rows_counted
            + reading.rows_elsewhere
            + reading.rows_left_out
            + len(reading.unmatched)
            + len(reading.ambiguous)
        ) == 9690


def test_munich_airport_is_not_counted_for_munich(readings, sheets):
    # given the rows whose place is "München Flughafen" / "München-Flughafen" (postcode 85356, Freising)
    airport = [
        number
        for number, row in sheets["2019-07-19"]
        if place_words(str(row["Postleitzahl Ort"]).split(None, 1)[1]) == ("muenchen", "flughafen")
    ]
    assert len(airport) == 9
    # then none of them is in München's rows, and none is listed as a problem (they are Freising's)
    assert not set(airport) & set(readings["2019-07-19"].values[MUENCHEN].rows)
    listed = {row.row_number for row in readings["2019-07-19"].unmatched + readings["2019-07-19"].ambiguous}
    assert not set(airport) & listed


def test_rows_with_an_unknown_or_broken_postcode_are_listed_with_the_reason(readings, sheets):
    reading = readings["2019-07-19"]
    by_number = {row.row_number: row for row in reading.unmatched}
    said = dict((number, row["Postleitzahl Ort"]) for number, row in sheets["2019-07-19"])
    broken = [number for number, text in said.items() if not str(text)[:5].isdigit() or str(text)[5:6] not in " \xa0"]
    assert broken  # "4474 Vilshofen an der Donau", "970080 Würzburg" …
    for number in broken:
        assert by_number[number].reason == "Postleitzahl und Ort fehlen oder sind ungültig."
    assert by_number[66].text == "69066 heidelberg"
    assert by_number[66].reason == (
        "Die Postleitzahl 69066 ist unbekannt und liegt nicht im Postleitzahlgebiet von heidelberg."
    )
    assert len(reading.unmatched) == 43  # 109 before the fallback for postcodes the table lacks
    assert reading.ambiguous == []


def test_a_postcode_the_table_lacks_is_placed_by_the_cities_name_within_its_postcode_region(readings, sheets):
    # given the July 2019 register: 31 rows name an index city with a postcode the 2021 table lacks (PO boxes,
    # large customers: "22014 Hamburg", "80667 München")
    reading = readings["2019-07-19"]
    said = {number: str(row["Postleitzahl Ort"]) for number, row in sheets["2019-07-19"]}
    hamburg = [number for number, text in said.items() if text.endswith(" Hamburg") and text[:5] not in TABLE]
    # then Hamburg's nine such rows are Hamburg's
    assert len(hamburg) == 9
    assert set(hamburg) <= set(reading.values[HAMBURG].rows)
    assert reading.values[HAMBURG].value == Decimal(910)  # 892 before
    # and of the 31, three stay listed: a broken postcode, and two outside the city's postcode region
    named_city = {
        row.row_number: row.reason
        for row in reading.unmatched
        if any(place_matches(row.text.partition(" ")[2], name) for _ags, name in CITIES)
    }
    assert named_city == {
        66: "Die Postleitzahl 69066 ist unbekannt und liegt nicht im Postleitzahlgebiet von heidelberg.",
        3246: "Postleitzahl und Ort fehlen oder sind ungültig.",
        4828: "Die Postleitzahl 36450 ist unbekannt und liegt nicht im Postleitzahlgebiet von Hanau.",
    }
    assert (reading.rows_counted, reading.rows_elsewhere) == (2973, 6674)  # 2945 and 6636 before


@pytest.mark.parametrize(
    ("postcode", "place", "expected"),
    [
        ("22014", "Hamburg", "02000000"),  # Hamburg's postcodes start 220 too
        ("80667", "München", "09162000"),
        ("22014", "hamburg", "02000000"),  # spelling normalised as everywhere (place_matches)
        ("80667", "München Flughafen", None),  # says more than München: no municipality of that name
        ("36450", "Hanau", None),  # Hanau's postcodes start 634
        ("12999", "Neustadt", None),  # a name of many municipalities: never guessed
        ("44899", "Bochum-Wattenscheid", None),  # says more than Bochum
    ],
)
def test_the_fallback_never_guesses(postcode, place, expected):
    assert postcode not in TABLE
    assert place_row(postcode, place, city_names=dict(CITIES)).ags == expected


def _register(rows, *, stand="Stand: 01.02.2020", header=None) -> bytes:
    """A small register file in the 2019 layout."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Ladesäulenregister Bundesnetzagentur"])
    sheet.append([])
    sheet.append([stand])
    sheet.append([])
    if header is not False:
        sheet.append(
            header
            or ["Betreiber", "Postleitzahl Ort", "Inbetriebnahmedatum", "Art der Ladeeinrichtung", "Anzahl Ladepunkte"]
        )
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_a_shared_postcode_is_placed_by_the_place_name_and_otherwise_listed_as_ambiguous():
    # given postcode 85540, shared by Haar and München, and 51467, shared by Bergisch Gladbach and Köln
    normal = "Normalladeeinrichtung"
    data = _register(
        [
            ["A", "85540 München", datetime(2019, 1, 1), normal, 2],
            ["B", "85540 Haar", datetime(2019, 1, 1), normal, 2],
            ["C", "85540 Gronsdorf", datetime(2019, 1, 1), normal, 3],
            ["D", "51467 Bergisch Gladbach", datetime(2019, 1, 1), normal, 1],
            ["E", "85356 München Flughafen", datetime(2019, 1, 1), normal, 4],
            ["F", "45481 Mülheim", datetime(2019, 1, 1), normal, 5],
        ]
    )
    # when
    reading = profile_for("bnetza-ladesaeulen").read(data, cities=CITIES)
    # then
    assert reading.stand == date(2020, 2, 1)
    assert {ags: (value.value, value.rows) for ags, value in reading.values.items()} == {
        MUENCHEN: (Decimal(2), (6,)),
        "05378004": (Decimal(1), (9,)),
        MUELHEIM: (Decimal(5), (11,)),
    }
    assert [(row.row_number, row.text, row.candidates, row.reason) for row in reading.ambiguous] == [
        (
            8,
            "85540 Gronsdorf",
            ("09162000 München", "09184123 Haar"),
            "Die Postleitzahl 85540 gehört zu mehreren Gemeinden, und der Ort „Gronsdorf“ passt zu keiner.",
        )
    ]
    assert (reading.rows_read, reading.rows_counted, reading.rows_elsewhere, reading.rows_left_out) == (6, 3, 2, 0)


def test_place_names_are_compared_after_normalising_their_spelling():
    assert place_matches("Halle (Saale)", "Halle (Saale)")
    assert place_matches("Halle", "Halle (Saale)")
    assert place_matches("Mülheim a.d. Ruhr", "Mülheim an der Ruhr")
    assert place_matches("Muelheim an der Ruhr", "Mülheim an der Ruhr")
    assert place_matches("Frankfurt a.M.", "Frankfurt am Main")
    assert not place_matches("Mülheim-Kärlich", "Mülheim an der Ruhr")
    assert not place_matches("München Flughafen", "München")
    assert not place_matches("Halle (Westf.)", "Halle (Saale)")
    assert not place_matches("Frankfurt (Oder)", "Frankfurt am Main")
    assert not place_matches("", "Halle (Saale)")


def test_an_unknown_postcode_is_unmatched():
    placement = place_row("00000", "Nirgendwo", city_names=dict(CITIES))
    assert (placement.ags, placement.candidates, placement.reason) == (
        None,
        (),
        "Die Postleitzahl 00000 ist unbekannt.",
    )


def test_a_citys_row_without_a_commissioning_date_or_a_count_of_points_is_listed():
    # given
    data = _register(
        [
            ["A", "80331 München", None, "Normalladeeinrichtung", 2],
            ["B", "80331 München", datetime(2019, 1, 1), "Normalladeeinrichtung", "zwei"],
            ["C", "80331 München", datetime(2019, 1, 1), "Normalladeeinrichtung", " 2"],
            ["D", "80331 München", datetime(2021, 1, 1), "Normalladeeinrichtung", 2],
            ["E", "01067 Dresden", None, "Normalladeeinrichtung", "?"],
            ["F", "99955 Herbsleben", None, "Normalladeeinrichtung", "?"],
        ]
    )
    # when
    reading = profile_for("bnetza-ladesaeulen").read(data, cities=CITIES, in_operation_by=date(2020, 1, 1))
    # then the rows of a city are listed; a fault outside the index's cities (Herbsleben) changes nothing
    assert [(row.row_number, row.reason) for row in reading.unmatched] == [
        (6, "Das Inbetriebnahmedatum fehlt."),
        (7, "Die Anzahl der Ladepunkte fehlt oder ist keine ganze Zahl."),
        (10, "Das Inbetriebnahmedatum fehlt."),
    ]
    assert {ags: (value.value, value.rows) for ags, value in reading.values.items()} == {MUENCHEN: (Decimal(2), (8,))}
    assert (reading.rows_read, reading.rows_counted, reading.rows_left_out, reading.rows_elsewhere) == (6, 1, 1, 1)


@pytest.mark.parametrize(
    "data, message",
    [
        (
            b"Betreiber;Postleitzahl Ort\n",
            "Die Datei ist keine gültige XLSX-Datei. "
            "Das Ladesäulenregister wird als Excel-Arbeitsmappe (.xlsx) gelesen.",
        ),
        (
            b"PK\x03\x04broken",
            "Die Datei ist keine gültige XLSX-Datei. "
            "Das Ladesäulenregister wird als Excel-Arbeitsmappe (.xlsx) gelesen.",
        ),
        (
            _register([["A", "80331 München", None, "Normalladeeinrichtung", 2]], header=False),
            "Die Kopfzeile des Ladesäulenregisters (mit „Postleitzahl Ort“ und „Anzahl Ladepunkte“) "
            "wurde in den ersten 30 Zeilen nicht gefunden.",
        ),
        (
            _register([["A", "80331 München", None, "Normalladeeinrichtung", 2]], stand="Ladesäulen"),
            "Der Stand der Datei wurde nicht gefunden (ein Datum oder „Stand: TT.MM.JJJJ“ über der Kopfzeile).",
        ),
        (
            _register([["A", "80331 München", 2]], header=["Betreiber", "Postleitzahl Ort", "Anzahl Ladepunkte"]),
            None,
        ),
    ],
)
def test_a_broken_register_file_is_refused_with_a_clear_german_message(data, message):
    if message is None:
        # a file without the kind column reads, but not for fast chargers only
        with pytest.raises(ValidationError) as error:
            profile_for("bnetza-ladesaeulen").read(data, cities=CITIES, fast_only=True)
        assert error.value.messages == ["Der Datei fehlt die Spalte „Art der Ladeeinrichtung“."]
        return
    with pytest.raises(ValidationError) as error:
        profile_for("bnetza-ladesaeulen").read(data, cities=CITIES)
    assert error.value.messages == [message]


# The generic AGS table

STAND = date(2023, 12, 31)


def _table(data, **options):
    return profile_for("ags-tabelle").read(data, cities=CITIES, stand=STAND, **options)


def test_a_german_csv_with_ags_with_and_without_leading_zero():
    # given
    data = "AGS;Gemeinde;Wert\n05911000;Bochum;1.234,5\n5117000;Mülheim an der Ruhr;12\n09999999;Irgendwo;3\n".encode()
    # when
    reading = _table(data)
    # then
    assert reading.stand == STAND and reading.profile == "ags-tabelle"
    assert {ags: (value.value, value.rows) for ags, value in reading.values.items()} == {
        MUELHEIM: (Decimal(12), (3,)),
        BOCHUM: (Decimal("1234.5"), (2,)),
    }
    assert [(row.row_number, row.reason) for row in reading.unmatched] == [
        (4, "Der AGS 09999999 ist keine Stadt des Index.")
    ]
    assert (reading.rows_read, reading.rows_counted) == (3, 2)


def test_an_english_csv_with_named_columns_and_a_city_name_instead_of_the_ags():
    # given
    data = b'city,households,coverage\nBochum,"1,234.5",0.5\nHalle (Saale),17,0.9\nAtlantis,3,0.1\nMunchen,x,0\n'
    # when
    reading = _table(data, name_column="City", value_column="households", number_format="en")
    # then
    assert {ags: value.value for ags, value in reading.values.items()} == {
        BOCHUM: Decimal("1234.5"),
        HALLE: Decimal(17),
    }
    assert [(row.row_number, row.text, row.reason) for row in reading.unmatched] == [
        (4, "Atlantis 3 0.1", "Der Name passt zu keiner Stadt des Index."),
        (5, "Munchen x 0", "Der Wert ist keine Zahl."),
    ]


def test_an_xlsx_table_with_numeric_ags_and_a_city_twice_is_listed_as_ambiguous():
    # given
    workbook = openpyxl.Workbook()
    workbook.active.append(["Breitbandatlas, Auszug"])
    workbook.active.append(["Amtlicher Gemeindeschlüssel", "Anteil"])
    workbook.active.append([9162000, 97.5])
    workbook.active.append(["05911000", 80])
    workbook.active.append(["05911000", 81])
    workbook.active.append(["123", 1])
    buffer = io.BytesIO()
    workbook.save(buffer)
    # when
    reading = _table(buffer.getvalue())
    # then
    assert {ags: value.value for ags, value in reading.values.items()} == {MUENCHEN: Decimal("97.5")}
    assert [(row.row_number, row.candidates, row.reason) for row in reading.ambiguous] == [
        (4, ("05911000 Bochum",), "Die Stadt steht mehrfach in der Datei (Zeilen 4, 5)."),
        (5, ("05911000 Bochum",), "Die Stadt steht mehrfach in der Datei (Zeilen 4, 5)."),
    ]
    assert [(row.row_number, row.reason) for row in reading.unmatched] == [
        (6, "Der AGS fehlt oder hat nicht 8 Ziffern.")
    ]


def test_a_city_name_shared_by_two_cities_is_ambiguous():
    cities = [("01000001", "Neustadt"), ("02000002", "Neustadt"), (BOCHUM, "Bochum")]
    reading = profile_for("ags-tabelle").read(b"Stadt;Wert\nNeustadt;4\nBochum;5\n", cities=cities, stand=STAND)
    assert {ags: value.value for ags, value in reading.values.items()} == {BOCHUM: Decimal(5)}
    assert [(row.row_number, row.candidates) for row in reading.ambiguous] == [
        (2, ("01000001 Neustadt", "02000002 Neustadt"))
    ]


@pytest.mark.parametrize(
    "data, options, message",
    [
        (b"AGS;Wert\n05911000;1\n", {"stand": None}, "Bitte geben Sie den Stand der Datei an."),
        (
            b"Kreis;Wert\nBochum;1\n",
            {},
            "Keine Kopfzeile mit einer AGS- oder Stadt-Spalte gefunden (z. B. „AGS“ oder „Stadt“).",
        ),
        (
            b"AGS;Anzahl;Anteil\n05911000;1;2\n",
            {},
            "Die Spalte mit dem Wert wurde nicht gefunden: bitte „Wert“ nennen oder die Spalte angeben.",
        ),
        (b"", {}, "Die Datei ist weder eine XLSX- noch eine lesbare CSV-Datei."),
        (b"PK\x03\x04broken", {}, "Die Datei ist keine gültige XLSX-Datei."),
    ],
)
def test_a_broken_table_is_refused_with_a_clear_german_message(data, options, message):
    stand = options.pop("stand", STAND)
    with pytest.raises(ValidationError) as error:
        profile_for("ags-tabelle").read(data, cities=CITIES, stand=stand, **options)
    assert error.value.messages == [message]


def test_a_reason_is_given_in_english_when_english_is_active():
    from django.utils import translation

    with translation.override("en"):
        placement = place_row("00000", "Nirgendwo", city_names={})
    assert placement.reason == "The postcode 00000 is unknown."


def test_a_register_with_separate_postcode_and_place_columns_restores_a_lost_leading_zero():
    # given a layout with "Postleitzahl" (a number, 1067 for 01067) and "Ort" in their own columns
    data = _register(
        [["A", 1067, "Dresden", 2], ["B", "44787", "Bochum", 3]],
        header=["Betreiber", "Postleitzahl", "Ort", "Anzahl Ladepunkte"],
    )
    # when
    reading = profile_for("bnetza-ladesaeulen").read(data, cities=CITIES)
    # then
    assert {ags: (value.value, value.rows) for ags, value in reading.values.items()} == {
        BOCHUM: (Decimal(3), (7,)),
        "14612000": (Decimal(2), (6,)),
    }


def test_a_register_over_the_limits_is_refused_before_it_is_read(monkeypatch):
    from indicators.official import bnetza

    # given a zip of more parts than an XLSX has
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for number in range(201):
            archive.writestr(f"part{number}.xml", "<x/>")
    with pytest.raises(ValidationError) as parts:
        profile_for("bnetza-ladesaeulen").read(buffer.getvalue(), cities=CITIES)
    assert parts.value.messages == ["Die Datei besteht aus zu vielen Teilen: erlaubt sind höchstens 200."]
    # and a sheet of more rows than allowed
    monkeypatch.setattr(bnetza, "MAX_SHEET_ROWS", 10)
    data = _register([["A", "80331 München", datetime(2019, 1, 1), "Normalladeeinrichtung", 2]] * 6)
    with pytest.raises(ValidationError) as rows:
        profile_for("bnetza-ladesaeulen").read(data, cities=CITIES)
    assert rows.value.messages == ["Die Tabelle hat mehr als 10 Zeilen."]
