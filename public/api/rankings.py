"""The public API's rankings: overall, by domain or by indicator, filtered and ordered as the ranking page
is (JSON or CSV)."""

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from api.renderers import CSVRenderer
from api.schema import error_responses
from indicators.models import Domain, Edition
from public import filters, opendata
from public.api import serializers as out
from public.api.base import (
    SEARCH_MAX_LENGTH,
    SLUG,
    TAG,
    Public,
    RankingPagination,
    edition_parameter,
    published_or_error,
    query,
)
from public.api.cities import SIZE_CHOICES
from scoring import selectors
from scoring.models import CityScore
from smartcity import spreadsheet


def _city_columns(row: dict) -> dict:
    city = row["city"]
    return {
        "rank": row["rank"],
        "trend": row.get("trend"),
        "city": city["name"],
        "slug": city["slug"],
        "ags": city["ags"],
        "state": city["state"],
        "population": city["population"],
    }


CITY_COLUMNS = ["rank", "trend", "city", "slug", "ags", "state", "population"]


class RankingList(Public, generics.ListAPIView):
    serializer_class = out.RankingRowSerializer
    queryset = CityScore.objects.none()  # rows come from selectors; this only tells the schema the model
    filter_backends = []
    pagination_class = RankingPagination
    renderer_classes = [JSONRenderer, CSVRenderer]

    @extend_schema(
        tags=[TAG],
        summary="Ranking of a published edition",
        description=(
            "The overall ranking (rows with total, completeness and every domain), or with `domain` a domain "
            "ranking (score incl. bonus, bonus, total; rank and trend are the domain's), or with `indicator` "
            "an indicator ranking (score, raw value). Filters never re-rank: a filtered city keeps its rank.\n\n"
            "`rank_interval` (overall and domain rankings, and each domain of an overall row) is where the rank "
            "plausibly lies under the published run's robustness analysis: the median rank and the 5–95 % "
            'interval over its draws, e.g. `{"median": 4.0, "low": 3, "high": 7}`; null while the analysis is '
            "not computed, and in indicator rankings. Not in the CSV.\n\n"
            "As CSV with `?format=csv` or `Accept: text/csv`: every matching row (not paginated), flat columns "
            "`rank, trend, city, slug, ags, state, population`, then `total, completeness, "
            "domain:<key>:score|rank|trend|bonus` (overall), `score, bonus, total` (domain) or `score, raw` "
            "(indicator), then `is_demo`; numbers with a dot in full precision, empty cells for no value.\n\n"
            "With `&variant=excel-de` the CSV for German Excel: the same rows `;`-separated with a UTF-8 byte order "
            "mark, German headers (`Rang`, `Stadt`, `Gesamtwert`, `<Themenbereich>: Wert` …), scores rounded to one "
            "decimal with a decimal comma, completeness in percent, yes/no as `ja`/`nein`.\n\n"
            "Rows of a demo edition: `is_demo` true in the envelope (JSON) or on every row (CSV), and the response "
            "header `X-Demo-Data: true`."
        ),
        parameters=[
            edition_parameter(),
            OpenApiParameter("domain", SLUG, description="Rank by this domain (its key)."),
            OpenApiParameter("indicator", SLUG, description="Rank by this indicator (its key); not with `domain`."),
            OpenApiParameter("state", str, description="Only cities of this federal state, e.g. `Bayern`."),
            OpenApiParameter("size", str, enum=[key for key, _label in SIZE_CHOICES], description="Size class."),
            OpenApiParameter(
                "search",
                {"type": "string", "maxLength": SEARCH_MAX_LENGTH},
                description="Only cities whose name contains this (any case).",
            ),
            OpenApiParameter(
                spreadsheet.VARIANT_PARAMETER,
                str,
                enum=[spreadsheet.EXCEL_DE],
                description="With CSV: `excel-de`, the file for German Excel (see above); a 400 with JSON.",
            ),
            OpenApiParameter(
                "ordering",
                str,
                enum=out.ORDERINGS,
                description=(
                    "Sort by rank (default), total (overall), score (domain, indicator), name or population; "
                    "`-` for descending. Equal values are listed by name; cities without a value come last."
                ),
            ),
        ],
        responses={
            (200, "application/json"): OpenApiResponse(
                out.RankingRowSerializer(many=True),
                examples=[
                    OpenApiExample(
                        "overall",
                        value={
                            "rank": 1,
                            "rank_interval": {"median": 1.0, "low": 1, "high": 2},
                            "trend": 0,
                            "city": {
                                "slug": "muenchen",
                                "name": "München",
                                "ags": "09162000",
                                "state": "Bayern",
                                "population": 1510378,
                            },
                            "total": 85.4,
                            "completeness": 1.0,
                            "domains": [
                                {
                                    "key": "verwaltung",
                                    "score": 90.1,
                                    "rank": 1,
                                    "trend": 2,
                                    "bonus": 3.0,
                                    "rank_interval": {"median": 1.0, "low": 1, "high": 3},
                                }
                            ],
                        },
                    )
                ],
            ),
            (200, "text/csv"): OpenApiResponse(
                OpenApiTypes.STR,
                examples=[
                    OpenApiExample(
                        "overall as CSV",
                        value=(
                            "rank,trend,city,slug,ags,state,population,total,completeness,"
                            "domain:verwaltung:score,domain:verwaltung:rank,domain:verwaltung:trend,"
                            "domain:verwaltung:bonus,is_demo\r\n"
                            "1,0,München,muenchen,09162000,Bayern,1510378,85.4,1.0,90.1,1,2,3.0,false\r\n"
                        ),
                    )
                ],
            ),
            **error_responses(400, 404, 429, media_type="application/json"),
        },
    )
    def get(self, request, *args, **kwargs):
        params = query(out.RankingQuerySerializer, request)
        excel_de = params.get(spreadsheet.VARIANT_PARAMETER) == spreadsheet.EXCEL_DE
        if excel_de and request.accepted_renderer.format != CSVRenderer.format:
            raise ValidationError({spreadsheet.VARIANT_PARAMETER: [_("Diese Variante gibt es nur als CSV.")]})
        edition, run = published_or_error(params.get("edition"))
        domains, scores = selectors.ranking(run)
        domain = indicator = None
        if key := params.get("domain"):
            domain = next((d for d in domains if d.key == key), None)
            if domain is None:
                raise ValidationError(
                    {
                        "domain": [
                            _("Die Ausgabe %(year)s hat keinen Themenbereich „%(key)s“.") % _year_key(edition, key)
                        ]
                    }
                )
        if key := params.get("indicator"):
            indicator = selectors.published_indicator(run, key)
            if indicator is None:
                raise ValidationError(
                    {"indicator": [_("Die Ausgabe %(year)s hat keinen Indikator „%(key)s“.") % _year_key(edition, key)]}
                )
        if indicator is not None:
            source = selectors.indicator_ranking(run, indicator)
            rows = [_indicator_row(row) for row in source]
            columns = [*CITY_COLUMNS, "score", "raw"]
        elif domain is not None:
            source = selectors.ranking_rows(domains, scores, by=domain)
            index = domains.index(domain)
            rows = [_domain_row(row, index) for row in source]
            columns = [*CITY_COLUMNS, "score", "bonus", "total"]
        else:
            source = selectors.ranking_rows(domains, scores)
            by_city = {score.city_id: score for score in scores}
            rows = [_overall_row(row, domains, by_city[row.city.pk]) for row in source]
            columns = [*CITY_COLUMNS, "total", "completeness"] + [
                f"domain:{d.key}:{field}" for d in domains for field in ("score", "rank", "trend", "bonus")
            ]
        rows = _filtered(rows, params, states=filters.states(source))
        rows = _ordered(
            rows, params.get("ordering", "rank"), kind="indicator" if indicator else "domain" if domain else "overall"
        )

        self.is_demo = edition.is_demo
        if request.accepted_renderer.format == CSVRenderer.format:
            columns.append(opendata.DEMO_COLUMN)
            data = [
                {**_flat(row), opendata.DEMO_COLUMN: edition.is_demo}
                for row in out.RankingRowSerializer(rows, many=True).data
            ]
            name = f"smart-city-index-{edition.year}-ranking"
            name += f"-{domain.key}" if domain else f"-{indicator.key}" if indicator else ""
            if excel_de:
                names = {d.key: d.name_de for d in domains}
                self.csv_header = [opendata.german_header(column, names) for column in columns]
                self.csv_variant = spreadsheet.EXCEL_DE
                data = [dict(zip(columns, cells, strict=True)) for cells in opendata.excel_de_rows(columns, data)]
                name += f"-{spreadsheet.EXCEL_DE}"
            self.csv_columns = columns
            return Response(data, headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
        self.page_meta = {
            "edition": edition.year,
            "is_demo": edition.is_demo,
            "domain": domain.key if domain else None,
            "indicator": indicator.key if indicator else None,
        }
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def finalize_response(self, request, response, *args, **kwargs):
        # Errors are always JSON in the one error shape, also when CSV was asked for.
        if response.status_code >= 400 and getattr(request, "accepted_renderer", None) is not None:
            request.accepted_renderer, request.accepted_media_type = JSONRenderer(), JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)


def _year_key(edition: Edition, key: str) -> dict:
    return {"year": edition.year, "key": key}


def _overall_row(row: selectors.RankingRow, domains: list[Domain], city_score: CityScore) -> dict:
    """`city_score` is the row's CityScore as selectors.ranking() gives it (with `uncertainty`)."""
    return {
        "rank": row.rank,
        "rank_interval": row.interval,
        "trend": row.trend,
        "city": row.city,
        "total": row.total,
        "completeness": city_score.completeness,
        "domains": [
            {
                "key": domain.key,
                "score": score.score if score else None,
                "rank": score.rank if score else None,
                "trend": score.trend if score else None,
                "bonus": score.bonus if score else None,
                "rank_interval": selectors.domain_interval(city_score.uncertainty, domain.key),
            }
            for domain, score in zip(domains, row.domain_scores, strict=True)
        ],
    }


def _domain_row(row: selectors.RankingRow, index: int) -> dict:
    score = row.domain_scores[index]
    return {
        "rank": row.rank,
        "rank_interval": row.interval,
        "trend": row.trend,
        "city": row.city,
        "score": score.score if score else None,
        "bonus": score.bonus if score else None,
        "total": row.total,
    }


def _indicator_row(row: selectors.IndicatorRow) -> dict:
    # The robustness analysis covers the total and the domains, not single indicators.
    return {
        "rank": row.rank,
        "rank_interval": None,
        "trend": None,
        "city": row.city,
        "score": row.score,
        "raw": row.raw,
    }


def _filtered(rows: list[dict], params: dict, *, states: list[str]) -> list[dict]:
    """Rows of cities matching state, size and search (the public pages' city filter); 400 for an unknown state."""
    state = params.get("state", "")
    if state and state not in states:
        raise ValidationError({"state": [_("„%(value)s“ ist unbekannt.") % {"value": state}]})
    city_filter = filters.CityFilter(state=state, size=params.get("size", ""), search=params.get("search", ""))
    return [row for row in rows if city_filter.matches(row["city"])]


SORTS_BY_KIND = {
    "overall": ("rank", "total", "name", "population"),
    "domain": ("rank", "score", "total", "name", "population"),
    "indicator": ("rank", "score", "name", "population"),
}


def _ordered(rows: list[dict], ordering: str, *, kind: str) -> list[dict]:
    """Rows sorted by `ordering` (a value of out.ORDERINGS that this kind of ranking offers; else 400).

    Equal values keep name order; rows without a value (no domain or indicator score) come last either way."""
    field, descending = ordering.lstrip("-"), ordering.startswith("-")
    if field not in SORTS_BY_KIND[kind]:
        choices = ", ".join(f"{prefix}{name}" for name in SORTS_BY_KIND[kind] for prefix in ("", "-"))
        raise ValidationError(
            {
                "ordering": [
                    _("„%(value)s“ ist in dieser Rangliste keine mögliche Sortierung; möglich: %(choices)s.")
                    % {"value": ordering, "choices": choices}
                ]
            }
        )
    by_name = sorted(rows, key=lambda row: row["city"].name.casefold(), reverse=descending and field == "name")
    if field == "name":
        return by_name
    value = {
        "rank": lambda row: row["rank"],
        "population": lambda row: row["city"].population,
        "total": lambda row: row["total"],
        "score": lambda row: row["score"],
    }[field]
    present = [row for row in by_name if value(row) is not None]
    missing = [row for row in by_name if value(row) is None]
    return sorted(present, key=value, reverse=descending) + missing


def _flat(row: dict) -> dict:
    """A serialized ranking row as flat CSV columns (see RankingList's description)."""
    flat = _city_columns(row)
    for name in ("total", "completeness", "score", "bonus", "raw"):
        if name in row:
            flat[name] = row[name]
    for domain in row.get("domains", []):
        for field in ("score", "rank", "trend", "bonus"):
            flat[f"domain:{domain['key']}:{field}"] = domain[field]
    return flat
