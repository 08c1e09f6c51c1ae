"""bench/portal.py (issue 17): its table of floors and targets, the bench-only floor views (never in the app's
URLs), and the reading of the questionnaire's row forms that its autosave relies on. No timing here."""

import importlib.util
import sys
from pathlib import Path

import pytest
from django.test import override_settings
from django.urls import Resolver404, resolve, reverse

from indicators.models import Answer, Parameter
from tests import factories

BENCH = Path(__file__).resolve().parent.parent / "bench"


def load(name: str):
    """A bench script as a module (bench/ is no package; its scripts import each other by name)."""
    if str(BENCH) not in sys.path:
        sys.path.insert(0, str(BENCH))
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


portal = load("portal")


def test_every_target_has_a_known_floor_and_the_bound_the_issue_sets():
    bounds = {
        key: (target.floor, target.max_ratio, target.max_queries, target.gzip_required, target.scale)
        for key, target in portal.TARGETS.items()
    }
    assert bounds == {
        "questionnaire": ("minimal_questionnaire", 3.0, None, True, True),
        "autosave": ("trivial_post", 10.0, 12, False, True),
        "queue": ("city_changelist", 2.0, None, False, True),
        "queue_flag": ("city_changelist", 2.0, None, False, True),
        "queue_search": ("city_changelist", 2.0, None, False, True),
        "queue_sort": ("city_changelist", 2.0, None, False, True),
        "answers_csv": ("trivial_get_anonymous", 5.0, None, False, False),
        "answers_json": ("trivial_get_anonymous", 5.0, None, False, False),
        "city_profile": ("trivial_get_anonymous", 50.0, None, False, False),
    }
    assert set(portal.FLOORS) == {
        "trivial_get",
        "trivial_get_anonymous",
        "trivial_post",
        "minimal_questionnaire",
        "city_changelist",
    }
    assert all(key == floor.key for key, floor in portal.FLOORS.items())
    assert all(key == target.key for key, target in portal.TARGETS.items())
    labels = [target.label for target in portal.TARGETS.values()]
    assert len(set(labels)) == len(labels)


def test_a_target_is_described_by_its_floor_and_bounds_and_judged_by_all_of_them():
    autosave = portal.TARGETS["autosave"]
    questionnaire = portal.TARGETS["questionnaire"]
    assert autosave.describe() == "<= 10 x trivial POST, signed in, <= 12 queries"
    assert questionnaire.describe() == "<= 3 x minimal questionnaire, gzip on the wire"
    assert portal.verdict(autosave, 9.9, 12, False) == "PASS"
    assert portal.verdict(autosave, 9.9, 13, False) == "MISS"
    assert portal.verdict(autosave, 10.1, 5, False) == "MISS"
    assert portal.verdict(questionnaire, 2.5, 40, True) == "PASS"
    assert portal.verdict(questionnaire, 2.5, 40, False) == "MISS"


def test_a_report_row_shows_median_ratio_queries_and_sizes():
    row = {
        "key": "autosave",
        "label": "autosave POST",
        "signed_in": True,
        "page_ms": [30.0, 10.0, 20.0],
        "floor_ms": [2.0, 2.0, 3.0],
        "queries": 11,
        "bytes": 2048,
        "gzip_bytes": 512,
        "compressed": False,
    }
    assert portal.format_row(row, 4.0) == (
        "| autosave POST | 20.0 | 30.0 | 3 | trivial POST, signed in | 2.00 | 10.0 | 5 | 11 | 2.0 | 0.5* "
        "| <= 10 x trivial POST, signed in, <= 12 queries | PASS |"
    )


def test_the_form_reader_sends_what_a_browser_sends():
    html = """
    <form method="post" action="/save/a/"><input type="hidden" name="csrfmiddlewaretoken" value="t">
      <input type="radio" name="a-value" value="ja"><input type="radio" name="a-value" value="nein" checked>
      <select name="a-unit"><option value="x">X</option><option value="y" selected>Y</option></select>
      <textarea name="a-note">
zwei Zeilen</textarea><input type="file" name="a-file"><input type="hidden" name="a-version" value="3">
      <button type="submit">Speichern</button></form>
    <form action="/other/"><select name="b"><option value="first">1</option></select></form>
    <input name="outside" value="ignored">
    """
    forms = portal.read_forms(html)
    assert forms == {
        "/save/a/": [
            ("csrfmiddlewaretoken", "t"),
            ("a-value", "nein"),
            ("a-unit", "y"),
            ("a-note", "zwei Zeilen"),
            ("a-version", "3"),
        ],
        "/other/": [("b", "first")],
    }
    assert portal.value_field(forms["/save/a/"]) == "a-value"
    assert portal.version_of(forms["/save/a/"]) == "3"
    assert portal.version_of(forms["/other/"]) is None
    with pytest.raises(RuntimeError, match="no value field"):
        portal.value_field(forms["/other/"])


@pytest.mark.django_db
def test_the_autosave_posts_a_row_as_read_from_the_questionnaire_page(client, edition, city, staff):
    """What the bench's autosave does, against the real questionnaire: a row's form read from the page,
    its value replaced, posted with htmx; the answer is saved and the returned row has the next version."""
    load_prepare = load("load_prepare")
    parameter = factories.parameter(edition, "busse")
    save_url = reverse("indicators:answer_save", args=[city.slug, edition.year, parameter.key])
    client.force_login(staff)
    page = client.get(reverse("indicators:questionnaire", args=[city.slug, edition.year]))
    fields = dict(portal.read_forms(page.content.decode())[save_url])
    fields[portal.value_field(list(fields.items()))] = load_prepare.two_values(parameter)[0]

    response = client.post(save_url, fields, headers={"HX-Request": "true"})

    answer = Answer.objects.get(city=city, parameter=parameter)
    assert (response.status_code, answer.value_number, answer.version) == (200, 1, 1)
    saved = portal.read_forms(response.content.decode())[save_url]
    assert portal.version_of(saved) == "1"


def bench_urls():
    simulator = load("simulator")
    return simulator.floor_urlconf(portal.bench_urlpatterns(), name="tests_bench_portal_urls")


def test_the_queue_is_sorted_by_the_columns_the_bench_names():
    from indicators.admin.review import AnswerAdmin

    # Django numbers the columns from the row checkbox (0): o=1 is list_display[0]
    assert portal.sort_param("city") == "1" and AnswerAdmin.list_display[0] == "city"
    assert portal.sort_param("-updated_at") == f"-{AnswerAdmin.list_display.index('updated_at') + 1}"


def test_the_floor_views_are_not_in_the_apps_urls():
    for path in ("/bench/trivial/", "/bench/anonymous/", "/bench/post/", "/bench/questionnaire/x/2030/"):
        with pytest.raises(Resolver404):
            resolve(path)


@pytest.mark.django_db
def test_the_minimal_questionnaire_shows_a_members_rows_and_nobody_elses(client, edition, city, staff, other_staff):
    factories.AnswerFactory(edition=edition, city=city, parameter=factories.parameter(edition, "busse"))
    url = f"/bench/questionnaire/{city.slug}/{edition.year}/"
    with override_settings(ROOT_URLCONF=bench_urls()):
        assert client.get(url).status_code == 302  # anonymous: to the login
        client.force_login(other_staff)
        assert client.get(url).status_code == 404
        client.force_login(staff)
        page = client.get(url)
        assert client.get("/bench/post/").status_code == 405
        assert client.post("/bench/post/").content == b"ok"
    rows = Parameter.objects.filter(indicator__domain__edition=edition).count()
    assert (page.status_code, page.content.decode().count('<p id="p-'), rows) == (200, 5, 5)
