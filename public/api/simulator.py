"""The public API of the what-if simulator: a city's scores with hypothetical answers or weights, and where
the city gains the most (published editions only, anonymous GET, nothing is stored). The computing is
public.simulator's; these views validate the query, call it and shape the answer.

Size: most of it is the OpenAPI description and examples of the two endpoints.
"""

from urllib.parse import urlencode

from django.urls import path, reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from api.schema import error_responses
from indicators.models import City, Edition
from public import simulator
from public.api.base import TAG, Public, edition_parameter, published_or_error, query
from public.api.serializers import CityRefSerializer, EditionQuerySerializer, TypedValueField

ERRORS = error_responses(400, 404, 429)

# --------------------------------------------------------------------------- query parameters


class SimulatorQuerySerializer(EditionQuerySerializer):
    city = serializers.SlugField(max_length=120, help_text="The city's slug, e.g. `bochum`.")


class GainsQuerySerializer(EditionQuerySerializer):
    limit = serializers.IntegerField(
        required=False, min_value=1, max_value=50, default=simulator.GAINS_LIMIT, help_text="How many (1-50)."
    )


# --------------------------------------------------------------------------- output


class ChangeSerializer(serializers.Serializer):
    official = serializers.FloatField(allow_null=True, help_text="As published.")
    simulated = serializers.FloatField(allow_null=True, help_text="With the assumptions.")
    delta = serializers.FloatField(allow_null=True, help_text="simulated − official.")

    class Meta:
        ref_name = "SimulatorChange"


class RankChangeSerializer(serializers.Serializer):
    official = serializers.IntegerField(help_text="As published.")
    simulated = serializers.IntegerField(help_text="With the assumptions.")
    delta = serializers.IntegerField(
        source="places", help_text="Places gained: official − simulated rank (+5 is five places better)."
    )

    class Meta:
        ref_name = "SimulatorRankChange"


class SimulatedDomainSerializer(serializers.Serializer):
    key = serializers.CharField(source="domain.key")
    name_de = serializers.CharField(source="domain.name_de")
    name_en = serializers.CharField(source="domain.name_en")
    weight = ChangeSerializer()
    score = ChangeSerializer(help_text="0..100, including the innovation bonus.")
    rank = RankChangeSerializer()
    changed = serializers.BooleanField(help_text="Weight, score or rank differ from the published ones.")

    class Meta:
        ref_name = "SimulatedDomain"


class SimulatedIndicatorSerializer(serializers.Serializer):
    key = serializers.CharField(source="indicator.key")
    domain = serializers.CharField(source="indicator.domain.key")
    name_de = serializers.CharField(source="indicator.name_de")
    name_en = serializers.CharField(source="indicator.name_en")
    weight = ChangeSerializer(help_text="Weight inside its domain.")
    raw = ChangeSerializer(help_text="Share of the points reached, 0..1 (null: no data, excluded by the rule).")
    score = ChangeSerializer(help_text="0..100 relative to the field (null: no data, excluded by the rule).")
    rank = RankChangeSerializer()
    changed = serializers.BooleanField(help_text="Weight, raw value, score or rank differ from the published ones.")

    class Meta:
        ref_name = "SimulatedIndicator"


class SimulatedParameterSerializer(serializers.Serializer):
    key = serializers.CharField(source="parameter.key")
    indicator = serializers.CharField(source="parameter.indicator.key")
    name_de = serializers.CharField(source="parameter.name_de")
    name_en = serializers.CharField(source="parameter.name_en")
    official = TypedValueField(help_text="The published answer (null: none approved).")
    simulated = TypedValueField(source="hypothetical", help_text="The hypothetical answer.")
    points = ChangeSerializer(help_text="The city's points 0..1 in this parameter.")

    class Meta:
        ref_name = "SimulatedParameter"


class SimulatorLinksSerializer(serializers.Serializer):
    page = serializers.URLField(help_text="The same simulation on the website.")

    class Meta:
        ref_name = "SimulatorLinks"


class SimulationSerializer(serializers.Serializer):
    edition = serializers.IntegerField()
    city = CityRefSerializer()
    city_count = serializers.IntegerField(help_text="Cities ranked in the edition.")
    is_official = serializers.BooleanField(help_text="No assumption differs from the published data.")
    total = ChangeSerializer(help_text="The total index 0..100.")
    rank = RankChangeSerializer()
    other_cities_changed = serializers.IntegerField(
        help_text="Other cities whose total moved as well (points are relative to the field's best and worst)."
    )
    parameters = SimulatedParameterSerializer(many=True, help_text="The parameters with a hypothetical answer.")
    domains = SimulatedDomainSerializer(many=True)
    indicators = SimulatedIndicatorSerializer(many=True)
    links = SimulatorLinksSerializer()

    class Meta:
        ref_name = "Simulation"


class GainSerializer(serializers.Serializer):
    parameter = serializers.CharField(source="gain.parameter.key")
    indicator = serializers.CharField(source="gain.parameter.indicator.key")
    domain = serializers.CharField(source="gain.parameter.indicator.domain.key")
    name_de = serializers.CharField(source="gain.parameter.name_de")
    name_en = serializers.CharField(source="gain.parameter.name_en")
    kind = serializers.CharField(source="gain.parameter.kind")
    unit = serializers.CharField(source="gain.parameter.unit")
    official = TypedValueField(help_text="The published answer (null: none approved).")
    best = TypedValueField(source="gain.typed_value", help_text="The field's best value for this city.")
    gain = serializers.FloatField(source="gain.gain", help_text="Points the total would rise by.")
    total = serializers.FloatField(source="gain.total", help_text="The total then.")
    rank = serializers.IntegerField(source="gain.rank", help_text="The rank then.")
    simulator = serializers.URLField(help_text="This improvement in the simulator API.")
    page = serializers.URLField(help_text="This improvement in the simulator on the website.")

    class Meta:
        ref_name = "SimulatorGain"


class GainsSerializer(serializers.Serializer):
    edition = serializers.IntegerField()
    city = CityRefSerializer()
    total = serializers.FloatField(help_text="The published total.")
    rank = serializers.IntegerField(help_text="The published rank.")
    gains = GainSerializer(many=True, help_text="Biggest gain first.")

    class Meta:
        ref_name = "SimulatorGains"


# --------------------------------------------------------------------------- views


def _absolute(request, url: str, params: dict[str, str]) -> str:
    return request.build_absolute_uri(url + ("?" + urlencode(params) if params else ""))


def _published(answers: dict, parameter) -> object:
    """The city's published answer to `parameter`, typed (None: no approved answer), without a query."""
    answer = answers.get(parameter.pk)
    return None if answer is None or not answer.has_value else parameter.typed_value(answer)


PARAMETER_EXAMPLE = "p-anteil-emissionsarme-busse"

SIMULATOR_DESCRIPTION = """\
The city's scores in a published edition with hypothetical answers for this city and other weights: the
engine recomputes the whole field from the published data with only these assumptions changed (the other
cities keep their answers; their scores move only where the field-relative scaling moves). Returns the
total, rank, every domain and indicator, published and simulated, with the change. Nothing is stored;
the same query on `/simulator/<year>/<city>/` shows it on the website.

The assumptions are query parameters named after the catalogue keys (see `/parameters/`, `/domains/`,
`/indicators/`), any number of each:

* `p-<parameter key>`: a hypothetical answer. yes/no: `ja`/`nein` (also `yes`/`no`, `true`/`false`,
  `1`/`0`); choice: the option's key; numbers: e.g. `40` or `40.5` (a comma works too), within the
  parameter's allowed range, whole for counts, at most six decimals.
* `wd-<domain key>`: a domain's weight, a number in 0..1000 (at least one domain above 0).
* `wi-<indicator key>`: an indicator's weight inside its domain, 0..1000 (at least one above 0 per domain).

An empty value means "as published". An unknown key or a value the parameter does not allow is a 400 that
names the query parameter. Other query parameters are ignored."""


class SimulatorView(Public, APIView):
    @extend_schema(
        tags=[TAG],
        summary="What if: a city's scores with hypothetical answers or weights",
        description=SIMULATOR_DESCRIPTION,
        parameters=[
            edition_parameter(),
            OpenApiParameter(
                "city",
                str,
                required=True,
                description="The city's slug, e.g. `bochum`; it must be ranked in the edition.",
                examples=[OpenApiExample("bochum", value="bochum")],
            ),
            OpenApiParameter(
                PARAMETER_EXAMPLE,
                str,
                description=(
                    "An example of `p-<parameter key>`: a hypothetical answer to the parameter "
                    "`anteil-emissionsarme-busse` (share of low-emission buses, in %). Any parameter of the edition "
                    "works the same way (see the description)."
                ),
                examples=[OpenApiExample("40 %", value="40")],
            ),
            OpenApiParameter(
                "wd-mobilitaet",
                str,
                description="An example of `wd-<domain key>`: the weight of the domain `mobilitaet` (0..1000).",
                examples=[OpenApiExample("double", value="2")],
            ),
            OpenApiParameter(
                "wi-emissionsarme-busse",
                str,
                description=(
                    "An example of `wi-<indicator key>`: the weight of the indicator `emissionsarme-busse` inside "
                    "its domain (0..1000)."
                ),
                examples=[OpenApiExample("none", value="0")],
            ),
        ],
        responses={
            200: OpenApiResponse(
                SimulationSerializer,
                examples=[
                    OpenApiExample(
                        "one changed answer",
                        value={
                            "edition": 2024,
                            "city": {
                                "slug": "bochum",
                                "name": "Bochum",
                                "ags": "05911000",
                                "state": "Nordrhein-Westfalen",
                                "population": 364454,
                            },
                            "city_count": 82,
                            "is_official": False,
                            "total": {"official": 61.2, "simulated": 62.9, "delta": 1.7},
                            "rank": {"official": 12, "simulated": 7, "delta": 5},
                            "other_cities_changed": 0,
                            "parameters": [
                                {
                                    "key": "anteil-emissionsarme-busse",
                                    "indicator": "emissionsarme-busse",
                                    "name_de": "Anteil emissionsarmer Busse",
                                    "name_en": "Share of low-emission buses",
                                    "official": 9,
                                    "simulated": 40,
                                    "points": {"official": 0.1, "simulated": 0.44, "delta": 0.34},
                                }
                            ],
                            "domains": [
                                {
                                    "key": "mobilitaet",
                                    "name_de": "Mobilität",
                                    "name_en": "Mobility",
                                    "weight": {"official": 1.0, "simulated": 1.0, "delta": 0.0},
                                    "score": {"official": 55.0, "simulated": 63.5, "delta": 8.5},
                                    "rank": {"official": 20, "simulated": 9, "delta": 11},
                                    "changed": True,
                                }
                            ],
                            "indicators": [],
                            "links": {
                                "page": "https://example.org/simulator/2024/bochum/?p-anteil-emissionsarme-busse=40"
                            },
                        },
                    )
                ],
            ),
            **ERRORS,
        },
    )
    def get(self, request):
        params = query(SimulatorQuerySerializer, request)
        edition, run = published_or_error(params.get("edition"))
        city = _city_in_edition(params["city"], edition)
        scenario = simulator.Scenario.from_query(request.query_params)
        try:
            simulation = simulator.simulate(
                edition,
                run,
                city,
                values=scenario.values,
                domain_weights=scenario.domain_weights,
                indicator_weights=scenario.indicator_weights,
            )
        except simulator.CityNotRanked:
            raise _not_in_edition(params["city"], edition) from None
        answers = simulator.official_answers(run, city)
        page = reverse("public:simulator", args=[edition.year, city.slug])
        data = {
            "edition": edition.year,
            "city": city,
            "city_count": simulation.city_count,
            "is_official": simulation.is_official,
            "total": simulation.total,
            "rank": simulation.rank,
            "other_cities_changed": simulation.other_cities_changed,
            "parameters": [
                {
                    "parameter": outcome.parameter,
                    "official": _published(answers, outcome.parameter),
                    "hypothetical": outcome.hypothetical,
                    "points": outcome.points,
                }
                for outcome in simulation.changed_parameters
            ],
            "domains": simulation.domains,
            "indicators": simulation.indicators,
            "links": {"page": _absolute(request, page, scenario.as_query())},
        }
        return Response(SimulationSerializer(data).data)


def _not_in_edition(slug: str, edition: Edition) -> ValidationError:
    return ValidationError(
        {"city": [_("„%(value)s“ ist keine Stadt der Ausgabe %(year)s.") % {"value": slug, "year": edition.year}]}
    )


def _city_in_edition(slug: str, edition: Edition) -> City:
    city = City.objects.filter(slug=slug).first()
    if city is None:
        raise _not_in_edition(slug, edition)
    return city


class GainsView(Public, APIView):
    @extend_schema(
        tags=[TAG],
        summary="Where a city gains the most",
        description=(
            "The parameters whose improvement to the field's best value would raise the city's published total the "
            "most, biggest gain first, each on its own with everything else as published. The best value earns full "
            "points: yes, the option with the most points, the goalpost where a parameter has one, else the best "
            "value any city reached (per capita: per 1,000 inhabitants, scaled to this city's population), rounded "
            "to what an answer can hold. Parameters where the city is already at the best value, or whose "
            "improvement would not raise its total, are left out. `simulator` and `page` link to the simulation."
        ),
        parameters=[
            OpenApiParameter("slug", str, OpenApiParameter.PATH, description="The city's slug, e.g. `bochum`."),
            edition_parameter(),
            OpenApiParameter(
                "limit",
                {"type": "integer", "minimum": 1, "maximum": 50},
                description=f"How many parameters at most (1-50, default {simulator.GAINS_LIMIT}).",
                examples=[OpenApiExample("5", value=5)],
            ),
        ],
        responses={200: GainsSerializer, **ERRORS},
    )
    def get(self, request, slug: str):
        params = query(GainsQuerySerializer, request)
        edition, run = published_or_error(params.get("edition"))
        city = City.objects.filter(slug=slug).first()
        if city is None:
            raise NotFound(_("Keine Stadt „%(slug)s“ in einer veröffentlichten Ausgabe.") % {"slug": slug})
        try:
            found = simulator.gains(edition, run, city, limit=params["limit"])
            official = simulator.simulate(edition, run, city)
        except simulator.CityNotRanked:
            raise NotFound(
                _("%(city)s ist in der Ausgabe %(year)s nicht bewertet.") % {"city": city.name, "year": edition.year}
            ) from None
        answers = simulator.official_answers(run, city)
        api = reverse("v1:public-simulator")
        page = reverse("public:simulator", args=[edition.year, city.slug])
        data = {
            "edition": edition.year,
            "city": city,
            "total": official.total.official,
            "rank": official.rank.official,
            "gains": [
                {
                    "gain": gain,
                    "official": _published(answers, gain.parameter),
                    "simulator": _absolute(request, api, {"edition": edition.year, "city": city.slug, **gain.query}),
                    "page": _absolute(request, page, gain.query),
                }
                for gain in found
            ],
        }
        return Response(GainsSerializer(data).data)


urlpatterns = [
    path("simulator/", SimulatorView.as_view(), name="public-simulator"),
    path("cities/<str:slug>/gains/", GainsView.as_view(), name="public-city-gains"),
]
