"""Review flags: hints for reviewers on answers that deserve a second look.

`answer_flags(answers)` returns, for every answer id, a list of flag codes (`answer_reviews` adds
last edition's answer and the change in %, which the queue shows beside the value):

- "outlier": numeric parameters only. The robust z-score over all answers *with a value* to the
  same parameter in the same edition (all cities, any status) exceeds ``settings.REVIEW_OUTLIER_Z``:
  ``z = |x - median| / (1.4826 * MAD)``. Per-capita parameters compare value / (population / 1000).
  When MAD is 0 (most cities gave the same value) z is undefined: values different from the median
  are flagged only if at least ``MIN_CITIES_FOR_ZERO_MAD`` (5) cities answered, otherwise never.
  The population is the one the score run divides by: the edition's figure as of the value's Stand where it
  has figures for the city, else the city's (indicators.population).
- "jump": against the city's *approved* answer to the parameter with the same key in
  ``edition.previous()``. Numbers: ``|new - old| / |old| * 100 > settings.REVIEW_JUMP_PERCENT``
  (old 0: any new value other than 0 is a jump). Yes/no: yes -> no. Choice: an option worth fewer
  points than last year's (a city getting worse is suspicious; getting better is not flagged).
- "evidence_missing": the parameter requires evidence and the answer has neither a URL nor a file.
- "objection": the city objected to the (official or researched) value and no reviewer has decided yet
  (indicators.models.AnswerCheck; annotated on the answers' query, no query of its own).
- "stale": the answer's Stand (its as-of date; an imported value without one: its file's Stand) is older than
  its edition's reference date by more than ``settings.STALE_STAND_MONTHS`` (``Edition.is_stale_stand``; an
  answer without a Stand, or an edition without a reference date, is never stale).

The number of queries does not depend on the number of answers: at most 6 (answers with their
parameter, city and evidence-file existence; the peer values; the population figures where a parameter is
per capita; the editions; last year's parameters and answers).
Flags are computed from the stored answers (the given objects are only used for their ids).

Stored (issue 17): this module's rule is the only one; indicators.services.review_flags writes its result into
the answer's flag columns (`ANSWER_FLAG_FIELDS`) whenever something it reads changes, and the review queue
reads and filters those columns (`stored_flags`, `flagged`) instead of computing flags per request.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from indicators.models import ANSWER_FLAG_FIELDS, Answer, AnswerCheck, Edition, EvidenceFile, Parameter
from indicators.population import PopulationFigures

OUTLIER = "outlier"
JUMP = "jump"
EVIDENCE_MISSING = "evidence_missing"
OBJECTION = "objection"
STALE = "stale"

FLAG_LABELS = {
    OUTLIER: _("Ausreißer"),
    JUMP: _("Sprung zum Vorjahr"),
    EVIDENCE_MISSING: _("Nachweis fehlt"),
    OBJECTION: _("Einwand offen"),
    STALE: _("Stand veraltet"),
}

MAD_SCALE = 1.4826  # makes the MAD a consistent estimator of the standard deviation for normal data
MIN_CITIES_FOR_ZERO_MAD = 5


def _comparable(number, population: int, per_capita: bool) -> float:
    value = float(number)
    return value / (population / 1000) if per_capita else value


def _outlier_ids(answers: list[Answer]) -> set[int]:
    """Ids of the numeric answers whose robust z-score within their edition is above the threshold (1 query;
    2 when a parameter is per capita: its values are divided by the population as of their Stand, the rule of
    indicators.population, as the score run does)."""
    numeric = [a for a in answers if a.parameter.is_numeric and a.value_number is not None]
    if not numeric:
        return set()
    per_capita = {a.parameter_id: a.parameter.per_capita for a in numeric}
    edition_ids = {a.edition_id for a in numeric}
    figures = PopulationFigures(edition_ids) if any(per_capita.values()) else None

    def comparable(edition_id, city_id, number, stand, population, parameter_id) -> float:
        if not per_capita[parameter_id]:
            return float(number)
        population = figures.population(edition_id=edition_id, city_id=city_id, stand=stand, fallback=population)
        return _comparable(number, population, True)

    peers = defaultdict(list)
    stands = {}
    rows = (
        Answer.objects.filter(parameter_id__in=per_capita, value_number__isnull=False, edition_id__in=edition_ids)
        .annotate(stand=Coalesce("as_of", "official_import__as_of"))
        .values_list("pk", "edition_id", "parameter_id", "city_id", "value_number", "stand", "city__population")
    )
    for pk, edition_id, parameter_id, city_id, number, stand, population in rows:
        peers[edition_id, parameter_id].append(comparable(edition_id, city_id, number, stand, population, parameter_id))
        stands[pk] = stand
    stats = {}
    for key, values in peers.items():
        array = np.asarray(values, dtype=float)
        median = float(np.median(array))
        stats[key] = (median, float(np.median(np.abs(array - median))), len(values))
    threshold = float(settings.REVIEW_OUTLIER_Z)
    flagged = set()
    for answer in numeric:
        median, mad, count = stats[answer.edition_id, answer.parameter_id]
        stand = stands.get(answer.pk, answer.as_of)  # an official value's Stand is its file's
        x = comparable(
            answer.edition_id, answer.city_id, answer.value_number, stand, answer.city.population, answer.parameter_id
        )
        if mad == 0:
            if count >= MIN_CITIES_FOR_ZERO_MAD and not np.isclose(x, median):
                flagged.add(answer.pk)
        elif abs(x - median) / (MAD_SCALE * mad) > threshold:
            flagged.add(answer.pk)
    return flagged


def _previous_edition_ids(answers: list[Answer], editions: list[Edition] | None = None) -> dict[int, int]:
    """Edition id -> id of its previous edition (as Edition.previous(): latest earlier non-draft), 1 query; none
    when the caller has every edition at hand (`editions`)."""
    years = {a.edition_id: a.edition.year for a in answers}
    if editions is not None:  # the same rule as the query below, on the editions at hand
        earlier = sorted(
            ((e.pk, e.year) for e in editions if e.year < max(years.values()) and e.phase != Edition.Phase.DRAFT),
            key=lambda pair: -pair[1],
        )
    else:
        earlier = list(
            Edition.objects.filter(year__lt=max(years.values()))
            .exclude(phase=Edition.Phase.DRAFT)
            .order_by("-year")
            .values_list("id", "year")
        )
    result = {}
    for edition_id, year in years.items():
        previous = next((pk for pk, earlier_year in earlier if earlier_year < year), None)
        if previous is not None:
            result[edition_id] = previous
    return result


def _is_jump(parameter: Parameter, answer: Answer, old: Answer) -> bool:
    if parameter.is_numeric:
        if not old.parameter.is_numeric or answer.value_number is None or old.value_number is None:
            return False
        new_value, old_value = answer.value_number, old.value_number
        if old_value == 0:
            return new_value != 0
        return float(abs(new_value - old_value) / abs(old_value) * 100) > float(settings.REVIEW_JUMP_PERCENT)
    if parameter.kind != old.parameter.kind:
        return False
    if parameter.kind == Parameter.Kind.YES_NO:
        return old.value_bool is True and answer.value_bool is False
    if parameter.kind == Parameter.Kind.CHOICE:
        if not answer.value_choice or not old.value_choice:
            return False
        new_points = parameter.option_points().get(answer.value_choice)
        old_points = old.parameter.option_points().get(old.value_choice)
        return new_points is not None and old_points is not None and new_points < old_points
    return False


# What an answer's value is formatted, compared and matched to last edition's by: its value fields, and of its
# parameter the kind, unit and options (not its texts, bounds and weights) and the key.
VALUE_READ_FIELDS = (
    "value_bool",
    "value_choice",
    "value_number",
    "parameter__key",
    "parameter__kind",
    "parameter__unit",
    "parameter__options",
)
# What last edition's answer is read for (its value shown and compared, the jump rule): not its note, source
# rows or history fields, a hundred times a page of the queue.
OLD_ANSWER_FIELDS = ("edition_id", "city_id", "status", *VALUE_READ_FIELDS)


def _previous_by_answer(answers: list[Answer], editions: list[Edition] | None = None) -> dict[int, Answer]:
    """Answer id -> the city's approved answer to the same parameter key in the previous edition (≤ 3 queries;
    ≤ 2 given every edition, see _previous_edition_ids)."""
    answered = [a for a in answers if a.has_value]
    if not answered:
        return {}
    previous_of = _previous_edition_ids(answered, editions)
    answered = [a for a in answered if a.edition_id in previous_of]
    if not answered:
        return {}
    # Exactly the (city, parameter) pairs asked for, by the unique index of city and parameter: a page of 100
    # answers of 82 cities loads their ≤ 100 old answers, not every city's answers to every key on the page.
    keys = {a.parameter.key for a in answered}
    old_parameters = defaultdict(list)
    for pk, key in (
        Parameter.objects.filter(indicator__domain__edition_id__in=set(previous_of.values()), key__in=keys)
        .order_by()  # (not the catalogue's order: a dict of lists by key)
        .values_list("pk", "key")
    ):
        old_parameters[key].append(pk)
    keys_of_city = defaultdict(set)
    for answer in answered:
        keys_of_city[answer.city_id].add(answer.parameter.key)
    cities_of_keys = defaultdict(list)  # cities asking the same keys share one condition (one parameter, one city)
    for city_id, city_keys in keys_of_city.items():
        cities_of_keys[frozenset(city_keys)].append(city_id)
    pairs = Q()
    for city_keys, city_ids in cities_of_keys.items():
        pairs |= Q(city_id__in=city_ids, parameter_id__in=[pk for key in city_keys for pk in old_parameters[key]])
    old_answers = (
        Answer.objects.filter(pairs, status=Answer.Status.APPROVED).select_related("parameter").only(*OLD_ANSWER_FIELDS)
    )
    old_by_key = {(old.edition_id, old.city_id, old.parameter.key): old for old in old_answers}
    result = {}
    for answer in answered:
        old = old_by_key.get((previous_of[answer.edition_id], answer.city_id, answer.parameter.key))
        if old is not None:
            result[answer.pk] = old
    return result


def change_percent(answer: Answer, old: Answer | None) -> Decimal | None:
    """The change of a number against last edition's in %, or None (not numbers, or last year 0)."""
    if old is None or not answer.parameter.is_numeric or not old.parameter.is_numeric:
        return None
    if answer.value_number is None or old.value_number is None or old.value_number == 0:
        return None
    return (answer.value_number - old.value_number) / abs(old.value_number) * 100


@dataclass
class Review:
    """What the queue shows beside an answer: its flags and last edition's answer with the change."""

    flags: list[str] = field(default_factory=list)
    previous: Answer | None = None
    change_percent: Decimal | None = None


def _stored(answers) -> list[Answer]:
    """The answers as stored, with what the flags need; a queryset is used as it is (no id list)."""
    if isinstance(answers, QuerySet):
        queryset = answers
    else:
        ids = [a.pk for a in answers if a.pk is not None]
        if not ids:
            return []
        queryset = Answer.objects.filter(pk__in=ids)
    return list(
        queryset.select_related("parameter", "city", "edition", "official_import").annotate(
            has_files=Exists(EvidenceFile.objects.filter(answer=OuterRef("pk"))),
            has_open_objection=Exists(
                AnswerCheck.objects.filter(
                    answer=OuterRef("pk"), verdict=AnswerCheck.Verdict.OBJECTED, outcome=AnswerCheck.Outcome.OPEN
                )
            ),
        )
    )


def answer_reviews(answers) -> dict[int, Review]:
    """Flags and last edition's comparison by answer id, for a list or a queryset of answers, at most
    6 queries for any number of answers."""
    return _reviews(_stored(answers))


def answer_reviews_with_answers(answers) -> tuple[list[Answer], dict[int, Review]]:
    """As `answer_reviews`, with the answers as loaded (their stored flag columns included), for the writer of
    the stored flags (indicators.services.review_flags)."""
    stored = _stored(answers)
    return stored, _reviews(stored)


def _reviews(stored: list[Answer]) -> dict[int, Review]:
    if not stored:
        return {}
    outliers = _outlier_ids(stored)
    previous = _previous_by_answer(stored)
    reviews: dict[int, Review] = {}
    for answer in stored:
        old = previous.get(answer.pk)
        review = Review(previous=old, change_percent=change_percent(answer, old))
        if answer.pk in outliers:
            review.flags.append(OUTLIER)
        if old is not None and _is_jump(answer.parameter, answer, old):
            review.flags.append(JUMP)
        if answer.lacks_evidence(has_files=answer.has_files):
            review.flags.append(EVIDENCE_MISSING)
        if answer.has_open_objection:
            review.flags.append(OBJECTION)
        if answer.edition.is_stale_stand(answer.public_provenance[2]):
            review.flags.append(STALE)
        reviews[answer.pk] = review
    return reviews


def plausibility_flags(
    pairs: list[tuple[Answer, Answer | None]], *, stored_outliers: bool = False
) -> dict[int, list[str]]:
    """The flags a city's staff see before submitting, by the reviewers' rules: outlier and jump, by answer id,
    for (answer, last edition's approved answer or None) pairs of one city (1 query, 2 with a per-capita
    parameter). The answers need their parameter, city and edition loaded.

    `stored_outliers`: the outlier flag as stored on the answers (the column the queue filters by; no query),
    for the whole questionnaire, whose live outliers would read every city's values of every parameter (at
    1,000 cities 160,000 rows per page). The row just saved computes it live (its field, one query)."""
    answered = [answer for answer, _old in pairs if answer.pk and answer.has_value]
    outliers = {a.pk for a in answered if a.flag_outlier} if stored_outliers else _outlier_ids(answered)
    result = {}
    for answer, old in pairs:
        flags = [OUTLIER] if answer.pk in outliers else []
        if old is not None and answer.has_value and _is_jump(answer.parameter, answer, old):
            flags.append(JUMP)
        if flags:
            result[answer.pk] = flags
    return result


def answer_flags(answers) -> dict[int, list[str]]:
    """Flag codes ("outlier", "jump", "evidence_missing", "objection", "stale") by answer id; at most 6 queries
    for any number of answers."""
    return {pk: review.flags for pk, review in answer_reviews(answers).items()}


def stored_flags(answer: Answer) -> list[str]:
    """The flag codes an answer carries as stored (its columns), in the order `answer_reviews` gives them."""
    return [code for code, column in ANSWER_FLAG_FIELDS.items() if getattr(answer, column)]


def flagged(code: str) -> Q:
    """The answers carrying the flag `code` as stored: one indexed column, filtered in SQL."""
    return Q(**{ANSWER_FLAG_FIELDS[code]: True})


def previous_reviews(answers: list[Answer], editions: list[Edition] | None = None) -> dict[int, Review]:
    """Last edition's approved answer and the change in % by answer id, without the flags (the queue's page
    reads those from their columns): at most 3 queries, 2 given every edition (`editions`, as the queue's
    filters read them). The answers need their parameter and edition loaded."""
    previous = _previous_by_answer(answers, editions)
    return {
        answer.pk: Review(
            flags=stored_flags(answer),
            previous=previous.get(answer.pk),
            change_percent=change_percent(answer, previous.get(answer.pk)),
        )
        for answer in answers
    }
