"""The public API's endpoints under /api/v1/ (mounted by api/urls.py), in the order they always had."""

from django.urls import path

from public.api import simulator
from public.api.answers import AnswerList
from public.api.catalogue import DomainList, IndicatorList, ParameterList
from public.api.cities import CityDetail, CityHistory, CityList, CityScores
from public.api.dcat import DcatCatalog, DcatEdition
from public.api.editions import EditionDetail, EditionList, EditionMethodology
from public.api.rankings import RankingList

urlpatterns = [
    path("editions/", EditionList.as_view(), name="public-edition-list"),
    # Path segments are matched as any text and checked by the views, so that every 404 has the error shape.
    path("editions/<str:year>/", EditionDetail.as_view(), name="public-edition-detail"),
    path("editions/<str:year>/methodology/", EditionMethodology.as_view(), name="public-edition-methodology"),
    path("domains/", DomainList.as_view(), name="public-domain-list"),
    path("indicators/", IndicatorList.as_view(), name="public-indicator-list"),
    path("parameters/", ParameterList.as_view(), name="public-parameter-list"),
    path("cities/", CityList.as_view(), name="public-city-list"),
    path("cities/<str:slug>/", CityDetail.as_view(), name="public-city-detail"),
    path("cities/<str:slug>/scores/", CityScores.as_view(), name="public-city-scores"),
    path("cities/<str:slug>/history/", CityHistory.as_view(), name="public-city-history"),
    path("rankings/", RankingList.as_view(), name="public-ranking-list"),
    path("answers/", AnswerList.as_view(), name="public-answer-list"),
    *simulator.urlpatterns,
    # The open data's metadata after DCAT-AP.de (JSON-LD): stable addresses for harvesters such as GovData.
    path("dcat.jsonld", DcatCatalog.as_view(), name="public-dcat-catalog"),
    path("editions/<str:year>/dcat.jsonld", DcatEdition.as_view(), name="public-edition-dcat"),
]
