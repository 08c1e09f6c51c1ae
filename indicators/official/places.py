"""Placing a row of an official file in a municipality by its postcode and place name, with the postcode
table of indicators/data/official/plz-ags.csv (OpenStreetMap, ODbL 1.0)."""

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.utils.translation import gettext as _

from indicators.official.base import place_matches, place_words, words_match

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


# How many leading digits of a postcode name its region (the "Leitregion" and the next digit): a postcode
# unknown to the table is placed by its place name only inside a region where that municipality has postcodes.
REGION_DIGITS = 3


@lru_cache(maxsize=2)
def municipalities_table(path: Path = POSTCODE_TABLE) -> dict[str, tuple[tuple[str, ...], frozenset[str]]]:
    """AGS -> (its name as place_words, the regions (first REGION_DIGITS digits) of its postcodes)."""
    names: dict[str, tuple[str, ...]] = {}
    regions: dict[str, set[str]] = {}
    for postcode, municipalities in postcode_table(path).items():
        for ags, name in municipalities:
            names[ags] = place_words(name)
            regions.setdefault(ags, set()).add(postcode[:REGION_DIGITS])
    return {ags: (names[ags], frozenset(regions[ags])) for ags in names}


def place_unknown_postcode(postcode: str, place: str, *, city_names: dict[str, str]) -> Placement:
    """The fallback for a postcode the table lacks (a newer one, a PO box or a large customer's postcode:
    "22014 Hamburg", "80667 München"). Never a guess: the place must name exactly one municipality of the
    whole table (base.place_matches, its table name or the index's name of the city), and the postcode must
    lie in a region (its first three digits) where that municipality has a known postcode. Anything else is
    unmatched, with the reason ("36450 Hanau": Hanau's postcodes start 634)."""
    unknown = _("Die Postleitzahl %(postcode)s ist unbekannt.") % {"postcode": postcode}
    row = place_words(place)
    table = municipalities_table()
    named = {
        ags
        for ags, (name, _regions) in table.items()
        if words_match(row, name) or (ags in city_names and words_match(row, place_words(city_names[ags])))
    }
    if len(named) != 1:
        return Placement(None, reason=unknown)
    ags = named.pop()
    if postcode[:REGION_DIGITS] not in table[ags][1]:
        reason = _(
            "Die Postleitzahl %(postcode)s ist unbekannt und liegt nicht im Postleitzahlgebiet von %(place)s."
        ) % {"postcode": postcode, "place": place}
        return Placement(None, reason=reason)
    return Placement(ags)


def place_row(postcode: str, place: str, *, city_names: dict[str, str]) -> Placement:
    """The municipality of a row with this postcode and place name.

    A postcode of one municipality decides. A shared postcode needs the place name: the municipality whose
    name (in the postcode table, or the index's own name of the city in `city_names`, AGS -> name) the place
    matches (base.place_matches); none or several stay ambiguous, never guessed. A postcode unknown to the
    table is placed by place_unknown_postcode (one municipality of that name, in that postcode region), else
    unmatched.
    """
    municipalities = postcode_table().get(postcode, ())
    if not municipalities:
        return place_unknown_postcode(postcode, place, city_names=city_names)
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
