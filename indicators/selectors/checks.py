"""Reads of the cities' check window (issue 16): which official or researched values a city has not checked yet,
and the share of cities that checked all of theirs (the methodology page)."""

from dataclasses import dataclass

from indicators.models import Answer, Edition, Parameter

# What a city checks: the values it did not enter itself.
CHECKED_KINDS = (Parameter.CollectionMode.OFFICIAL, Parameter.CollectionMode.RESEARCH)


def check_counts(edition: Edition, *, participating: bool = False) -> dict[int, tuple[int, int]]:
    """City id -> (values checked, values to check) over the city's official and researched answers that have a
    value; a value counts as checked when the city's verdict holds for its current value (a decided objection
    does; a confirmation of a value changed since does not). `participating`: only the cities taking part in
    the edition. One query."""
    answers = Answer.objects.filter(edition=edition, source_kind__in=CHECKED_KINDS)
    if participating:
        answers = answers.filter(city__participations__edition=edition)
    answers = answers.select_related("city_check").only(
        "id", "city_id", "value_bool", "value_choice", "value_number", "city_check"
    )
    counts: dict[int, tuple[int, int]] = {}
    for answer in answers:
        if not answer.has_value:
            continue
        check = getattr(answer, "city_check", None)
        checked, total = counts.get(answer.city_id, (0, 0))
        counts[answer.city_id] = (checked + bool(check is not None and check.holds_for(answer)), total + 1)
    return counts


def unchecked_counts(edition: Edition) -> dict[int, int]:
    """City id -> its values still to check; cities with nothing left to check are absent (one query)."""
    return {city_id: total - checked for city_id, (checked, total) in check_counts(edition).items() if checked < total}


@dataclass(frozen=True)
class CheckShare:
    """How many participating cities checked every official or researched value about them, of those that had
    any to check."""

    checked: int
    total: int

    @property
    def share(self) -> float | None:
        return self.checked / self.total if self.total else None


def check_share(edition: Edition) -> CheckShare:
    """The cities that checked their data: participating cities whose every official or researched value has
    their verdict, of the participating cities that had such values (one query)."""
    counts = check_counts(edition, participating=True)
    return CheckShare(checked=sum(checked == total for checked, total in counts.values()), total=len(counts))
