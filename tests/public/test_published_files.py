"""The published open data files in storage: written once after a publish, served with their ETag, gzipped copy
and length, rebuilt when missing, never for an unpublished edition."""

import gzip
import hashlib

import pytest
from django.core.files.storage import storages

from indicators.models import Edition
from public import opendata, published_files
from scoring.models import ScoreRun
from scoring.services import edition_publish, scores_recompute
from scoring.tasks import scores_reconcile
from smartcity.page_cache import page_cache_clear
from tests import factories
from tests.public.test_open_data import FILES, file_content
from tests.public.test_uncertainty import analyse_around_ranks
from tests.scoring.test_services import answer_all


def published_with_files(editor, django_capture_on_commit_callbacks, *, cities: int = 4) -> Edition:
    edition = factories.small_edition(cities=cities, year=2040, phase=Edition.Phase.REVIEW)
    answer_all(edition)
    with django_capture_on_commit_callbacks(execute=True):
        edition_publish(user=editor, edition=edition)
    edition.refresh_from_db()
    return edition


def stored_names() -> list[str]:
    storage = storages["published"]
    names = []
    if not storage.exists(""):
        return names
    for year in storage.listdir("")[0]:
        for folder in storage.listdir(year)[0]:
            names += [f"{year}/{folder}/{name}" for name in storage.listdir(f"{year}/{folder}")[1]]
    return sorted(names)


@pytest.mark.parametrize(("dataset", "fmt"), FILES)
def test_a_publish_writes_every_file_whose_served_bytes_equal_what_the_builder_produces(
    client, editor, django_capture_on_commit_callbacks, dataset, fmt
):
    # given
    edition = published_with_files(editor, django_capture_on_commit_callbacks)
    run = ScoreRun.objects.get(edition=edition, is_published=True)

    # when
    response = client.get(f"/daten/2040/{dataset}.{fmt}")

    # then: the bytes the view built on every request before (public.opendata.build_file)
    expected = opendata.build_file(edition, run, dataset, fmt).content.encode("utf-8")
    assert response.status_code == 200
    assert file_content(response) == expected
    assert response["Content-Length"] == str(len(expected))
    assert response["ETag"] == f'"{hashlib.md5(expected, usedforsecurity=False).hexdigest()}"'
    assert response["Content-Type"] == opendata.CONTENT_TYPES[fmt]
    disposition = "attachment" if fmt == "csv" else "inline"
    assert response["Content-Disposition"] == f'{disposition}; filename="smart-city-index-2040-{dataset}.{fmt}"'
    assert "Accept-Encoding" in response["Vary"]
    assert len(stored_names()) == 18  # 6 files (CSV, JSON, Excel CSV of 2 datasets), each with .gz and meta


def test_a_file_is_gzipped_for_a_client_that_accepts_it_with_a_weak_etag(
    client, editor, django_capture_on_commit_callbacks
):
    edition = published_with_files(editor, django_capture_on_commit_callbacks)
    run = ScoreRun.objects.get(edition=edition, is_published=True)
    plain = client.get("/daten/2040/answers.json")

    response = client.get("/daten/2040/answers.json", HTTP_ACCEPT_ENCODING="gzip, deflate")

    body = file_content(response)
    assert response["Content-Encoding"] == "gzip"
    assert response["Content-Length"] == str(len(body))
    assert response["ETag"] == f"W/{plain['ETag']}"
    assert gzip.decompress(body) == opendata.build_file(edition, run, "answers", "json").content.encode("utf-8")


@pytest.mark.parametrize("encoding", ["", "gzip"])
def test_a_matching_if_none_match_answers_304_without_a_body(
    client, editor, django_capture_on_commit_callbacks, encoding
):
    published_with_files(editor, django_capture_on_commit_callbacks)
    etag = client.get("/daten/2040/results.csv", HTTP_ACCEPT_ENCODING=encoding)["ETag"]

    response = client.get("/daten/2040/results.csv", HTTP_ACCEPT_ENCODING=encoding, HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == 304
    assert response["ETag"] == etag


def test_a_file_deleted_from_storage_is_rebuilt_once_with_the_same_bytes(
    client, editor, django_capture_on_commit_callbacks, django_assert_num_queries
):
    # given: the stored files lost (a restore from backup without the media folder)
    published_with_files(editor, django_capture_on_commit_callbacks)
    before = file_content(client.get("/daten/2040/answers.csv"))
    storage = storages["published"]
    for name in stored_names():
        storage.delete(name)

    # when: the first request builds it (the storage name, the run with its edition, + 6 to build)
    with django_assert_num_queries(8):
        rebuilt = client.get("/daten/2040/answers.csv")
    # then: stored again, the next request reads it without a query (its description remembered)
    with django_assert_num_queries(0):
        again = client.get("/daten/2040/answers.csv")
    assert file_content(rebuilt) == file_content(again) == before
    assert len(stored_names()) == 3


def test_the_periodic_reconcile_writes_the_missing_files(client, editor, django_capture_on_commit_callbacks):
    published_with_files(editor, django_capture_on_commit_callbacks)
    for name in stored_names():
        storages["published"].delete(name)

    scores_reconcile()

    assert len(stored_names()) == 18


def test_an_analysis_of_the_published_run_gives_the_results_a_new_file(
    client, editor, django_capture_on_commit_callbacks
):
    # given: the files before this analysis
    edition = published_with_files(editor, django_capture_on_commit_callbacks)
    before = client.get("/daten/2040/results.csv")["ETag"]

    # when: an analysis stored (the service then refreshes the public pages, as here)
    analyse_around_ranks(edition)
    page_cache_clear()

    # then: a new file under a new name, with this analysis's intervals
    after = client.get("/daten/2040/results.csv")
    run = ScoreRun.objects.get(edition=edition, is_published=True)
    assert after["ETag"] != before
    assert file_content(after) == opendata.build_file(edition, run, "results", "csv").content.encode("utf-8")


@pytest.mark.parametrize(("dataset", "fmt"), FILES)
def test_an_edition_in_review_has_no_file_even_with_a_run(client, editor, dataset, fmt):
    review = factories.small_edition(cities=2, year=2041, phase=Edition.Phase.REVIEW)
    answer_all(review)
    scores_recompute(edition=review)

    assert client.get(f"/daten/2041/{dataset}.{fmt}").status_code == 404
    assert published_files.published_files_write() == []
    assert stored_names() == []


def test_a_file_is_served_without_a_query_until_the_public_pages_are_cleared(
    client, editor, django_capture_on_commit_callbacks, django_assert_num_queries
):
    # given
    published_with_files(editor, django_capture_on_commit_callbacks)
    client.get("/daten/2040/results.json")
    with django_assert_num_queries(0):
        remembered = client.get("/daten/2040/results.json")

    # when: the public pages cleared (as after any publish)
    page_cache_clear()

    # then: the published run's storage name again (one query), the same file
    with django_assert_num_queries(1):
        found = client.get("/daten/2040/results.json")
    assert file_content(remembered) == file_content(found)
    assert remembered["ETag"] == found["ETag"]


def test_an_edition_taken_back_from_publication_has_no_file_once_the_pages_are_cleared(
    client, editor, django_capture_on_commit_callbacks
):
    edition = published_with_files(editor, django_capture_on_commit_callbacks)
    assert client.get("/daten/2040/results.csv").status_code == 200

    Edition.objects.filter(pk=edition.pk).update(phase=Edition.Phase.REVIEW)
    page_cache_clear()

    assert client.get("/daten/2040/results.csv").status_code == 404


def test_a_remembered_description_is_dropped_by_a_clear_so_a_withdrawn_edition_is_404_at_once(
    client, editor, django_capture_on_commit_callbacks, django_assert_num_queries
):
    # given: the file served and its description remembered in this process
    edition = published_with_files(editor, django_capture_on_commit_callbacks)
    client.get("/daten/2040/answers.json")
    with django_assert_num_queries(0):
        assert client.get("/daten/2040/answers.json").status_code == 200

    # when: the edition taken back, the public pages cleared
    Edition.objects.filter(pk=edition.pk).update(phase=Edition.Phase.REVIEW)
    page_cache_clear()

    # then: looked up again (one query) and not found
    with django_assert_num_queries(1):
        assert client.get("/daten/2040/answers.json").status_code == 404
    assert published_files.remembered(2040, "answers", "json") is None


def test_a_file_whose_bytes_are_gone_but_its_meta_is_left_is_built_and_stored_again(
    client, editor, django_capture_on_commit_callbacks
):
    # given: the file served once (its description read), then its bytes lost, its meta left behind
    published_with_files(editor, django_capture_on_commit_callbacks)
    before = file_content(client.get("/daten/2040/answers.json", HTTP_ACCEPT_ENCODING="identity"))
    storage = storages["published"]
    for name in stored_names():
        if name.endswith("answers.json") or name.endswith("answers.json.gz"):
            storage.delete(name)
    page_cache_clear()

    # when
    response = client.get("/daten/2040/answers.json", HTTP_ACCEPT_ENCODING="identity")

    # then: the same bytes, stored again with their gzipped copy and meta
    assert response.status_code == 200
    assert file_content(response) == before
    assert len([name for name in stored_names() if "answers.json" in name]) == 3
