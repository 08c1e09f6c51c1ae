"""A stale Stand on the public side (issue 16, section 4): the drill-down marks it with month/year and says what
it means, in German and English; the open data and the public API carry `stand_veraltet`."""

import csv
import io
import re
from datetime import date

import pytest
from rest_framework.test import APIClient

from indicators.models import Edition
from tests.public.test_open_data import file_content, file_json
from tests.public.test_provenance import provenance_edition


@pytest.fixture
def stale_edition(editor, settings):
    """provenance_edition with reference date 31.12.2040 and 12 months: the first city's official
    `ladepunkte` (the file's Stand 19.07.2019) is stale, its researched `busse` (Stand 01.03.2040) is not."""
    settings.STALE_STAND_MONTHS = 12
    edition, first = provenance_edition(editor)
    Edition.objects.filter(pk=edition.pk).update(reference_date=date(2040, 12, 31))
    return edition, first


def articles(response) -> list[str]:
    content = re.sub(r"\s+", " ", response.content.decode())
    return re.findall(r'<article class="parameter".*?</article>', content)


@pytest.mark.parametrize(
    ("prefix", "mark", "hint"),
    [
        (
            "",
            "Stand 07/2019",
            "Veralteter Stand: Der Wert beschreibt einen Tag, der mehr als 12 Monate vor dem Stichtag dieser "
            "Ausgabe (31.12.2040) liegt.",
        ),
        (
            "/en",
            "as of 07/2019",
            "Stale as-of date: the value describes a day more than 12 months before this edition's reference "
            "date (12/31/2040).",
        ),
    ],
)
def test_the_drill_down_marks_a_stale_stand_with_month_and_year_and_explains_it(
    client, stale_edition, prefix, mark, hint
):
    _edition, first = stale_edition

    found = articles(client.get(f"{prefix}/stadt/{first.slug}/2040/"))

    assert f'<mark class="stale-stand">{mark}</mark>' in found[4]
    assert f'<dd class="stale-hint note">{hint}</dd>' in found[4]
    assert sum("stale-stand" in article for article in found) == 1
    assert "stale" not in found[3]  # the researched value of 01.03.2040 is not stale


def test_without_a_reference_date_the_drill_down_marks_nothing(client, editor):
    _edition, first = provenance_edition(editor)

    found = articles(client.get(f"/stadt/{first.slug}/2040/"))

    assert not any("stale" in article for article in found)
    assert '<span class="note">(Stand 19.07.2019)</span>' in found[4]


def test_the_open_data_and_the_api_say_which_stand_is_stale(client, stale_edition):
    _edition, first = stale_edition

    rows = list(csv.DictReader(io.StringIO(file_content(client.get("/daten/2040/answers.csv")).decode("utf-8"))))
    data = file_json(client.get("/daten/2040/answers.json"))
    body = APIClient().get(f"/api/v1/answers/?edition=2040&city={first.slug}").json()

    stale_csv = {(row["ags"], row["parameter"]) for row in rows if row["stand_veraltet"] == "true"}
    assert stale_csv == {(row["ags"], "ladepunkte") for row in rows if row["parameter"] == "ladepunkte"}
    assert len(stale_csv) == 3
    assert {a["parameter"]: a["stand_veraltet"] for a in data["answers"] if a["ags"] == first.ags} == {
        "online-termine": False,
        "wartezeit": False,
        "smart-meter": False,
        "busse": False,
        "ladepunkte": True,
    }
    assert {row["parameter"]: row["stand_veraltet"] for row in body["results"]} == {
        "online-termine": False,
        "wartezeit": False,
        "smart-meter": False,
        "busse": False,
        "ladepunkte": True,
    }
