"""Output and query serializers of the public API (public/api/). They only shape data; reads are selectors'.

The package re-exports its modules' public names (`from public.api.serializers import ...` keeps working)."""

from public.api.serializers.answers import AnswerSerializer, TypedValueField
from public.api.serializers.base import absolute, json_number
from public.api.serializers.catalogue import (
    DomainSerializer,
    GoalpostsSerializer,
    IndicatorSerializer,
    OptionSerializer,
    ParameterSerializer,
)
from public.api.serializers.cities import CityDetailSerializer, CityLinksSerializer, CityRefSerializer, CitySerializer
from public.api.serializers.editions import (
    EditionLinksSerializer,
    EditionSerializer,
    MethodologyParameterSerializer,
    MethodologySerializer,
)
from public.api.serializers.queries import (
    ORDERINGS,
    SORTS,
    AnswerQuerySerializer,
    EditionQuerySerializer,
    RankingQuerySerializer,
)
from public.api.serializers.rankings import (
    RankingDomainSerializer,
    RankingRowSerializer,
    RankIntervalSerializer,
    rank_interval_field,
)
from public.api.serializers.scores import (
    CityHistorySerializer,
    CityScoresSerializer,
    HistoryEntrySerializer,
    ScoreDomainSerializer,
    ScoreIndicatorSerializer,
)

__all__ = [
    "AnswerQuerySerializer",
    "AnswerSerializer",
    "CityDetailSerializer",
    "CityHistorySerializer",
    "CityLinksSerializer",
    "CityRefSerializer",
    "CityScoresSerializer",
    "CitySerializer",
    "DomainSerializer",
    "EditionLinksSerializer",
    "EditionQuerySerializer",
    "EditionSerializer",
    "GoalpostsSerializer",
    "HistoryEntrySerializer",
    "IndicatorSerializer",
    "MethodologyParameterSerializer",
    "MethodologySerializer",
    "ORDERINGS",
    "OptionSerializer",
    "ParameterSerializer",
    "RankIntervalSerializer",
    "RankingDomainSerializer",
    "RankingQuerySerializer",
    "RankingRowSerializer",
    "SORTS",
    "ScoreDomainSerializer",
    "ScoreIndicatorSerializer",
    "TypedValueField",
    "absolute",
    "json_number",
    "rank_interval_field",
]
