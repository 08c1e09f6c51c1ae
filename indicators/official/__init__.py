"""Official-source profiles: reading an official file (a register, an AGS table) into values per city, without
writing anything. `profile_for(key)` gives a registered profile; importing this package registers them all."""

from indicators.official import ags_table, bnetza  # noqa: F401  (registers the profiles)
from indicators.official.base import (
    PROFILES,
    AmbiguousRow,
    CityValue,
    OfficialReading,
    Option,
    Profile,
    UnmatchedRow,
    options_from_text,
    profile_for,
)

__all__ = [
    "PROFILES",
    "AmbiguousRow",
    "CityValue",
    "OfficialReading",
    "Option",
    "Profile",
    "UnmatchedRow",
    "options_from_text",
    "profile_for",
]
