"""The public page cache stays bounded: only the query parameters a page reads enter the key, unknown ones
never create entries (nor reach the page), and unbounded inputs (search, the simulator's hypothetical
answers) are computed for their reader but never stored."""

import gzip

import pytest
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache

from smartcity import page_cache
from smartcity.page_cache import GENERATION_KEY, page_cache_clear
from tests import factories
from tests.public.test_ranking import published_edition


def page_entries() -> int:
    """How many public pages the cache holds (the in-memory one of `make test`, or Redis in CI)."""
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        return len(backend._cache.get_client().keys(backend.make_key("public:page:*")))
    return sum(1 for key in backend._cache if ":public:page:" in key)


@pytest.fixture
def edition(editor):
    return published_edition(editor, cities=4, year=2040)


def test_unknown_parameters_create_no_entry_and_hit_the_page_without_them(client, edition):
    # given
    plain = client.get("/ranking/2040/")
    assert (plain["X-Cache"], page_entries()) == ("miss", 1)

    # when
    responses = [client.get(f"/ranking/2040/?utm_source=news{n}&junk={n}") for n in range(20)]

    # then
    assert {response["X-Cache"] for response in responses} == {"hit"}
    assert {response.content for response in responses} == {plain.content}
    assert page_entries() == 1


def test_unknown_parameters_on_a_cold_cache_never_reach_the_stored_page(client, edition):
    first = client.get("/ranking/2040/?utm_campaign=evil-link")
    again = client.get("/ranking/2040/")

    assert (first.status_code, first["X-Cache"], again["X-Cache"]) == (200, "miss", "hit")
    assert "evil-link" not in first.content.decode()  # the language links show the cleaned query
    assert page_entries() == 1


def test_filter_and_sort_variants_are_cached_each_once_whatever_their_order(client, edition):
    first = client.get("/ranking/2040/?land=Bayern&sortierung=mobilitaet")
    reordered = client.get("/ranking/2040/?sortierung=mobilitaet&land=Bayern&utm_source=x")
    repeated = client.get("/ranking/2040/?land=Berlin&land=Bayern&sortierung=mobilitaet")  # the last value counts
    other = client.get("/ranking/2040/?land=Bayern")

    assert [r.status_code for r in (first, reordered, repeated, other)] == [200] * 4
    assert [r["X-Cache"] for r in (first, reordered, repeated, other)] == ["miss", "hit", "hit", "miss"]
    assert page_entries() == 2


def test_a_submitted_empty_filter_form_is_cached_like_any_filter(client, edition):
    first = client.get("/ranking/2040/?land=&groesse=&suche=&sortierung=")
    again = client.get("/ranking/2040/?land=&groesse=&suche=&sortierung=")

    assert (first.status_code, first["X-Cache"], again["X-Cache"]) == (200, "miss", "hit")


def test_a_free_text_search_is_computed_but_never_stored(client, edition):
    city = factories.cities_of(edition)[0]

    searches = [client.get("/ranking/2040/", {"suche": city.name[: n + 1]}) for n in range(3)]
    searches.append(client.get("/ranking/2040/indikator/serviceportal/", {"suche": city.name}))

    assert [r.status_code for r in searches] == [200] * 4
    assert {r["X-Cache"] for r in searches} == {"bypass"}
    assert city.name in searches[0].content.decode()
    assert page_entries() == 0


def test_the_indicator_ranking_ignores_a_sort_parameter_it_does_not_read(client, edition):
    first = client.get("/ranking/2040/indikator/serviceportal/?land=Bayern")
    with_sort = client.get("/ranking/2040/indikator/serviceportal/?land=Bayern&sortierung=mobilitaet")

    assert (first["X-Cache"], with_sort["X-Cache"]) == ("miss", "hit")


def test_the_simulator_with_assumptions_is_not_cached_and_the_unmodified_page_is(client, edition):
    city = factories.cities_of(edition)[0]
    page = f"/simulator/2040/{city.slug}/"

    with_weights = [client.get(page, {"wd-verwaltung": "2"}) for _ in range(2)]
    with_answer = client.get(page, {"p-busse": "99"})
    assert [r.status_code for r in (*with_weights, with_answer)] == [200, 200, 200]
    assert {r["X-Cache"] for r in (*with_weights, with_answer)} == {"bypass"}
    assert page_entries() == 0

    plain = client.get(page)
    blank_assumption = client.get(page, {"p-busse": "", "utm_source": "x"})  # blank means "as published"
    assert (plain["X-Cache"], blank_assumption["X-Cache"]) == ("miss", "hit")
    assert page_entries() == 1


def test_the_comparison_keeps_its_cities_in_the_key_and_ignores_blank_picks(client, edition):
    first, second, third = (city.slug for city in factories.cities_of(edition)[:3])

    picked = client.get(f"/vergleich/2040/?stadt={first}&stadt={second}")
    with_blank_slots = client.get(f"/vergleich/2040/?stadt={first}&stadt=&stadt={second}&stadt=")
    other = client.get(f"/vergleich/2040/?stadt={first}&stadt={third}")
    nothing_picked = client.get("/vergleich/2040/?stadt=&stadt=")  # still "choose two", not the empty form

    assert [r.status_code for r in (picked, with_blank_slots, other)] == [200, 200, 200]
    assert [r["X-Cache"] for r in (picked, with_blank_slots, other)] == ["miss", "hit", "miss"]
    assert nothing_picked.status_code == 400
    assert page_entries() == 2


def test_pages_without_parameters_drop_every_query_parameter_from_the_key(client, edition):
    city = factories.cities_of(edition)[0]

    for url in ("/", f"/stadt/{city.slug}/", "/methodik/", "/daten/"):
        assert client.get(url)["X-Cache"] == "miss"
        assert client.get(f"{url}?fbclid=abc&page=2")["X-Cache"] == "hit"
    assert page_entries() == 4


def test_signed_in_readers_see_their_query_untouched_and_nothing_is_stored(client, edition, editor):
    client.force_login(editor)

    response = client.get("/ranking/2040/?land=Bayern&utm_source=x")

    assert response.status_code == 200
    assert "X-Cache" not in response
    assert page_entries() == 0


def test_a_cleared_page_is_rendered_again_and_replaces_the_old_entry(client, edition):
    # given
    first = client.get("/ranking/2040/")

    # when
    page_cache_clear()
    again = client.get("/ranking/2040/")
    then = client.get("/ranking/2040/")

    # then
    assert (first["X-Cache"], again["X-Cache"], then["X-Cache"]) == ("miss", "miss", "hit")
    assert page_entries() == 1


def test_a_hit_carries_the_etag_and_answers_a_conditional_request_with_304(client, edition):
    first = client.get("/ranking/2040/")
    hit = client.get("/ranking/2040/")
    conditional = client.get("/ranking/2040/", headers={"If-None-Match": first["ETag"]})

    assert first["ETag"] and hit["ETag"] == first["ETag"]
    assert (hit["X-Cache"], conditional.status_code) == ("hit", 304)


def test_a_client_accepting_gzip_gets_the_page_compressed_once_when_stored(client, edition):
    # given
    plain = client.get("/ranking/2040/")

    # when
    compressed = client.get("/ranking/2040/", headers={"Accept-Encoding": "gzip, deflate, br"})

    # then
    assert (plain["X-Cache"], compressed["X-Cache"]) == ("miss", "hit")
    assert "Content-Encoding" not in plain
    assert compressed["Content-Encoding"] == "gzip"
    assert gzip.decompress(compressed.content) == plain.content
    assert int(compressed["Content-Length"]) == len(compressed.content) < len(plain.content) / 3
    assert "Accept-Encoding" in plain["Vary"] and "Accept-Encoding" in compressed["Vary"]
    assert compressed["ETag"] == "W/" + plain["ETag"]


def test_the_first_reader_accepting_gzip_gets_it_compressed_too(client, edition):
    first = client.get("/ranking/2040/", headers={"Accept-Encoding": "gzip"})
    plain = client.get("/ranking/2040/")

    assert (first["X-Cache"], first["Content-Encoding"]) == ("miss", "gzip")
    assert gzip.decompress(first.content) == plain.content


@pytest.fixture
def shared_cache(monkeypatch):
    """The cache behaves as one shared between processes (Redis): each process trusts the generation briefly."""
    monkeypatch.setattr(page_cache, "_shared_cache", lambda: True)
    page_cache._generation.remember(None)
    page_cache._local.clear()
    yield
    page_cache._generation.remember(None)
    page_cache._local.clear()


def test_a_publish_in_another_process_is_seen_once_the_generation_is_no_longer_trusted(
    client, edition, shared_cache, monkeypatch
):
    # given: the page is cached; then another process publishes (a new generation in the shared cache)
    assert client.get("/ranking/2040/")["X-Cache"] == "miss"
    cache.set(GENERATION_KEY, "published-elsewhere", timeout=None)

    # when / then: within the trust window this process still serves its copy, afterwards it renders anew
    assert client.get("/ranking/2040/")["X-Cache"] == "hit"
    later = page_cache.time.monotonic() + page_cache.GENERATION_TRUST_SECONDS + 0.01
    monkeypatch.setattr(page_cache.time, "monotonic", lambda: later)
    assert client.get("/ranking/2040/")["X-Cache"] == "miss"
    assert client.get("/ranking/2040/")["X-Cache"] == "hit"


def test_a_publish_in_this_process_is_seen_at_once_with_a_shared_cache(client, edition, shared_cache):
    assert client.get("/ranking/2040/")["X-Cache"] == "miss"
    assert client.get("/ranking/2040/")["X-Cache"] == "hit"

    page_cache_clear()

    assert client.get("/ranking/2040/")["X-Cache"] == "miss"
