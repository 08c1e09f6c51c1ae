"""One edition as one JSON document (export) and back into a database (import), verified by the input hash.

The document holds the edition with its settings, the participating cities (by AGS), the catalogue, the
participations, the edition's population figures, the imported official files (metadata: source, profile and
version, name, SHA-256, Stand, storage path, who imported when), every answer (all statuses) with its evidence
metadata and provenance (source kind, its official import, the file's rows, the researcher), the innovation
projects and the published score run with all its result rows exactly as stored. Not in it: the evidence files' bytes
(only name, type, size, SHA-256 and storage path), comments, notifications, memberships, invitations,
unpublished runs (they can be recomputed), uncertainty analyses (`analyse_uncertainty` rederives them
from the run's input hash) and the change history. Users are referred to by username and linked on
import only where that user exists.

The input hash of a run covers the previous published edition's ranks, so editions are imported oldest
first. An import is one transaction: it is refused, and nothing is written, when the year exists, the
format version is unknown, or the imported inputs do not hash to the published run's input hash.

Format versions: 2 added the population figures, the official imports and the answers' provenance (issue 16);
a version 1 file still imports, its answers entered by the city and the edition without figures.

Size: export and import side by side on purpose, so a field written by one is read by the other.
"""

import json
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.dateparse import parse_date, parse_datetime
from simple_history.utils import bulk_create_with_history

from indicators.models import (
    Answer,
    City,
    Domain,
    Edition,
    EvidenceFile,
    Indicator,
    InnovationProject,
    OfficialImport,
    Parameter,
    Participation,
    PopulationFigure,
)
from scoring.inputs import CODE_VERSION, load_inputs
from scoring.models import CityScore, DomainScore, IndicatorScore, ScoreRun
from scoring.services.public_pages import public_pages_refresh

FORMAT = "smart-city-index/edition"
FORMAT_VERSION = 2
# The versions this code reads: 1 lacks what 2 added (see the module docstring), read as the defaults.
READABLE_VERSIONS = (1, 2)

EDITION_FIELDS = (
    "year",
    "title",
    "phase",
    "collection_opens",
    "collection_closes",
    "review_opens",
    "review_closes",
    "reference_date",
    "check_opens",
    "check_closes",
    "missing_policy",
    "normalisation",
    "aggregation",
    "bonus_cap",
    "is_demo",
    "published_at",
)
CITY_FIELDS = (
    "ags",
    "name",
    "slug",
    "state",
    "state_code",
    "population",
    "population_date",
    "area_km2",
    "lat",
    "lon",
    "source",
)
DOMAIN_FIELDS = ("key", "name_de", "name_en", "weight", "position")
INDICATOR_FIELDS = ("key", "name_de", "name_en", "description_de", "description_en", "weight", "position")
PARAMETER_FIELDS = (
    "key",
    "name_de",
    "name_en",
    "kind",
    "help_de",
    "help_en",
    "source_de",
    "source_en",
    "unit",
    "min_value",
    "max_value",
    "higher_is_better",
    "per_capita",
    "goal_worst",
    "goal_best",
    "options",
    "weight",
    "evidence_required",
    "position",
    "collection_mode",  # issue 16; a file written before it reads as the default, "city"
    "official_profile",  # format 2 (issue 16): the importer profile that feeds the parameter, and its options
    "official_options",
)
ANSWER_FIELDS = (
    "value_bool",
    "value_choice",
    "value_number",
    "evidence_url",
    "note",
    "as_of",
    "status",
    "review_reason",
    "version",
    "reviewed_at",
    "source_kind",  # format 2 (issue 16); a version 1 file reads as the default, "city"
    "source_rows",
)
OFFICIAL_IMPORT_FIELDS = (
    "source_name",
    "profile_key",
    "profile_version",
    "file_name",
    "sha256",
    "as_of",
    "imported_at",
)
POPULATION_FIGURE_FIELDS = ("reference_date", "population", "source")
PROJECT_FIELDS = ("title", "description", "evidence_url", "bonus_points", "bonus_justification", "awarded_at")
RUN_FIELDS = (
    "created_at",
    "input_hash",
    "code_version",
    "methodology",
    "city_count",
    "approved_answer_count",
    "duration_ms",
    "is_published",
    "published_at",
    "unreviewed_at_publish",
    "objections_open_at_publish",
    "publish_reason",
)


# --- export -------------------------------------------------------------------------------------------


def _plain(value):
    """A field value as JSON data: Decimals as strings (exact), dates and datetimes in ISO 8601."""
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _fields(obj, names) -> dict:
    return {name: _plain(getattr(obj, name)) for name in names}


def _username(user) -> str | None:
    return None if user is None else user.get_username()


def _parameter_ref(parameter: Parameter) -> str:
    """A parameter's key path, unique within an edition: "domain/indicator/parameter" (keys are slugs)."""
    return f"{parameter.indicator.domain.key}/{parameter.indicator.key}/{parameter.key}"


def edition_export(edition: Edition) -> dict:
    """The edition as plain JSON data (see the module docstring for what is and is not in it).

    Long: the document's sections written in order, mirroring edition_import."""
    domains = list(Domain.objects.filter(edition=edition).order_by("position", "id"))
    indicators = list(
        Indicator.objects.filter(domain__edition=edition).select_related("domain").order_by("position", "id")
    )
    parameters = list(
        Parameter.objects.filter(indicator__domain__edition=edition)
        .select_related("indicator__domain")
        .order_by("position", "id")
    )
    # "order": the place in load_inputs' catalogue order, which ties on positions break by id; the import
    # creates in this order, so the new ids break the ties the same way and the input hash is unchanged.
    indicator_order = {
        ind.pk: n for n, ind in enumerate(sorted(indicators, key=lambda i: (i.domain.position, i.position, i.pk)))
    }
    parameter_order = {p.pk: n for n, p in enumerate(load_order(parameters))}
    catalogue = []
    for domain in domains:
        entry = _fields(domain, DOMAIN_FIELDS)
        entry["indicators"] = []
        for indicator in (i for i in indicators if i.domain_id == domain.pk):
            item = {**_fields(indicator, INDICATOR_FIELDS), "order": indicator_order[indicator.pk]}
            item["parameters"] = [
                {**_fields(p, PARAMETER_FIELDS), "order": parameter_order[p.pk]}
                for p in parameters
                if p.indicator_id == indicator.pk
            ]
            entry["indicators"].append(item)
        catalogue.append(entry)

    participations = list(Participation.objects.filter(edition=edition).select_related("city", "signed_off_by"))
    answers = list(
        Answer.objects.filter(edition=edition)
        .select_related(
            "city",
            "parameter__indicator__domain",
            "updated_by",
            "reviewed_by",
            "researched_by",
            "official_import__parameter__indicator__domain",
        )
        .prefetch_related("evidence_files__uploaded_by")
    )
    official_imports = list(
        OfficialImport.objects.filter(edition=edition)
        .select_related("parameter__indicator__domain", "imported_by")
        .order_by("imported_at", "id")
    )
    figures = list(PopulationFigure.objects.filter(edition=edition).select_related("city"))
    projects = list(InnovationProject.objects.filter(edition=edition).select_related("city", "domain", "awarded_by"))
    runs = list(ScoreRun.objects.filter(edition=edition, is_published=True).order_by("created_at", "id"))

    city_ids = (
        {p.city_id for p in participations}
        | {a.city_id for a in answers}
        | {p.city_id for p in projects}
        | {f.city_id for f in figures}
    )
    for run in runs:
        city_ids |= set(CityScore.objects.filter(run=run).values_list("city_id", flat=True))
    cities = list(City.objects.filter(pk__in=city_ids).order_by("ags"))
    ags = {city.pk: city.ags for city in cities}

    answers.sort(key=lambda a: (a.city.ags, parameter_order[a.parameter_id]))
    exported_answers = []
    for answer in answers:
        item = _fields(answer, ANSWER_FIELDS)
        item["city"] = answer.city.ags
        item["parameter"] = _parameter_ref(answer.parameter)
        item["updated_by"] = _username(answer.updated_by)
        item["reviewed_by"] = _username(answer.reviewed_by)
        item["researched_by"] = _username(answer.researched_by)
        item["official_import"] = _official_import_ref(answer.official_import) if answer.official_import_id else None
        item["evidence_files"] = [
            {
                "original_name": f.original_name,
                "content_type": f.content_type,
                "size": f.size,
                "sha256": f.sha256,
                "path": f.file.name,
                "uploaded_by": _username(f.uploaded_by),
                "uploaded_at": _plain(f.uploaded_at),
            }
            for f in sorted(answer.evidence_files.all(), key=lambda f: (f.uploaded_at, f.pk))
        ]
        exported_answers.append(item)

    previous_run = (
        ScoreRun.objects.filter(is_published=True, edition__year__lt=edition.year)
        .order_by("-edition__year")
        .select_related("edition")
        .first()
    )
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "evidence_bytes_included": False,
        "code_version": CODE_VERSION,
        "previous_published_year": previous_run.edition.year if previous_run else None,
        "edition": _fields(edition, EDITION_FIELDS),
        "cities": [_fields(city, CITY_FIELDS) for city in cities],
        "catalogue": catalogue,
        "participations": sorted(
            (
                {
                    "city": p.city.ags,
                    "signed_off_at": _plain(p.signed_off_at),
                    "signed_off_by": _username(p.signed_off_by),
                }
                for p in participations
            ),
            key=lambda p: p["city"],
        ),
        "population_figures": sorted(
            ({**_fields(f, POPULATION_FIGURE_FIELDS), "city": f.city.ags} for f in figures),
            key=lambda f: (f["city"], f["reference_date"]),
        ),
        "official_imports": [
            {
                **_fields(o, OFFICIAL_IMPORT_FIELDS),
                "ref": _official_import_ref(o),
                "parameter": _parameter_ref(o.parameter),
                "path": o.file.name,
                "imported_by": _username(o.imported_by),
            }
            for o in official_imports
        ],
        "answers": exported_answers,
        "innovation_projects": sorted(
            (
                {
                    **_fields(p, PROJECT_FIELDS),
                    "city": p.city.ags,
                    "domain": p.domain.key,
                    "awarded_by": _username(p.awarded_by),
                }
                for p in projects
            ),
            key=lambda p: (p["city"], p["domain"]),
        ),
        "runs": [_export_run(run, ags) for run in runs],
    }


def _official_import_ref(official_import: OfficialImport) -> str:
    """An official import's reference in the document: its parameter's key path and the file's SHA-256 (unique
    per parameter), "domain/indicator/parameter@sha256"."""
    return f"{_parameter_ref(official_import.parameter)}@{official_import.sha256}"


def load_order(parameters: list[Parameter]) -> list[Parameter]:
    """Parameters in the order of load_inputs: by domain, indicator and parameter position, then id."""
    return sorted(
        parameters,
        key=lambda p: (p.indicator.domain.position, p.indicator.position, p.position, p.pk),
    )


def _export_run(run: ScoreRun, ags: dict[int, str]) -> dict:
    data = _fields(run, RUN_FIELDS)
    data["city_scores"] = sorted(
        (
            {"city": ags[c], "total": t, "rank": r, "completeness": comp, "previous_rank": prev}
            for c, t, r, comp, prev in CityScore.objects.filter(run=run).values_list(
                "city_id", "total", "rank", "completeness", "previous_rank"
            )
        ),
        key=lambda row: row["city"],
    )
    data["domain_scores"] = sorted(
        (
            {
                "city": ags[c],
                "domain": d,
                "score": s,
                "rank": r,
                "bonus": b,
                "completeness": comp,
                "previous_rank": prev,
            }
            for c, d, s, r, b, comp, prev in DomainScore.objects.filter(run=run).values_list(
                "city_id", "domain__key", "score", "rank", "bonus", "completeness", "previous_rank"
            )
        ),
        key=lambda row: (row["city"], row["domain"]),
    )
    data["indicator_scores"] = sorted(
        (
            {"city": ags[c], "indicator": f"{d}/{i}", "raw": raw, "score": s, "rank": r}
            for c, d, i, raw, s, r in IndicatorScore.objects.filter(run=run).values_list(
                "city_id", "indicator__domain__key", "indicator__key", "raw", "score", "rank"
            )
        ),
        key=lambda row: (row["city"], row["indicator"]),
    )
    return data


def edition_dumps(edition: Edition) -> str:
    """The export as text: UTF-8-ready JSON with sorted keys, so one edition always gives the same bytes."""
    return json.dumps(edition_export(edition), ensure_ascii=False, sort_keys=True, indent=1, allow_nan=False) + "\n"


# --- import -------------------------------------------------------------------------------------------


def _values(data: dict, names, model) -> dict:
    """Field values from the document, parsed into the model field's type (dates, datetimes)."""
    values = {}
    for name in names:
        if name not in data:
            continue  # a field added after the file was written: the model's default
        value = data[name]
        internal = model._meta.get_field(name).get_internal_type()
        if value is not None and internal == "DateField":
            value = parse_date(value)
        elif value is not None and internal == "DateTimeField":
            value = parse_datetime(value)
        values[name] = value
    return values


class _Users:
    """Username -> user, looked up once each; None for a missing user (the reference is dropped)."""

    def __init__(self):
        self.model = get_user_model()
        self.cache: dict[str, object] = {}

    def __call__(self, username: str | None):
        if username is None:
            return None
        if username not in self.cache:
            self.cache[username] = self.model.objects.filter(**{self.model.USERNAME_FIELD: username}).first()
        return self.cache[username]


@transaction.atomic
def edition_import(data: dict, *, allow_code_change: bool = False) -> Edition:
    """Create an edition from an exported document (one transaction; see the module docstring).

    Raises ValidationError, writing nothing, when the format is unknown, the year exists, a previous
    edition the results depend on is missing, or the inputs do not hash to the published run's hash.
    A run computed by other code (another code version) cannot be verified: refused unless
    allow_code_change, which imports its results unverified.

    Long: one transaction reading the document's sections in order, mirroring edition_export; splitting
    would pass the id maps around.
    """
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValidationError(f"Not an edition export (expected format {FORMAT!r}).")
    if data.get("format_version") not in READABLE_VERSIONS:
        raise ValidationError(
            f"Unknown format version {data.get('format_version')!r}; this code reads versions "
            f"{', '.join(map(str, READABLE_VERSIONS))}."
        )
    year = data["edition"]["year"]
    if Edition.objects.filter(year=year).exists():
        raise ValidationError(f"Edition {year} exists already; nothing was imported.")
    runs = data["runs"]
    other_code = sorted({run["code_version"] for run in runs} - {CODE_VERSION})
    if other_code and not allow_code_change:
        raise ValidationError(
            f"The results of edition {year} were computed by code version {', '.join(other_code)}, this is "
            f"{CODE_VERSION}: their input hash cannot be verified. Import with the matching release, or "
            "allow the code change to import them unverified."
        )
    previous_year = data["previous_published_year"]
    if runs and previous_year is not None:
        latest_before = (
            ScoreRun.objects.filter(is_published=True, edition__year__lt=year)
            .order_by("-edition__year")
            .values_list("edition__year", flat=True)
            .first()
        )
        if latest_before != previous_year:
            raise ValidationError(
                f"The results of edition {year} compare with the published edition {previous_year}, but the "
                f"latest published edition before {year} here is {latest_before or 'none'}. Import the "
                "editions oldest first."
            )

    users = _Users()
    cities = _import_cities(data["cities"])
    edition = Edition.objects.create(**_values(data["edition"], EDITION_FIELDS, Edition))

    domains, indicators, parameters = {}, {}, {}
    for d in data["catalogue"]:  # in load_inputs' order already (position, id)
        domains[d["key"]] = Domain.objects.create(edition=edition, **_values(d, DOMAIN_FIELDS, Domain))
    flat_indicators = [(dom["key"], ind) for dom in data["catalogue"] for ind in dom["indicators"]]
    for domain_key, ind in sorted(flat_indicators, key=lambda pair: pair[1]["order"]):
        indicators[f"{domain_key}/{ind['key']}"] = Indicator.objects.create(
            domain=domains[domain_key], **_values(ind, INDICATOR_FIELDS, Indicator)
        )
    flat_parameters = [(f"{key}/{ind['key']}", par) for key, ind in flat_indicators for par in ind["parameters"]]
    for indicator_key, par in sorted(flat_parameters, key=lambda pair: pair[1]["order"]):
        parameters[f"{indicator_key}/{par['key']}"] = Parameter.objects.create(
            indicator=indicators[indicator_key], **_values(par, PARAMETER_FIELDS, Parameter)
        )

    for p in data["participations"]:
        Participation.objects.create(
            edition=edition,
            city=cities[p["city"]],
            signed_off_at=parse_datetime(p["signed_off_at"]) if p["signed_off_at"] else None,
            signed_off_by=users(p["signed_off_by"]),
        )

    for f in data.get("population_figures", []):
        PopulationFigure.objects.create(
            edition=edition, city=cities[f["city"]], **_values(f, POPULATION_FIGURE_FIELDS, PopulationFigure)
        )
    official_imports = _import_official_imports(edition, data.get("official_imports", []), parameters, users)

    bulk_create_with_history(
        [
            Answer(
                edition=edition,
                city=cities[a["city"]],
                parameter=parameters[a["parameter"]],
                updated_by=users(a["updated_by"]),
                reviewed_by=users(a["reviewed_by"]),
                researched_by=users(a.get("researched_by")),
                official_import=official_imports[a["official_import"]] if a.get("official_import") else None,
                **_values(a, ANSWER_FIELDS, Answer),
            )
            for a in data["answers"]
        ],
        Answer,
        batch_size=1000,
        default_change_reason="import",
    )
    answer_ids = {
        (city_id, parameter_id): pk
        for pk, city_id, parameter_id in Answer.objects.filter(edition=edition).values_list(
            "pk", "city_id", "parameter_id"
        )
    }
    for a in data["answers"]:
        for f in a["evidence_files"]:
            evidence = EvidenceFile(
                answer_id=answer_ids[cities[a["city"]].pk, parameters[a["parameter"]].pk],
                original_name=f["original_name"],
                content_type=f["content_type"],
                size=f["size"],
                sha256=f["sha256"],
                uploaded_by=users(f["uploaded_by"]),
            )
            evidence.file.name = f["path"]  # metadata only: the bytes are restored from the storage backup
            evidence.save()
            EvidenceFile.objects.filter(pk=evidence.pk).update(uploaded_at=parse_datetime(f["uploaded_at"]))

    for p in data["innovation_projects"]:
        InnovationProject.objects.create(
            edition=edition,
            city=cities[p["city"]],
            domain=domains[p["domain"]],
            awarded_by=users(p["awarded_by"]),
            **_values(p, PROJECT_FIELDS, InnovationProject),
        )

    if runs:
        input_hash = load_inputs(edition).input_hash()
        for run_data in runs:
            if run_data["code_version"] == CODE_VERSION and run_data["input_hash"] != input_hash:
                raise ValidationError(
                    f"The imported inputs of edition {year} hash to {input_hash[:12]}, the published run to "
                    f"{run_data['input_hash'][:12]}: the file was changed or a city's population here differs "
                    "from the file's. Nothing was imported."
                )
            _import_run(edition, run_data, cities, domains, indicators)
        transaction.on_commit(public_pages_refresh)
    return edition


def _import_official_imports(edition, rows: list[dict], parameters: dict, users) -> dict[str, OfficialImport]:
    """The official imports by their reference (`_official_import_ref`), their files' metadata only (the bytes
    are restored from the storage backup, like evidence files)."""
    imports = {}
    for row in rows:
        values = _values(row, OFFICIAL_IMPORT_FIELDS, OfficialImport)
        imported_at = values.pop("imported_at")
        official_import = OfficialImport(
            edition=edition, parameter=parameters[row["parameter"]], imported_by=users(row["imported_by"]), **values
        )
        official_import.file.name = row["path"]
        official_import.save()
        OfficialImport.objects.filter(pk=official_import.pk).update(imported_at=imported_at)
        imports[row["ref"]] = official_import
    return imports


def _import_cities(rows: list[dict]) -> dict[str, City]:
    """City by AGS: the existing one, or a new one from the file."""
    existing = {city.ags: city for city in City.objects.filter(ags__in=[row["ags"] for row in rows])}
    for row in rows:
        if row["ags"] not in existing:
            values = _values(row, CITY_FIELDS, City)
            if City.objects.filter(slug=values["slug"]).exists():
                raise ValidationError(f"City slug {values['slug']!r} (AGS {row['ags']}) is taken by another city.")
            existing[row["ags"]] = City.objects.create(**values)
    return existing


def _import_run(edition, data, cities, domains, indicators) -> ScoreRun:
    """The run and its result rows exactly as exported."""
    values = _values(data, RUN_FIELDS, ScoreRun)
    created_at = values.pop("created_at")
    run = ScoreRun.objects.create(edition=edition, **values)
    ScoreRun.objects.filter(pk=run.pk).update(created_at=created_at)
    CityScore.objects.bulk_create(
        (
            CityScore(
                run=run,
                city=cities[r["city"]],
                total=r["total"],
                rank=r["rank"],
                completeness=r["completeness"],
                previous_rank=r["previous_rank"],
            )
            for r in data["city_scores"]
        ),
        batch_size=2000,
    )
    DomainScore.objects.bulk_create(
        (
            DomainScore(
                run=run,
                city=cities[r["city"]],
                domain=domains[r["domain"]],
                score=r["score"],
                rank=r["rank"],
                bonus=r["bonus"],
                completeness=r["completeness"],
                previous_rank=r["previous_rank"],
            )
            for r in data["domain_scores"]
        ),
        batch_size=2000,
    )
    IndicatorScore.objects.bulk_create(
        (
            IndicatorScore(
                run=run,
                city=cities[r["city"]],
                indicator=indicators[r["indicator"]],
                raw=r["raw"],
                score=r["score"],
                rank=r["rank"],
            )
            for r in data["indicator_scores"]
        ),
        batch_size=2000,
    )
    run.refresh_from_db()
    return run
