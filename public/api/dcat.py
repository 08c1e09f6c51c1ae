"""The public API's open data metadata after DCAT-AP.de: the catalogue of every published edition and one
edition's dataset, as JSON-LD (public.dcat)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from public import dcat
from public.api.base import ERRORS_404, NO_EDITION, TAG, Public
from public.api.editions import YEAR


class JSONLDRenderer(JSONRenderer):
    media_type = dcat.MEDIA_TYPE
    format = "jsonld"


DESCRIPTION = (
    "Metadata of the open data files after DCAT-AP.de 3.0 (JSON-LD): a `dcat:Catalog` with a `dcat:Dataset` per "
    "published edition (title and description in German and English, publisher, contact point, licence, "
    "temporal and spatial coverage, themes) and a `dcat:Distribution` per file (CSV, JSON and the CSV for German "
    "Excel) with its download URL, format, media type, licence and size. Validated against the DCAT-AP 3.0 and "
    "DCAT-AP.de SHACL shapes in the project's tests."
)


class DcatView(Public, APIView):
    renderer_classes = [JSONLDRenderer, JSONRenderer]


class DcatCatalog(DcatView):
    @extend_schema(
        tags=[TAG],
        summary="Open data catalogue (DCAT-AP.de, JSON-LD)",
        description=DESCRIPTION,
        responses={
            (200, dcat.MEDIA_TYPE): OpenApiResponse(OpenApiTypes.OBJECT),
            (200, "application/json"): OpenApiResponse(OpenApiTypes.OBJECT),
            **ERRORS_404,  # (404: a `format` the endpoint does not render)
        },
    )
    def get(self, request):
        return Response(dcat.catalogue())


class DcatEdition(DcatView):
    @extend_schema(
        tags=[TAG],
        summary="One published edition's open data (DCAT-AP.de, JSON-LD)",
        description=DESCRIPTION + " Only this edition's dataset in the catalogue.",
        parameters=[YEAR],
        responses={
            (200, dcat.MEDIA_TYPE): OpenApiResponse(OpenApiTypes.OBJECT),
            (200, "application/json"): OpenApiResponse(OpenApiTypes.OBJECT),
            **ERRORS_404,
        },
    )
    def get(self, request, year: str):
        catalogue = dcat.catalogue(int(year)) if year.isdigit() and len(year) <= 4 else None
        if catalogue is None:
            raise NotFound(NO_EDITION % {"value": year})
        return Response(catalogue)
