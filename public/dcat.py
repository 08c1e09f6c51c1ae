"""The open data's metadata after DCAT-AP.de (3.0) as JSON-LD: a dcat:Catalog of the published editions, a
dcat:Dataset per edition, a dcat:Distribution per file (CSV, JSON, the German Excel variant of the CSV).

Built as plain data (no RDF library at run time); tests/public/test_dcat.py parses it with rdflib and validates
it with pySHACL against the DCAT-AP 3.0 and DCAT-AP.de shapes in tests/data/dcat_ap_de/. Addresses are absolute
from settings.SITE_URL (never the request's Host); the publisher, contact, licence URI and contributor ID come
from settings (DCAT_*). Reads: the published runs with their editions (1 query), and the stored files' sizes
from their meta in storage (no query; a file not stored yet has no byteSize).
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.urls import reverse

from indicators.models import Edition
from public import opendata, published_files
from scoring import selectors
from scoring.models import ScoreRun
from smartcity import spreadsheet

CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "dcatde": "http://dcat-ap.de/def/dcatde/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
MEDIA_TYPE = "application/ld+json"

EU = "http://publications.europa.eu/resource/authority"
FILE_TYPES = {"csv": f"{EU}/file-type/CSV", "json": f"{EU}/file-type/JSON", opendata.EXCEL_DE: f"{EU}/file-type/CSV"}
IANA = "https://www.iana.org/assignments/media-types"
MEDIA_TYPES = {"csv": f"{IANA}/text/csv", "json": f"{IANA}/application/json", opendata.EXCEL_DE: f"{IANA}/text/csv"}
# Regions and cities; government and public sector (the EU data themes DCAT-AP.de uses).
THEMES = (f"{EU}/data-theme/REGI", f"{EU}/data-theme/GOVE")
GERMANY = f"{EU}/country/DEU"
GERMAN = f"{EU}/language/DEU"
FEDERAL_LEVEL = "http://dcat-ap.de/def/politicalGeocoding/Level/federal"

DATASET_TITLES = {
    opendata.RESULTS: ("Ergebnisse", "results"),
    opendata.ANSWERS: ("freigegebene Antworten", "approved answers"),
}
KIND_TITLES = {
    "csv": ("CSV", "CSV"),
    "json": ("JSON mit Kopf (Methodik, Katalog)", "JSON with header (methodology, catalogue)"),
    opendata.EXCEL_DE: ("CSV für Excel (Semikolon, Dezimalkomma)", "CSV for German Excel (semicolon, decimal comma)"),
}


def _url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _texts(german: str, english: str) -> list[dict]:
    return [{"@value": german, "@language": "de"}, {"@value": english, "@language": "en"}]


def _typed(value: str, datatype: str) -> dict:
    return {"@value": value, "@type": datatype}


def _ref(iri: str, rdf_type: str) -> dict:
    return {"@id": iri, "@type": rdf_type}


def _publisher() -> dict:
    agent = {
        "@id": _url("/#publisher"),
        "@type": "foaf:Agent",
        "foaf:name": settings.DCAT_PUBLISHER_NAME,
    }
    if settings.DCAT_PUBLISHER_URL:
        agent["foaf:homepage"] = _ref(settings.DCAT_PUBLISHER_URL, "foaf:Document")
    return agent


def _contact_point() -> dict:
    return {
        # vcard:Kind as well: the shapes ask for it, and a validator without the vCard ontology does not infer it.
        "@type": ["vcard:Organization", "vcard:Kind"],
        "vcard:fn": settings.DCAT_PUBLISHER_NAME,
        "vcard:hasEmail": {"@id": f"mailto:{settings.DCAT_CONTACT_EMAIL}"},
    }


def _license() -> dict:
    return _ref(settings.DCAT_LICENSE_URI, "dct:LicenseDocument")


def _period(edition: Edition) -> dict:
    """The edition's collection period when both dates are set, else its year."""
    if edition.collection_opens and edition.collection_closes:
        start, end = edition.collection_opens, edition.collection_closes
    else:
        start, end = date(edition.year, 1, 1), date(edition.year, 12, 31)
    return {
        "@type": "dct:PeriodOfTime",
        "dcat:startDate": _typed(start.isoformat(), "xsd:date"),
        "dcat:endDate": _typed(end.isoformat(), "xsd:date"),
    }


def _distribution(edition: Edition, run: ScoreRun, analysis: int | None, dataset: str, kind: str) -> dict:
    fmt = "csv" if kind == opendata.EXCEL_DE else kind
    path = reverse("public:open_data_file", args=[edition.year, dataset, fmt])
    if kind == opendata.EXCEL_DE:
        path += f"?{spreadsheet.VARIANT_PARAMETER}={spreadsheet.EXCEL_DE}"
    url = _url(path)
    dataset_de, dataset_en = DATASET_TITLES[dataset]
    kind_de, kind_en = KIND_TITLES[kind]
    distribution = {
        "@id": _url(reverse("v1:public-edition-dcat", args=[edition.year])) + f"#{dataset}-{kind}",
        "@type": "dcat:Distribution",
        "dct:title": _texts(f"{edition.title}: {dataset_de} ({kind_de})", f"{edition.title}: {dataset_en} ({kind_en})"),
        "dcat:accessURL": {"@id": url},
        "dcat:downloadURL": {"@id": url},
        "dct:format": _ref(FILE_TYPES[kind], "dct:MediaTypeOrExtent"),
        "dcat:mediaType": _ref(MEDIA_TYPES[kind], "dct:MediaType"),
        "dct:license": _license(),
    }
    stored = published_files.read_stored(
        published_files.storage_name(edition, run, analysis, dataset, kind), dataset, kind, edition.year
    )
    if stored is not None:
        distribution["dcat:byteSize"] = _typed(str(stored.size), "xsd:nonNegativeInteger")
    if run.published_at:
        distribution["dct:issued"] = _typed(run.published_at.isoformat(), "xsd:dateTime")
    return distribution


def dataset(edition: Edition, run: ScoreRun) -> dict:
    """The dcat:Dataset of a published edition with its distributions."""
    demo_de = " Demodaten: synthetische Antworten, keine echten Ergebnisse." if edition.is_demo else ""
    demo_en = " Demo data: synthetic answers, not real results." if edition.is_demo else ""
    description = _texts(
        f"Ergebnisse (Gesamtwert, Rang, Werte je Themenbereich und Indikator) und freigegebene Antworten aller "
        f"Städte der Ausgabe {edition.year} des Smart City Index, mit Methodik und Katalog.{demo_de}",
        f"Results (total, rank, scores per domain and indicator) and approved answers of every city in the "
        f"{edition.year} edition of the Smart City Index, with methodology and catalogue.{demo_en}",
    )
    landing = _url(reverse("public:ranking", args=[edition.year]))
    analysis = run.uncertainty.pk if hasattr(run, "uncertainty") else None
    item = {
        "@id": _url(reverse("v1:public-edition-dcat", args=[edition.year])) + "#dataset",
        "@type": "dcat:Dataset",
        "dct:identifier": f"smart-city-index-{edition.year}",
        "dct:title": _texts(edition.title, f"Smart City Index {edition.year}"),
        "dct:description": description,
        "dct:publisher": _publisher(),
        "dcat:contactPoint": _contact_point(),
        "dct:license": _license(),
        "dct:language": _ref(GERMAN, "dct:LinguisticSystem"),
        "dct:spatial": _ref(GERMANY, "dct:Location"),
        "dcatde:politicalGeocodingLevelURI": {"@id": FEDERAL_LEVEL},
        "dct:temporal": _period(edition),
        "dcat:theme": [_ref(theme, "skos:Concept") for theme in THEMES],
        "dcat:keyword": [{"@value": word, "@language": "de"} for word in ("Smart City", "Digitalisierung", "Ranking")],
        "dcat:landingPage": _ref(landing, "foaf:Document"),
        "dcat:distribution": [
            _distribution(edition, run, analysis, name, kind) for name in opendata.DATASETS for kind in opendata.KINDS
        ],
    }
    published_at = run.published_at or edition.published_at
    if published_at:
        item["dct:issued"] = _typed(published_at.isoformat(), "xsd:dateTime")
        item["dct:modified"] = _typed(published_at.isoformat(), "xsd:dateTime")
    if settings.DCAT_CONTRIBUTOR_ID:
        item["dcatde:contributorID"] = {"@id": settings.DCAT_CONTRIBUTOR_ID}
    return item


def _runs(year: int | None = None) -> list[ScoreRun]:
    """The published runs of public editions (of `year`), with edition and analysis, newest first (1 query)."""
    runs = selectors.published_runs().select_related("edition", "uncertainty")
    if year is not None:
        runs = runs.filter(edition__year=year)
    return list(runs)


def catalogue(year: int | None = None) -> dict | None:
    """The JSON-LD catalogue of every published edition, or of the edition of `year` alone (None when that is not
    published). 1 query."""
    runs = _runs(year)
    if year is not None and not runs:
        return None
    catalog = {
        "@id": _url(reverse("v1:public-dcat-catalog")) + "#catalog",
        "@type": "dcat:Catalog",
        "dct:title": _texts("Smart City Index: offene Daten", "Smart City Index: open data"),
        "dct:description": _texts(
            "Die veröffentlichten Ausgaben des Smart City Index, des Digitalrankings der deutschen Großstädte.",
            "The published editions of the Smart City Index, the digital ranking of Germany's major cities.",
        ),
        "dct:publisher": _publisher(),
        "dct:language": _ref(GERMAN, "dct:LinguisticSystem"),
        "dct:license": _license(),
        "dct:spatial": _ref(GERMANY, "dct:Location"),
        "foaf:homepage": _ref(_url(reverse("public:open_data")), "foaf:Document"),
        "dcat:dataset": [dataset(run.edition, run) for run in runs],
    }
    newest = max((run.published_at for run in runs if run.published_at), default=None)
    if newest:
        catalog["dct:modified"] = _typed(newest.isoformat(), "xsd:dateTime")
    return {"@context": CONTEXT, **catalog}
