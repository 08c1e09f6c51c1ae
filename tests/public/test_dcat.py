"""The open data's metadata after DCAT-AP.de (issue 18): JSON-LD at stable addresses, valid against the DCAT-AP 3.0
and DCAT-AP.de SHACL shapes (tests/data/dcat_ap_de/, validated with pySHACL), linked from the open data page."""

import json
import re
from functools import cache
from pathlib import Path

import pytest
from pyshacl import validate
from rdflib import RDF, Graph, Literal, Namespace, URIRef

from indicators.models import Edition
from public import published_files
from tests import factories
from tests.public.test_open_data import published_edition

SHAPES = Path(__file__).resolve().parent.parent / "data" / "dcat_ap_de"
SHAPE_FILES = (
    "dcat-ap-SHACL.ttl",
    "dcat-ap-SHACL-DE.ttl",
    "dcat-ap-spec-german-additions.ttl",
    "dcat-ap-de-deprecated.ttl",
    "dcat-ap-de-controlledvocabularies.ttl",
)
DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCT = Namespace("http://purl.org/dc/terms/")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
DCATDE = Namespace("http://dcat-ap.de/def/dcatde/")
CONTRIBUTOR = "http://dcat-ap.de/def/contributors/smartCityIndexTest"


@cache
def shapes() -> Graph:
    graph = Graph()
    for name in SHAPE_FILES:
        graph.parse(SHAPES / name, format="turtle")
    return graph


def data_graph(content: bytes | str) -> Graph:
    """The metadata as RDF, with the vocabulary facts the validator would import (vocabularies-excerpt.ttl)."""
    graph = Graph().parse(data=content, format="json-ld")
    graph.parse(SHAPES / "vocabularies-excerpt.ttl", format="turtle")
    return graph


def violations(graph: Graph) -> tuple[bool, str]:
    """(whether it conforms, the report's text): strict, a warning fails it as a violation does."""
    conforms, _report, text = validate(graph, shacl_graph=shapes(), inference="none", allow_warnings=False)
    return conforms, text


@pytest.fixture
def catalogue(client, editor):
    published_edition(editor, year=2039)
    published_edition(editor, year=2040, is_demo=True)
    factories.small_edition(cities=2, year=2041, phase=Edition.Phase.REVIEW)
    published_files.published_files_write()
    return client.get("/api/v1/dcat.jsonld")


def test_the_catalogue_is_valid_dcat_ap_de(catalogue):
    assert catalogue.status_code == 200
    assert catalogue["Content-Type"] == "application/ld+json"

    conforms, report = violations(data_graph(catalogue.content))

    assert conforms, report


def test_the_catalogue_describes_every_published_edition_with_its_files(client, catalogue, settings):
    settings.DCAT_CONTRIBUTOR_ID = CONTRIBUTOR  # as GovData assigns it (a made-up one here: a warning, not checked)
    graph = data_graph(client.get("/api/v1/dcat.jsonld").content)

    datasets = sorted(graph.subjects(RDF.type, DCAT.Dataset))
    assert [str(dataset) for dataset in datasets] == [
        "http://127.0.0.1:8000/api/v1/editions/2039/dcat.jsonld#dataset",
        "http://127.0.0.1:8000/api/v1/editions/2040/dcat.jsonld#dataset",
    ]
    dataset = datasets[1]
    titles = {title.language: str(title) for title in graph.objects(dataset, DCT.title)}
    assert titles == {"de": "Smart City Index 2040", "en": "Smart City Index 2040"}
    descriptions = {text.language: str(text) for text in graph.objects(dataset, DCT.description)}
    assert "Demodaten" in descriptions["de"] and "Demo data" in descriptions["en"]
    assert graph.value(dataset, DCT.license) == URIRef("http://dcat-ap.de/def/licenses/cc-by/4.0")
    assert graph.value(dataset, DCATDE.contributorID) == URIRef(CONTRIBUTOR)
    publisher = graph.value(dataset, DCT.publisher)
    assert graph.value(publisher, RDF.type) == FOAF.Agent
    assert graph.value(publisher, FOAF.name) == Literal(settings.DCAT_PUBLISHER_NAME)
    period = graph.value(dataset, DCT.temporal)
    assert (str(graph.value(period, DCAT.startDate)), str(graph.value(period, DCAT.endDate))) == (
        "2040-01-01",
        "2040-12-31",
    )
    assert graph.value(dataset, DCT.spatial) == URIRef("http://publications.europa.eu/resource/authority/country/DEU")
    downloads = sorted(
        str(graph.value(distribution, DCAT.downloadURL)) for distribution in graph.objects(dataset, DCAT.distribution)
    )
    base = "http://127.0.0.1:8000/daten/2040"
    assert downloads == [
        f"{base}/answers.csv",
        f"{base}/answers.csv?variant=excel-de",
        f"{base}/answers.json",
        f"{base}/results.csv",
        f"{base}/results.csv?variant=excel-de",
        f"{base}/results.json",
    ]
    for distribution in graph.objects(dataset, DCAT.distribution):
        size = int(graph.value(distribution, DCAT.byteSize))
        url = str(graph.value(distribution, DCAT.downloadURL)).removeprefix("http://127.0.0.1:8000")
        assert size == len(b"".join(client.get(url).streaming_content))


def test_one_editions_metadata_has_its_dataset_alone_and_an_unpublished_one_is_404(client, catalogue):
    one = client.get("/api/v1/editions/2039/dcat.jsonld")
    review = client.get("/api/v1/editions/2041/dcat.jsonld")
    nonsense = client.get("/api/v1/editions/abc/dcat.jsonld")

    assert one.status_code == 200
    graph = data_graph(one.content)
    assert [str(dataset) for dataset in graph.subjects(RDF.type, DCAT.Dataset)] == [
        "http://127.0.0.1:8000/api/v1/editions/2039/dcat.jsonld#dataset"
    ]
    assert violations(graph)[0]
    assert (review.status_code, nonsense.status_code) == (404, 404)
    assert review.json()["message"] == "Es gibt keine veröffentlichte Ausgabe 2041."


def test_the_validator_reports_a_dataset_without_a_description(catalogue):
    # given: the valid catalogue with one dataset's description taken out (a mandatory property)
    data = json.loads(catalogue.content)
    del data["dcat:dataset"][0]["dct:description"]

    conforms, report = violations(data_graph(json.dumps(data)))

    assert not conforms
    assert re.search(
        r"Focus Node: <[^>]+/editions/20\d\d/dcat\.jsonld#dataset>\s+Result Path: dcterms:description", report
    )


def test_a_licence_outside_the_vocabulary_is_a_violation(client, editor, settings):
    settings.DCAT_LICENSE_URI = "https://example.org/my-own-licence"
    published_edition(editor)

    conforms, report = violations(data_graph(client.get("/api/v1/dcat.jsonld").content))

    assert not conforms
    assert "dcat:Distribution: dcterms:license SOLL folgendes Vokabular benutzen" in report


def test_the_catalogue_runs_one_query_whatever_the_number_of_editions(client, editor, django_assert_num_queries):
    for year in (2038, 2039, 2040):
        published_edition(editor, year=year, cities=2)

    with django_assert_num_queries(1):
        response = client.get("/api/v1/dcat.jsonld")

    assert len(json.loads(response.content)["dcat:dataset"]) == 3


def test_the_open_data_page_links_the_metadata(client, editor):
    published_edition(editor)

    content = client.get("/daten/").content.decode()

    assert 'href="/api/v1/dcat.jsonld" type="application/ld+json"' in content
    assert 'href="/api/v1/editions/2040/dcat.jsonld" type="application/ld+json"' in content
