"""The review queue's search: answers whose city, parameter or note contains every term, found by index."""

from django.db.models import Q, QuerySet
from django.utils.text import smart_split, unescape_string_literal

from indicators.models import City, Parameter


def search_terms(search: str) -> list[str]:
    """The terms of a search as the admin splits them: words, or "quoted phrases" kept together."""
    terms = []
    for bit in smart_split(search):
        if bit.startswith(('"', "'")) and bit[0] == bit[-1]:
            bit = unescape_string_literal(bit)
        if bit:
            terms.append(bit)
    return terms


def answers_matching(answers: QuerySet, search: str) -> QuerySet:
    """`answers` whose city name, parameter name or key, or note contains each term (case-insensitive), as
    Django's admin search over those four fields finds them.

    Django's search joins the city and the parameter and tests the four texts on every answer the filters
    leave (an edition of 1,000 cities: 160,000 rows, a second and more). Here the cities and parameters that
    match are looked up first in their small tables (one query each per term), and the answers are found by
    their indexed ids; the note, the answers' own text, by its trigram index on PostgreSQL (migration 0019).
    No join: no duplicate rows."""
    for term in search_terms(search):
        cities = list(City.objects.filter(name__icontains=term).values_list("pk", flat=True))
        parameters = list(
            Parameter.objects.filter(Q(name_de__icontains=term) | Q(key__icontains=term)).values_list("pk", flat=True)
        )
        answers = answers.filter(Q(city_id__in=cities) | Q(parameter_id__in=parameters) | Q(note__icontains=term))
    return answers
