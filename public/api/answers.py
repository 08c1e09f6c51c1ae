"""The public API's approved answers behind a published run (JSON or CSV, paginated)."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics
from rest_framework.exceptions import ValidationError

from indicators.models import Answer, City, Parameter
from public.api import serializers as out
from public.api.base import ERRORS, SLUG, TAG, Public, PublicPagination, edition_parameter, published_or_error, query
from scoring import selectors
from scoring.models import CityScore


class AnswerList(Public, generics.ListAPIView):
    serializer_class = out.AnswerSerializer
    queryset = Answer.objects.none()  # the published edition's answers are read in get_queryset
    filter_backends = []
    pagination_class = PublicPagination

    def get_queryset(self):
        return self.answers

    @extend_schema(
        tags=[TAG],
        summary="Approved answers of a published edition",
        description=(
            "The approved answers of the cities ranked in a published edition, by AGS then catalogue order: "
            "the data the ranking was computed from. Values are typed: true/false (yes/no), the option's key "
            "(choice) or a number. `quelle_art`, `quelle` and `stand` say where each value comes from (the city, "
            "an official file, desk research), its source and its Stand, as in the open data answers file."
        ),
        parameters=[
            edition_parameter(),
            OpenApiParameter(
                "city",
                SLUG,
                description="Only this city's answers (its slug); a city not ranked in the edition is a 400.",
            ),
            OpenApiParameter(
                "parameter",
                SLUG,
                description="Only answers to this parameter (its key); a key not in the edition's catalogue is a 400.",
            ),
        ],
        responses={
            200: OpenApiResponse(
                out.AnswerSerializer(many=True),
                examples=[
                    OpenApiExample(
                        "answers",
                        value={
                            "city": "aachen",
                            "city_name": "Aachen",
                            "ags": "05334002",
                            "domain": "verwaltung",
                            "indicator": "serviceportal",
                            "parameter": "online-termine",
                            "parameter_name": "Online-Terminvergabe",
                            "kind": "yes_no",
                            "value": True,
                            "unit": "",
                            "evidence_url": "https://www.aachen.de/termine",
                            "as_of": "2024-03-31",
                            "quelle_art": "stadt",
                            "quelle": "https://www.aachen.de/termine",
                            "stand": "2024-03-31",
                        },
                    )
                ],
            ),
            **ERRORS,
        },
    )
    def get(self, request, *args, **kwargs):
        params = query(out.AnswerQuerySerializer, request)
        edition, run = published_or_error(params.get("edition"))
        answers = selectors.approved_answers(run)
        if slug := params.get("city"):
            city = City.objects.filter(slug=slug, pk__in=CityScore.objects.filter(run=run).values("city_id")).first()
            if city is None:
                raise ValidationError(
                    {
                        "city": [
                            _("„%(value)s“ ist keine Stadt der Ausgabe %(year)s.")
                            % {"value": slug, "year": edition.year}
                        ]
                    }
                )
            answers = answers.filter(city=city)
        if key := params.get("parameter"):
            if not Parameter.objects.filter(indicator__domain__edition=edition, key=key).exists():
                raise ValidationError(
                    {
                        "parameter": [
                            _("„%(value)s“ ist kein Parameter der Ausgabe %(year)s.")
                            % {"value": key, "year": edition.year}
                        ]
                    }
                )
            answers = answers.filter(parameter__key=key)
        self.answers = answers
        self.page_meta = {"edition": edition.year, "is_demo": edition.is_demo}
        self.is_demo = edition.is_demo
        return super().get(request, *args, **kwargs)
