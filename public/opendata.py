"""Open data of published editions: results and approved answers as CSV and JSON, and their recomputation.

Each file is built in two steps: a few reads with a fixed number of queries (`load_*`), then pure
builders over the loaded rows (`*_records`, `*_csv`, `header`). Numbers in the files are always
machine-readable (a dot as decimal separator, no grouping), whatever the language of the page.

Every JSON file starts with a `header` holding what is needed to recompute the ranking: the edition,
the licence, the run's `input_hash` and `code_version`, the run's methodology as data, the catalogue
(keys, kinds, weights, options with points, per capita, direction, goalposts) and the ranked cities
with their population. `recompute_from_open_data` turns the answers file back into the engine's
inputs and recomputes the published totals and ranks.

Every CSV file has a German Excel variant (`EXCEL_DE`, smartcity.spreadsheet): the same rows, `;`-separated
with decimal comma and byte order mark, German headers, scores rounded to SCORE_PLACES as the pages show them;
the standard files keep full precision. Every file says whether the edition is demo data (`is_demo`: the
JSON header's edition, a last CSV column on every row).

Size: the file format (columns, header, CSV and JSON) and its recomputation stay side by side, so they
cannot drift apart.
"""

from __future__ import annotations

import io
import json
import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
from django.conf import settings
from django.db.models import Prefetch

from indicators.models import City, Domain, Edition, Indicator, Parameter, plain_number, public_provenance
from indicators.population import PopulationFigures
from scoring import engine, selectors
from scoring.inputs import EngineInputs
from scoring.models import CityScore, DomainScore, IndicatorScore, RankUncertainty, ScoreRun
from smartcity import spreadsheet
from smartcity.numbers import SCORE_PLACES

# What the public reads of an approved answer: its value, provenance and evidence link, the import's source
# (public_provenance's inputs); the open data files and the city profile read these columns and no others.
PUBLIC_ANSWER_COLUMNS = (
    "value_bool",
    "value_choice",
    "value_number",
    "evidence_url",
    "as_of",
    "source_kind",
    "official_import__source_name",
    "official_import__file_name",
    "official_import__as_of",
)

RESULTS, ANSWERS = "results", "answers"
DATASETS = (RESULTS, ANSWERS)
FORMATS = ("csv", "json")
EXCEL_DE = spreadsheet.EXCEL_DE
# What is stored per dataset: the two formats and the German Excel variant of the CSV file.
KINDS = (*FORMATS, EXCEL_DE)
CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json", EXCEL_DE: "text/csv; charset=utf-8"}
# The last column of every CSV row: whether the edition is demonstration data.
DEMO_COLUMN = "is_demo"
# The response header that marks the files and API responses of a demo edition as well ("true").
DEMO_HEADER = "X-Demo-Data"

RESULTS_CITY_COLUMNS = (
    "city",
    "slug",
    "ags",
    "state",
    "population",
    "total",
    "rank",
    "previous_rank",
    "trend",
    "completeness",
    # The rank's 5–95 % interval and median in the run's robustness analysis; empty while it is not computed.
    "rank_low",
    "rank_high",
    "rank_median",
)
# quelle_art, quelle, stand: where the value comes from (stadt / amtlich / recherche), its source (the
# official source and file, or the source URL) and its Stand (issue 16; indicators.models.public_provenance);
# stand_veraltet: the Stand is older than the edition's reference date allows (Edition.is_stale_stand).
ANSWERS_COLUMNS = (
    "city",
    "ags",
    "parameter",
    "parameter_name",
    "kind",
    "value",
    "unit",
    "evidence_url",
    "as_of",
    "quelle_art",
    "quelle",
    "stand",
    "stand_veraltet",
    # The population a per-capita value was divided by (the edition's figure as of its Stand, else the
    # city's; indicators.population); empty for other parameters.
    "population",
)


def filename(year: int, dataset: str, fmt: str) -> str:
    """The file's name; `fmt` one of KINDS (the Excel variant is a .csv file too)."""
    if fmt == EXCEL_DE:
        return f"smart-city-index-{year}-{dataset}-{EXCEL_DE}.csv"
    return f"smart-city-index-{year}-{dataset}.{fmt}"


def kind_of(fmt: str, excel_de: bool) -> str | None:
    """The stored kind of a download address's format and variant; None for a variant of a non-CSV format."""
    if not excel_de:
        return fmt
    return EXCEL_DE if fmt == "csv" else None


@dataclass(frozen=True)
class OpenDataFile:
    content: str
    content_type: str
    filename: str


def build_file(edition: Edition, run: ScoreRun, dataset: str, fmt: str) -> OpenDataFile:
    """One file of a published edition (`fmt` one of KINDS). Queries: results 7; answers as JSON 7, as CSV 6
    (either variant).

    Raises ValueError for an unknown dataset or format (the view checks both first)."""
    if dataset not in DATASETS or fmt not in KINDS:
        raise ValueError(f"unknown open data file {dataset}.{fmt}")
    domains = load_catalogue(edition)
    city_scores = load_city_scores(run)
    cities = [score.city for score in city_scores]
    if dataset == RESULTS:
        records = results_records(
            domains,
            city_scores,
            load_domain_scores(run),
            load_indicator_scores(run),
            load_rank_uncertainties(run),
        )
        if fmt == "csv":
            content = results_csv(domains, records, is_demo=edition.is_demo)
        elif fmt == EXCEL_DE:
            content = results_excel_de(domains, records, is_demo=edition.is_demo)
        else:
            content = to_json({"header": header(edition, run, domains, cities, RESULTS), "results": records})
    else:
        answers = answers_records(
            domains, cities, load_approved_answers(edition, run), PopulationFigures([edition.pk]), edition=edition
        )
        if fmt == "csv":
            content = answers_csv(answers, is_demo=edition.is_demo)
        elif fmt == EXCEL_DE:
            content = answers_excel_de(answers, is_demo=edition.is_demo)
        else:
            bonus = bonus_records(domains, cities, load_domain_scores(run))
            content = to_json(
                {
                    "header": header(edition, run, domains, cities, ANSWERS),
                    "answers": answers,
                    "innovation_bonus": bonus,
                }
            )
    return OpenDataFile(content=content, content_type=CONTENT_TYPES[fmt], filename=filename(edition.year, dataset, fmt))


# --------------------------------------------------------------------------- reads (fixed query counts)


def load_catalogue(edition: Edition) -> list[Domain]:
    """The edition's domains in order, each with `indicator_list`, each with `parameter_list` (3 queries)."""
    parameters = Prefetch("parameters", queryset=Parameter.objects.order_by("position", "id"), to_attr="parameter_list")
    indicators = Prefetch(
        "indicators",
        queryset=Indicator.objects.order_by("position", "id").prefetch_related(parameters),
        to_attr="indicator_list",
    )
    return list(Domain.objects.filter(edition=edition).order_by("position", "id").prefetch_related(indicators))


def load_city_scores(run: ScoreRun) -> list[CityScore]:
    """Every ranked city's total with its city, by rank then name (1 query)."""
    return list(CityScore.objects.filter(run=run).select_related("city").order_by("rank", "city__name", "city_id"))


def load_domain_scores(run: ScoreRun) -> dict[tuple[int, int], DomainScore]:
    """(city id, domain id) -> DomainScore (1 query)."""
    return {(score.city_id, score.domain_id): score for score in DomainScore.objects.filter(run=run)}


def load_indicator_scores(run: ScoreRun) -> dict[tuple[int, int], tuple[float | None, int]]:
    """(city id, indicator id) -> (score, rank) (1 query)."""
    rows = IndicatorScore.objects.filter(run=run).values_list("city_id", "indicator_id", "score", "rank")
    return {(city_id, indicator_id): (score, rank) for city_id, indicator_id, score, rank in rows}


def load_rank_uncertainties(run: ScoreRun) -> dict[int, tuple[float, int, int]]:
    """city id -> (median rank, rank low, rank high) in the run's robustness analysis; empty while it is not
    computed (1 query)."""
    rows = RankUncertainty.objects.filter(analysis__run=run).values_list(
        "city_id", "median_rank", "rank_low", "rank_high"
    )
    return {city_id: (median, low, high) for city_id, median, low, high in rows}


def load_approved_answers(edition: Edition, run: ScoreRun) -> list[tuple]:
    """Approved answers of the run's cities, by AGS then catalogue order (1 query).

    Rows: (city id, parameter id, value_bool, value_choice, value_number, evidence_url, as_of, source_kind,
    the official import's source name, file name and Stand). Only approved answers are ever public; answers of
    cities that were not ranked are left out, as the run left them out.
    """
    return list(
        selectors.approved_answers(run)
        .select_related(None)
        .values_list("city_id", "parameter_id", *PUBLIC_ANSWER_COLUMNS)
    )


# --------------------------------------------------------------------------- builders (pure)


def _number(value) -> float | None:
    """A float for the files; None for a missing value (NaN never reaches a file)."""
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) else value


def _indicators(domains: list[Domain]) -> list[Indicator]:
    return [indicator for domain in domains for indicator in domain.indicator_list]


def _parameters(domains: list[Domain]) -> list[Parameter]:
    return [parameter for indicator in _indicators(domains) for parameter in indicator.parameter_list]


def catalogue_data(domains: list[Domain]) -> dict:
    """The catalogue as plain data, in the order the engine uses (domains, indicators, parameters by position)."""

    def parameter_data(parameter: Parameter) -> dict:
        goalposts = None
        if parameter.goal_worst is not None and parameter.goal_best is not None:
            goalposts = {"worst": float(parameter.goal_worst), "best": float(parameter.goal_best)}
        return {
            "key": parameter.key,
            "name_de": parameter.name_de,
            "name_en": parameter.name_en,
            "kind": parameter.kind,
            "unit": parameter.unit,
            "weight": float(parameter.weight),
            "per_capita": parameter.per_capita,
            "higher_is_better": parameter.higher_is_better,
            "min": _number(parameter.min_value),
            "max": _number(parameter.max_value),
            "goalposts": goalposts,
            "options": [
                {
                    "key": option["key"],
                    "label_de": option.get("label_de", option["key"]),
                    "label_en": option.get("label_en", ""),
                    "points": float(option["points"]),
                }
                for option in parameter.options
            ]
            if parameter.kind == Parameter.Kind.CHOICE
            else [],
            "source_de": parameter.source_de,
            "source_en": parameter.source_en,
        }

    return {
        "domains": [
            {
                "key": domain.key,
                "name_de": domain.name_de,
                "name_en": domain.name_en,
                "weight": float(domain.weight),
                "indicators": [
                    {
                        "key": indicator.key,
                        "name_de": indicator.name_de,
                        "name_en": indicator.name_en,
                        "weight": float(indicator.weight),
                        "parameters": [parameter_data(parameter) for parameter in indicator.parameter_list],
                    }
                    for indicator in domain.indicator_list
                ],
            }
            for domain in domains
        ]
    }


def header(edition: Edition, run: ScoreRun, domains: list[Domain], cities: list[City], dataset: str) -> dict:
    """The header of a JSON file: edition, licence, run fingerprint, methodology, catalogue and cities (by AGS)."""
    published_at = run.published_at or edition.published_at
    return {
        "dataset": dataset,
        "edition": {"year": edition.year, "title": edition.title, "is_demo": edition.is_demo},
        "published_at": published_at.isoformat() if published_at else None,
        "licence": {"name": settings.OPEN_DATA_LICENSE, "url": settings.OPEN_DATA_LICENSE_URL},
        "run": {
            "input_hash": run.input_hash,
            "code_version": run.code_version,
            "city_count": run.city_count,
            "approved_answer_count": run.approved_answer_count,
        },
        "methodology": run.methodology,
        "catalogue": catalogue_data(domains),
        "cities": [
            {"ags": city.ags, "name": city.name, "slug": city.slug, "state": city.state, "population": city.population}
            for city in sorted(cities, key=lambda city: city.ags)
        ],
    }


def results_records(
    domains: list[Domain],
    city_scores: list[CityScore],
    domain_scores: dict[tuple[int, int], DomainScore],
    indicator_scores: dict[tuple[int, int], tuple[float | None, int]],
    rank_uncertainties: dict[int, tuple[float, int, int]] | None = None,
) -> list[dict]:
    """One record per city in rank order, with its domain and indicator scores keyed by catalogue key.

    trend = previous rank − rank (None for a city new to the index); an indicator score is None where
    the city had no data and the edition excludes missing data; rank_low, rank_high and rank_median (the
    rank's 5–95 % interval and median in the robustness analysis, from load_rank_uncertainties) are None
    while the analysis is not computed.
    """
    rank_uncertainties = rank_uncertainties or {}
    indicators = _indicators(domains)
    records = []
    for row in city_scores:
        city = row.city
        record = {
            "city": city.name,
            "slug": city.slug,
            "ags": city.ags,
            "state": city.state,
            "population": city.population,
            "total": row.total,
            "rank": row.rank,
            "previous_rank": row.previous_rank,
            "trend": row.trend,
            "completeness": row.completeness,
            "rank_low": None,
            "rank_high": None,
            "rank_median": None,
            "domains": {},
            "indicators": {},
        }
        if row.city_id in rank_uncertainties:
            median, low, high = rank_uncertainties[row.city_id]
            record.update(rank_low=low, rank_high=high, rank_median=float(median))
        for domain in domains:
            score = domain_scores.get((row.city_id, domain.pk))
            record["domains"][domain.key] = {
                "score": score.score if score else None,
                "rank": score.rank if score else None,
                "bonus": score.bonus if score else None,
            }
        for indicator in indicators:
            score, rank = indicator_scores.get((row.city_id, indicator.pk), (None, None))
            record["indicators"][indicator.key] = {"score": _number(score), "rank": rank}
        records.append(record)
    return records


def results_columns(domains: list[Domain]) -> list[str]:
    """Stable CSV column names: the city's columns, then `domain:<key>:score|rank|bonus`, then
    `indicator:<key>:score|rank`, in catalogue order, then `is_demo`."""
    columns = list(RESULTS_CITY_COLUMNS)
    for domain in domains:
        columns += [f"domain:{domain.key}:{field}" for field in ("score", "rank", "bonus")]
    for indicator in _indicators(domains):
        columns += [f"indicator:{indicator.key}:{field}" for field in ("score", "rank")]
    return [*columns, DEMO_COLUMN]


def _results_rows(records: list[dict], is_demo: bool) -> list[dict]:
    def flat(record: dict) -> dict:
        row = {column: record[column] for column in RESULTS_CITY_COLUMNS}
        for key, scores in record["domains"].items():
            row.update({f"domain:{key}:{field}": value for field, value in scores.items()})
        for key, scores in record["indicators"].items():
            row.update({f"indicator:{key}:{field}": value for field, value in scores.items()})
        row[DEMO_COLUMN] = is_demo
        return row

    return [flat(record) for record in records]


def results_csv(domains: list[Domain], records: list[dict], *, is_demo: bool = False) -> str:
    return to_csv(results_columns(domains), _results_rows(records, is_demo))


# --------------------------------------------------------------------------- the German Excel variant

# German headers of the variant's columns (the rest: `<Themenbereich>: Wert` etc., see german_header).
GERMAN_HEADERS = {
    "city": "Stadt",
    "slug": "Kürzel",
    "ags": "AGS",
    "state": "Bundesland",
    "population": "Einwohner",
    "total": "Gesamtwert",
    "rank": "Rang",
    "previous_rank": "Vorjahresrang",
    "trend": "Tendenz",
    "completeness": "Datenvollständigkeit (%)",
    "rank_low": "Rang, untere Grenze (5 %)",
    "rank_high": "Rang, obere Grenze (95 %)",
    "rank_median": "Rang, Median",
    "score": "Wert",
    "bonus": "Innovationsbonus",
    "raw": "Rohwert",
    "parameter": "Parameter",
    "parameter_name": "Parametername",
    "kind": "Typ",
    "value": "Wert",
    "unit": "Einheit",
    "evidence_url": "Nachweis (URL)",
    "as_of": "Stand der Angabe",
    "quelle_art": "Quellenart",
    "quelle": "Quelle",
    "stand": "Stand",
    "stand_veraltet": "Stand veraltet",
    DEMO_COLUMN: "Demodaten",
}
# Columns rounded to SCORE_PLACES in the variant (as the pages show scores); the rest are ranks, counts, keys,
# or values as entered. Completeness is shown in percent, whole numbers, as on the city profile.
ROUNDED_FIELDS = ("total", "score", "bonus", "rank_median")
PERCENT_FIELDS = ("completeness",)


def german_header(column: str, names: dict[str, str]) -> str:
    """A column's German header; `domain:<key>:<field>` and `indicator:<key>:<field>` as
    `<German name>: <field's header>` (names: key -> German name)."""
    if ":" in column:
        _group, key, field = column.split(":", 2)
        return f"{names.get(key, key)}: {GERMAN_HEADERS.get(field, field)}"
    return GERMAN_HEADERS.get(column, column)


def excel_de_rows(columns: list[str], rows: list[dict]) -> list[list[str]]:
    """The variant's cells of flat rows: scores rounded to SCORE_PLACES, completeness in whole percent."""
    cells = spreadsheet.ExcelDeCells()
    places = {}
    for column in columns:
        field = column.rsplit(":", 1)[-1]
        places[column] = SCORE_PLACES if field in ROUNDED_FIELDS else 0 if field in PERCENT_FIELDS else None
    result = []
    for row in rows:
        line = []
        for column in columns:
            value = row.get(column)
            if places[column] == 0 and value is not None:
                value = float(value) * 100
            line.append(cells.cell(value, places[column]))
        result.append(line)
    return result


def catalogue_names(domains: list[Domain]) -> dict[str, str]:
    """key -> German name of the domains and indicators (the variant's headers)."""
    names = {domain.key: domain.name_de for domain in domains}
    names.update({indicator.key: indicator.name_de for indicator in _indicators(domains)})
    return names


def results_excel_de(domains: list[Domain], records: list[dict], *, is_demo: bool = False) -> str:
    columns = results_columns(domains)
    names = catalogue_names(domains)
    header_row = [german_header(column, names) for column in columns]
    return spreadsheet.excel_de_text(header_row, excel_de_rows(columns, _results_rows(records, is_demo)))


def answers_excel_de(records: list[dict], *, is_demo: bool = False) -> str:
    columns = [*ANSWERS_COLUMNS, DEMO_COLUMN]
    rows = [{**record, DEMO_COLUMN: is_demo} for record in records]
    return spreadsheet.excel_de_text([german_header(column, {}) for column in columns], excel_de_rows(columns, rows))


def _typed_value(kind: str, value_bool, value_choice, value_number):
    """bool for yes/no, the option key for choice, a Decimal for numbers; None when there is no value."""
    if kind == Parameter.Kind.YES_NO:
        return value_bool
    if kind == Parameter.Kind.CHOICE:
        return value_choice or None
    return value_number


def answers_records(
    domains: list[Domain],
    cities: list[City],
    answers: list[tuple],
    figures: PopulationFigures | None = None,
    *,
    edition: Edition,
) -> list[dict]:
    """One record per approved answer (rows of load_approved_answers) of `edition`. Values keep their type:
    bool, option key, or a Decimal (written as a plain decimal number); parameter names are German. A per-capita
    value carries the population it is divided by (the edition's `figures` as of its Stand, else the city's), so
    the file recomputes the run."""
    parameters = {parameter.pk: parameter for parameter in _parameters(domains)}
    city_by_id = {city.pk: city for city in cities}
    edition_id = domains[0].edition_id if domains else None
    records = []
    for (
        city_id,
        parameter_id,
        value_bool,
        value_choice,
        value_number,
        evidence_url,
        as_of,
        source_kind,
        official_source,
        official_file,
        official_as_of,
    ) in answers:
        city, parameter = city_by_id[city_id], parameters[parameter_id]
        kind_code, source, stand = public_provenance(
            source_kind=source_kind,
            evidence_url=evidence_url,
            official_source=official_source or "",
            official_file=official_file or "",
            as_of=as_of,
            official_as_of=official_as_of,
        )
        records.append(
            {
                "city": city.name,
                "ags": city.ags,
                "parameter": parameter.key,
                "parameter_name": parameter.name_de,
                "kind": parameter.kind,
                "value": _typed_value(parameter.kind, value_bool, value_choice, value_number),
                "unit": parameter.unit,
                "evidence_url": evidence_url or None,
                "as_of": as_of.isoformat() if as_of else None,
                "quelle_art": kind_code,
                "quelle": source,
                "stand": stand.isoformat() if stand else None,
                "stand_veraltet": edition.is_stale_stand(stand),
                "population": _population(parameter, city, stand, figures, edition_id),
            }
        )
    return records


def _population(parameter: Parameter, city: City, stand, figures: PopulationFigures | None, edition_id) -> int | None:
    if not parameter.per_capita:
        return None
    if figures is None:
        return city.population
    return figures.population(edition_id=edition_id, city_id=city.pk, stand=stand, fallback=city.population)


def answers_csv(records: list[dict], *, is_demo: bool = False) -> str:
    return to_csv([*ANSWERS_COLUMNS, DEMO_COLUMN], [{**record, DEMO_COLUMN: is_demo} for record in records])


def bonus_records(
    domains: list[Domain], cities: list[City], domain_scores: dict[tuple[int, int], DomainScore]
) -> list[dict]:
    """The innovation bonus each city got per domain, as the run counted it (capped); only non-zero ones."""
    records = []
    for city in sorted(cities, key=lambda city: city.ags):
        for domain in domains:
            score = domain_scores.get((city.pk, domain.pk))
            if score is not None and score.bonus:
                records.append({"ags": city.ags, "domain": domain.key, "points": score.bonus})
    return records


def _csv_cell(value) -> str:
    """Machine-readable cells: true/false, plain decimals with a dot, full float precision, empty for None."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return plain_number(value)
    if isinstance(value, float):
        return "" if math.isnan(value) else repr(value)
    return str(value)


def to_csv(columns: list[str], rows: list[dict]) -> str:
    buffer = io.StringIO()
    writer = spreadsheet.csv_writer(buffer)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_csv_cell(row.get(column)) for column in columns])
    return buffer.getvalue()


def _json_default(value):
    if isinstance(value, Decimal):
        # A JSON number as entered (30, 2.5); exact for the up to 15 significant digits answers carry.
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def to_json(data: dict) -> str:
    """UTF-8 JSON; NaN or infinity never reach a file (they are not JSON)."""
    return json.dumps(data, ensure_ascii=False, allow_nan=False, default=_json_default)


# --------------------------------------------------------------------------- recomputation


class OpenDataInputs(EngineInputs):
    """The engine's inputs rebuilt from an answers file; cities by AGS, catalogue in published order."""


def open_data_inputs(answers_file: str | bytes | dict[str, Any]) -> OpenDataInputs:
    """Rebuild the engine's inputs from a published answers JSON file (its text, or the parsed object).

    Weights, kinds, directions, per-capita flags, goalposts and settings come from the run's
    methodology in the header (what the run used); the order of domains, indicators and parameters
    and the points of choice options from the header's catalogue. yes/no answers become 1/0, choice
    answers their option's points, numbers stay raw (the engine divides per-capita numbers by the
    population in thousands). Answers without a value count as missing.

    Long: the file's header read field by field into the engine's arrays, in the order the arrays need.
    """
    data = json.loads(answers_file) if isinstance(answers_file, (str, bytes)) else answers_file
    head = data["header"]
    method = head["methodology"]
    domains = head["catalogue"]["domains"]

    domain_keys, indicator_keys, parameter_keys = [], [], []
    indicator_domain, param_indicator, choice_points = [], [], {}
    for d, domain in enumerate(domains):
        domain_keys.append(domain["key"])
        for indicator in domain["indicators"]:
            indicator_domain.append(d)
            for parameter in indicator["parameters"]:
                param_indicator.append(len(indicator_keys))
                parameter_keys.append(parameter["key"])
                if parameter["kind"] == Parameter.Kind.CHOICE:
                    choice_points[parameter["key"]] = {o["key"]: float(o["points"]) for o in parameter["options"]}
            indicator_keys.append(indicator["key"])

    used = [method["parameters"][key] for key in parameter_keys]
    goalposts = [p["goalposts"] or (math.nan, math.nan) for p in used]
    structure = engine.Structure(
        param_indicator=np.array(param_indicator, dtype=np.int64),
        param_weight=np.array([p["weight"] for p in used], dtype=float),
        param_kind=tuple(p["kind"] for p in used),
        param_higher_is_better=np.array([p["higher_is_better"] for p in used], dtype=bool),
        param_per_capita=np.array([p["per_capita"] for p in used], dtype=bool),
        param_goal_worst=np.array([g[0] for g in goalposts], dtype=float),
        param_goal_best=np.array([g[1] for g in goalposts], dtype=float),
        indicator_domain=np.array(indicator_domain, dtype=np.int64),
        indicator_weight=np.array([method["indicator_weights"][key] for key in indicator_keys], dtype=float),
        domain_weight=np.array([method["domain_weights"][key] for key in domain_keys], dtype=float),
    )
    methodology = engine.Methodology(
        missing_policy=method["missing_policy"],
        normalisation=method["normalisation"],
        aggregation=method["aggregation"],
        bonus_cap=float(method["bonus_cap"]),
    )

    cities = sorted(head["cities"], key=lambda city: city["ags"])
    row = {city["ags"]: i for i, city in enumerate(cities)}
    column = {key: p for p, key in enumerate(parameter_keys)}
    values = np.full((len(cities), len(parameter_keys)), np.nan)
    # What each value is divided by if per capita: the answer's population (files before it: the city's).
    population = np.repeat(np.array([[city["population"]] for city in cities], dtype=float), len(parameter_keys), 1)
    for answer in data["answers"]:
        number = engine.value_points(answer["kind"], answer["value"], choice_points.get(answer["parameter"]))
        if number is not None:
            values[row[answer["ags"]], column[answer["parameter"]]] = number
        if answer.get("population"):
            population[row[answer["ags"]], column[answer["parameter"]]] = answer["population"]

    domain_column = {key: d for d, key in enumerate(domain_keys)}
    bonus = np.zeros((len(cities), len(domain_keys)))
    for award in data.get("innovation_bonus", []):
        bonus[row[award["ags"]], domain_column[award["domain"]]] += float(award["points"])

    return OpenDataInputs(
        city_keys=tuple(city["ags"] for city in cities),
        domain_keys=tuple(domain_keys),
        indicator_keys=tuple(indicator_keys),
        parameter_keys=tuple(parameter_keys),
        structure=structure,
        methodology=methodology,
        values=values,
        population=population,
        bonus=bonus,
    )


def recompute_from_open_data(
    answers_file: str | bytes | dict[str, Any], methodology: engine.Methodology | None = None
) -> dict[str, tuple[float, int]]:
    """Recompute an edition's ranking from its published answers file alone: {AGS: (total, rank)}.

    With the published methodology this gives the published totals and ranks (up to floating-point
    rounding of the last digits). Pass another `engine.Methodology` (e.g. missing_policy="exclude" or
    aggregation="geometric") to see how the ranking would change under other settings.

        >>> with open("smart-city-index-2024-answers.json", encoding="utf-8") as f:
        ...     ranking = recompute_from_open_data(f.read())
        >>> ranking["09162000"]  # (total, rank) of Munich
    """
    inputs = open_data_inputs(answers_file)
    result = engine.compute(
        inputs.structure, inputs.values, inputs.population, inputs.bonus, methodology or inputs.methodology
    )
    return {
        ags: (float(total), int(rank))
        for ags, total, rank in zip(inputs.city_keys, result.total, result.total_rank, strict=True)
    }
