"""Placing a row of an official file in a municipality by its postcode and place name, with the postcode
table of indicators/data/official/plz-ags.csv (OpenStreetMap, ODbL 1.0)."""

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.utils.translation import gettext as _

from indicators.official.base import place_matches

POSTCODE_TABLE = Path(__file__).resolve().parent.parent / "data" / "official" / "plz-ags.csv"


@dataclass(frozen=True)
class Placement:
    """Where a row belongs: `ags` when one municipality is certain; else `candidates` ("AGS Name") and the
    reason (ambiguous when there are candidates, unmatched when there are none)."""

    ags: str | None
    candidates: tuple[str, ...] = ()
    reason: str = ""


@lru_cache(maxsize=2)
def postcode_table(path: Path = POSTCODE_TABLE) -> dict[str, tuple[tuple[str, str], ...]]:
    """Postcode -> its municipalities as (ags, name) pairs, in AGS order."""
    table: dict[str, set[tuple[str, str]]] = {}
    with open(path, encoding="utf-8", newline="") as file:
        for row in csv.DictReader(file):
            table.setdefault(row["plz"].strip(), set()).add((row["ags"].strip(), row["ort"].strip()))
    return {postcode: tuple(sorted(places)) for postcode, places in table.items()}


def place_row(postcode: str, place: str, *, city_names: dict[str, str]) -> Placement:
    """The municipality of a row with this postcode and place name.

    A postcode of one municipality decides. A shared postcode needs the place name: the municipality whose
    name (in the postcode table, or the index's own name of the city in `city_names`, AGS -> name) the place
    matches (base.place_matches); none or several stay ambiguous, never guessed. An unknown postcode is
    unmatched.
    """
    municipalities = postcode_table().get(postcode, ())
    if not municipalities:
        return Placement(None, reason=_("Die Postleitzahl %(postcode)s ist unbekannt.") % {"postcode": postcode})
    if len(municipalities) == 1:
        return Placement(municipalities[0][0])
    candidates = tuple(f"{ags} {name}" for ags, name in municipalities)
    matching = {
        ags
        for ags, name in municipalities
        if place_matches(place, name) or (ags in city_names and place_matches(place, city_names[ags]))
    }
    if len(matching) == 1:
        return Placement(matching.pop())
    if matching:
        reason = _(
            "Die Postleitzahl %(postcode)s gehört zu mehreren Gemeinden, "
            "und der Ort „%(place)s“ passt zu mehr als einer."
        )
    else:
        reason = _(
            "Die Postleitzahl %(postcode)s gehört zu mehreren Gemeinden, und der Ort „%(place)s“ passt zu keiner."
        )
    return Placement(None, candidates=candidates, reason=reason % {"postcode": postcode, "place": place})
