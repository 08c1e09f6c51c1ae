"""Benchmark of the pages people work in (issue 17): questionnaire, autosave, review queue, published files,
city profile; each against a floor measured in the same run through the same middleware.

Usage, from the repository root (PostgreSQL at 127.0.0.1:5432, user postgres; Redis at 127.0.0.1:6379):

    python bench/portal.py [--database bench_portal] [--redis-db 9] [--repeat 15] [--budget 8] [--no-scale]

Set-up (not timed): a database DATABASE (dropped and created fresh, dropped again at the end) gets the demo
(``seed_demo``: the 82 real cities x 162 parameters x 3 editions, two published, 2024 collecting), and a second
one, DATABASE_scale, the same demo with 918 synthetic cities added first (bench/recompute.py's
``create_cities``), so its three editions have 1,000 cities; each is then vacuumed and analysed (the planner's
statistics of a database in steady state). Redis db REDIS_DB is flushed before each.
The static files are collected into a temporary folder (as in production: hashed names).

Measured (in a child process per database, Django with DEBUG off and the real settings: PostgreSQL, Redis
cache, sessions; requests through Django's test client and the whole middleware stack, over "HTTPS",
CSRF enforced, ``Accept-Encoding: gzip`` as browsers send it):

* questionnaire GET of Bochum's collecting edition, every one of the 162 parameters answered (the missing
  rows are filled first through the autosave itself), signed in as the demo staff user ``bochum``;
* autosave POST (htmx) of one answer row, alternating two valid values on a few numeric rows; the POST data
  is read from the row's form on the page (whatever its fields are);
* the admin review queue of the collecting edition as the demo reviewer (100 rows), and with each flag
  filter the queue offers (read from the page's filter links, ``flag=...``), searched (by the city's name, by
  a parameter's key, for a term nothing matches) and sorted by city, status and last change;
* ``answers.csv`` / ``answers.json`` of the newest published edition and Bochum's city profile of it,
  anonymous, each a miss of the public page cache (``page_cache_clear()`` before every request, untimed;
  nothing else is cleared).

Floors, measured interleaved with the page they are the reference of (one floor request, one page request,
repeated), so that a busy machine slows both alike; the views exist only in this process (a bench-only
URLconf set with ``override_settings(ROOT_URLCONF=...)``, bench/simulator.py's ``floor_urlconf``), never in
the app's URLs:

* ``trivial GET``: a constant, signed in as the same user (also printed for every signed-in page);
* ``trivial GET, anonymous``: a constant, anonymous;
* ``trivial POST``: a constant answering a signed-in POST with the same CSRF token;
* ``minimal questionnaire``: the same 162 parameters and the city's answers (two queries, plus the
  membership check) in a minimal template: one line per parameter with its name, value, status, source,
  note, Stand and one plain input; no forms, widgets or ``{% url %}``;
* ``City changelist``: the admin's plain City list as the same reviewer.

For every row it prints the median and 90th percentile, the ratio to its floor, the number of queries (of
one untimed request), the response size as sent and its gzip size (``*``: the server did not compress; the
size gzip would give), the issue's target and PASS/MISS, and the load average. Repetitions: --repeat per row at
most, within --budget seconds per row, at least one after a warm-up; a row whose warm-up request alone
takes longer than the budget is timed by that one request. Timings never decide a test; the script exits 0 once it has
printed its report and only fails on a crash (or a page answering other than 200).

Scale check (DATABASE_scale): the questionnaire, autosave and queue again at 1,000 cities (of the flag
filters, ``outlier`` and ``evidence_missing``, the two the issue timed; the run stays bounded).
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode

REPO = Path(__file__).resolve().parent.parent
PG_ADMIN_DSN = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_HOST = "127.0.0.1:5432"
REDIS_HOST = "127.0.0.1:6379"
DEMO_CITIES = 82
SCALE_CITIES = 1000
CITY = "bochum"  # indicators/demo.py: its staff user has the same name
STAFF_USER = "bochum"
REVIEWER = "pruefer"
AUTOSAVE_ROWS = 4  # numeric rows the autosave goes round
CHILD_TIMEOUT_S = 40 * 60


@dataclass(frozen=True)
class Floor:
    key: str
    label: str


@dataclass(frozen=True)
class Target:
    """One measured path: its floor (a key of FLOORS), the issue's bound on the ratio and on queries."""

    key: str
    label: str
    floor: str
    max_ratio: float
    max_queries: int | None = None
    gzip_required: bool = False
    scale: bool = False  # measured again at SCALE_CITIES

    def describe(self) -> str:
        parts = [f"<= {self.max_ratio:g} x {FLOORS[self.floor].label}"]
        if self.max_queries is not None:
            parts.append(f"<= {self.max_queries} queries")
        if self.gzip_required:
            parts.append("gzip on the wire")
        return ", ".join(parts)


FLOORS = {
    floor.key: floor
    for floor in (
        Floor("trivial_get", "trivial GET, signed in"),
        Floor("trivial_get_anonymous", "trivial GET, anonymous"),
        Floor("trivial_post", "trivial POST, signed in"),
        Floor("minimal_questionnaire", "minimal questionnaire"),
        Floor("city_changelist", "City changelist"),
    )
}

# The targets (1-6). "queue_flag" stands for one row per flag filter the queue offers; "queue_search" for
# a search by city name, by parameter key and one that finds nothing; "queue_sort" for the columns sorted by index
# (the sort by parameter, in catalogue order across three tables, is not: see the README).
TARGETS = {
    target.key: target
    for target in (
        Target("questionnaire", "questionnaire GET, 162 answered", "minimal_questionnaire", 3.0, None, True, True),
        Target("autosave", "autosave POST", "trivial_post", 10.0, 12, scale=True),
        Target("queue", "admin queue, 100 rows", "city_changelist", 2.0, scale=True),
        Target("queue_flag", "admin queue, flag={flag}", "city_changelist", 2.0, scale=True),
        Target("queue_search", "admin queue, search q={term}", "city_changelist", 2.0, scale=True),
        Target("queue_sort", "admin queue, sorted by {column}", "city_changelist", 2.0, scale=True),
        Target("answers_csv", "answers.csv, cache miss", "trivial_get_anonymous", 5.0),
        Target("answers_json", "answers.json, cache miss", "trivial_get_anonymous", 5.0),
        Target("city_profile", "city profile, cache miss", "trivial_get_anonymous", 50.0),
    )
}

SCALE_FLAGS = ("outlier", "evidence_missing")
SIGNED_IN = ("questionnaire", "autosave", "queue", "queue_flag", "queue_search", "queue_sort")
QUEUE_SORTS = {"city": "city", "status": "status", "last change": "-updated_at"}  # column (descending: "-")
NO_MATCH = "kein-treffer-xyz"
FLAG_LINK = re.compile(r"[?&;]flag=([a-z_]+)")


def sort_param(field: str) -> str:
    """The queue's `o=` for a list_display column ("-" first: descending); Django counts the row checkbox as 0."""
    from indicators.admin.review import AnswerAdmin

    name = field.lstrip("-")
    return ("-" if field.startswith("-") else "") + str(AnswerAdmin.list_display.index(name) + 1)


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- HTML forms (no Django)


class FormReader(HTMLParser):
    """The forms of a page: action -> [(name, value)] of what a browser would send (checked radios and
    checkboxes, the selected option, textareas), in document order."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: dict[str, list[tuple[str, str]]] = {}
        self._action: str | None = None
        self._select: str | None = None
        self._selected: str | None = None
        self._first_option: str | None = None
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attr = {name: value or "" for name, value in attrs}
        if tag == "form":
            self._action = attr.get("action", "")
            self.forms.setdefault(self._action, [])
            return
        if self._action is None or (tag != "form" and "name" not in attr and tag != "option"):
            return
        fields = self.forms[self._action]
        if tag == "input":
            kind = attr.get("type", "text").lower()
            if kind in ("submit", "button", "file", "reset", "image"):
                return
            if kind in ("radio", "checkbox") and "checked" not in attr:
                return
            fields.append((attr["name"], attr.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "select":
            self._select, self._selected, self._first_option = attr["name"], None, None
        elif tag == "option" and self._select is not None:
            value = attr.get("value", "")
            if self._first_option is None:
                self._first_option = value
            if "selected" in attr:
                self._selected = value
        elif tag == "textarea":
            self._textarea, self._text = attr["name"], []

    def handle_data(self, data):
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if self._action is None:
            return
        if tag == "select" and self._select is not None:
            chosen = self._selected if self._selected is not None else self._first_option
            self.forms[self._action].append((self._select, chosen or ""))
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self.forms[self._action].append((self._textarea, "".join(self._text).removeprefix("\n")))
            self._textarea = None
        elif tag == "form":
            self._action = None


def read_forms(html: str) -> dict[str, list[tuple[str, str]]]:
    reader = FormReader()
    reader.feed(html)
    reader.close()
    return reader.forms


def value_field(fields: list[tuple[str, str]]) -> str:
    """The name of the answer's value in a row's form (``<key>-value`` today)."""
    for name, _value in fields:
        if name == "value" or name.endswith("-value"):
            return name
    raise RuntimeError(f"no value field in the row's form: {[name for name, _ in fields]}")


def version_of(fields: list[tuple[str, str]]) -> str | None:
    for name, value in fields:
        if name == "version" or name.endswith("-version"):
            return value
    return None


# --------------------------------------------------------------------------- child: measure one database


def bench_urlpatterns():
    """The floors' views (bench-only; see the module docstring)."""
    from django.contrib.auth.decorators import login_required
    from django.http import Http404, HttpResponse
    from django.template import engines
    from django.urls import path
    from django.views.decorators.http import require_POST

    from indicators.models import Answer, CityMembership, Edition, Parameter, catalogue_order

    template = engines["django"].from_string(
        "<!doctype html><html lang=de><head><meta charset=utf-8><title>{{ city.name }} {{ edition.year }}</title>"
        "</head><body><h1>{{ city.name }}: {{ edition.title }}</h1>{% for p, a in rows %}"
        '<p id="p-{{ p.key }}"><b>{{ p.name }}</b> {{ a.display_value }} [{{ a.status }}] {{ a.evidence_url }} '
        "{{ a.note }} {{ a.as_of|date:'d.m.Y' }} "
        '<input name="{{ p.key }}" value="{{ a.display_value }}" data-version="{{ a.version }}"></p>'
        "{% endfor %}</body></html>"
    )

    def trivial(request):
        return HttpResponse("ok")

    @login_required
    def minimal_questionnaire(request, city_slug: str, year: int):
        membership = (
            CityMembership.objects.select_related("city").filter(user=request.user, city__slug=city_slug).first()
        )
        edition = Edition.objects.filter(year=year).first()
        if membership is None or edition is None:
            raise Http404
        parameters = list(
            Parameter.objects.filter(indicator__domain__edition=edition)
            .select_related("indicator__domain")
            .order_by(*catalogue_order())
        )
        answers = {a.parameter_id: a for a in Answer.objects.filter(edition=edition, city=membership.city)}
        rows = []
        for parameter in parameters:
            answer = answers.get(parameter.pk)
            if answer is not None:
                answer.parameter = parameter
            rows.append((parameter, answer))
        html = template.render({"city": membership.city, "edition": edition, "rows": rows}, request)
        return HttpResponse(html)

    return [
        path("bench/trivial/", login_required(trivial)),
        path("bench/anonymous/", trivial),
        path("bench/post/", require_POST(login_required(trivial))),
        path("bench/questionnaire/<slug:city_slug>/<int:year>/", minimal_questionnaire),
    ]


class Browser:
    """A signed-in (or anonymous) test client that sends what a browser sends and checks the status."""

    def __init__(self, user=None):
        from django.test import Client

        self.client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_ENCODING="gzip")
        if user is not None:
            self.client.force_login(user)

    @property
    def csrf(self) -> str:
        return self.client.cookies["csrftoken"].value

    def request(self, method: str, url: str, data=None, htmx: bool = False):
        headers = {"Origin": "https://testserver", "Referer": f"https://testserver{url}"}
        if htmx:
            headers["HX-Request"] = "true"
        call = self.client.post if method == "POST" else self.client.get
        response = call(url, data, secure=True, headers=headers)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        if response.status_code != 200:
            raise RuntimeError(f"{method} {url}: {response.status_code} {response.get('Location', '')}")
        return response, body


def sizes(response, body: bytes) -> tuple[int, int, bool]:
    """(uncompressed bytes, gzip bytes, sent compressed)."""
    if response.get("Content-Encoding") == "gzip":
        return len(gzip.decompress(body)), len(body), True
    return len(body), len(gzip.compress(body, 6)), False


def text_of(response, body: bytes) -> str:
    raw = gzip.decompress(body) if response.get("Content-Encoding") == "gzip" else body
    return raw.decode("utf-8", "replace")


def timed(call) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def measure_pair(page, floor, repeat: int, budget: float, prepare=None) -> dict:
    """page(i) and floor() alternately, `prepare()` (untimed) before every page request; a warm-up of each
    first, the page's with its queries counted. At most `repeat` rounds, at least one, more only within
    `budget` seconds; a page whose warm-up alone took longer than the budget is timed by it."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    prepare = prepare or (lambda: None)
    floor()
    prepare()
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        response, body = page(-1)
        first = time.perf_counter() - started
    query_count = len(queries)  # now: the next request (request_started) empties the log it is read from
    page_times, floor_times = [], []
    if first > budget:
        page_times.append(first)
        floor_times.append(timed(floor))
    else:
        deadline = time.perf_counter() + budget
        i = 0
        while i < repeat and (i == 0 or time.perf_counter() < deadline):
            floor_times.append(timed(floor))
            prepare()
            page_times.append(timed(lambda: page(i)))  # noqa: B023 (called at once)
            i += 1
    raw, zipped, compressed = sizes(response, body)
    return {
        "page_ms": [t * 1000 for t in page_times],
        "floor_ms": [t * 1000 for t in floor_times],
        "queries": query_count,
        "bytes": raw,
        "gzip_bytes": zipped,
        "compressed": compressed,
    }


def fill_and_pick(staff: Browser, url: str, city, edition) -> tuple[list[tuple[str, str, tuple[str, str]]], int, int]:
    """Answers every unanswered row of the city through the autosave (the setup of "162 answered"); returns
    the rows the autosave goes round ((save URL, parameter key, two valid values)), the number of answers
    and of parameters."""
    from django.urls import reverse
    from load_prepare import two_values  # bench/load_prepare.py: two valid values as the form takes them

    from indicators.models import Answer, Parameter

    parameters = list(Parameter.objects.filter(indicator__domain__edition=edition).order_by("id"))
    answered = set(Answer.objects.filter(edition=edition, city=city).values_list("parameter_id", flat=True))
    _response, body = staff.request("GET", url)
    forms = read_forms(text_of(_response, body))

    def save_url(parameter):
        return reverse("indicators:answer_save", args=[city.slug, edition.year, parameter.key])

    filled = 0
    for parameter in parameters:
        if parameter.pk in answered or save_url(parameter) not in forms:
            continue
        fields = dict(forms[save_url(parameter)])
        fields[value_field(forms[save_url(parameter)])] = two_values(parameter)[0]
        staff.request("POST", save_url(parameter), fields, htmx=True)
        filled += 1
    count = Answer.objects.filter(edition=edition, city=city).count()
    log(f"{city.slug} {edition.year}: {filled} rows filled through the autosave; {count} of {len(parameters)} answered")
    numeric = [
        p
        for p in parameters
        if p.kind in (Parameter.Kind.NUMBER, Parameter.Kind.PERCENTAGE, Parameter.Kind.COUNT) and save_url(p) in forms
    ]
    drafts = set(
        Answer.objects.filter(edition=edition, city=city, status=Answer.Status.DRAFT).values_list(
            "parameter_id", flat=True
        )
    )
    numeric.sort(key=lambda p: (p.pk not in drafts, p.pk))
    return [(save_url(p), p.key, two_values(p)) for p in numeric[:AUTOSAVE_ROWS]], count, len(parameters)


def measure_database(args, scale: bool) -> dict:
    sys.path[:0] = [str(REPO), str(REPO / "bench")]
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.test import override_settings
    from django.urls import reverse
    from simulator import floor_urlconf  # bench/simulator.py: the project's URLs plus bench-only ones

    from indicators.models import City, Edition
    from smartcity.page_cache import page_cache_clear

    if not (Path(settings.STATIC_ROOT) / "staticfiles.json").exists():  # hashed names, as in production
        call_command("collectstatic", verbosity=0, interactive=False)
    collecting = Edition.objects.get(phase=Edition.Phase.COLLECTION)
    published = Edition.objects.filter(phase=Edition.Phase.PUBLISHED).order_by("-year").first()
    city = City.objects.get(slug=CITY)
    cities = City.objects.count()
    results = {"cities": cities, "rows": []}
    urlconf = floor_urlconf(bench_urlpatterns(), name="bench_portal_urls")
    with override_settings(ROOT_URLCONF=urlconf):
        staff = Browser(User.objects.get(username=STAFF_USER))
        reviewer = Browser(User.objects.get(username=REVIEWER))
        anonymous = Browser()
        questionnaire = reverse("indicators:questionnaire", args=[city.slug, collecting.year])
        autosave_rows, answered, parameters = fill_and_pick(staff, questionnaire, city, collecting)
        results.update(answered=answered, parameters=parameters)

        floors = {
            "trivial_get": lambda: staff.request("GET", "/bench/trivial/"),
            "trivial_get_anonymous": lambda: anonymous.request("GET", "/bench/anonymous/"),
            "trivial_post": lambda: staff.request("POST", "/bench/post/", {"csrfmiddlewaretoken": staff.csrf}),
            "minimal_questionnaire": lambda: staff.request(
                "GET", f"/bench/questionnaire/{city.slug}/{collecting.year}/"
            ),
            "city_changelist": lambda: reviewer.request("GET", reverse("admin:indicators_city_changelist")),
        }

        response, body = staff.request("GET", questionnaire)  # the rows' forms as the autosave starts from them
        forms = read_forms(text_of(response, body))
        versions = {url: dict(forms[url]) for url, _key, _values in autosave_rows}

        def autosave(i: int):
            save_url, key, values = autosave_rows[(i + 1) % len(autosave_rows)]
            fields = dict(versions[save_url])
            fields[value_field(list(fields.items()))] = values[(i // len(autosave_rows)) % 2]
            response, body = staff.request("POST", save_url, fields, htmx=True)
            saved = read_forms(text_of(response, body)).get(save_url)
            if not saved or version_of(saved) in (None, version_of(list(fields.items()))):
                raise RuntimeError(f"autosave of {key}: not saved (the row's version did not change)")
            versions[save_url] = {**dict(saved), "csrfmiddlewaretoken": staff.csrf}
            return response, body

        queue = reverse("admin:indicators_answer_changelist") + f"?edition__id__exact={collecting.pk}"
        _response, body = reviewer.request("GET", queue)
        flags = sorted(set(FLAG_LINK.findall(text_of(_response, body))))
        if not flags:
            raise RuntimeError(f"{queue}: no flag filter links (flag=...) on the page")
        if scale:  # bounded: the two flags the issue timed (field-relative outliers, one per answer)
            flags = [flag for flag in flags if flag in SCALE_FLAGS] or flags[:1]

        def get(browser, url):
            return lambda _i: browser.request("GET", url)

        # (target, its label's parameters, page(i), prepare(): untimed, before each request)
        plan = [
            ("questionnaire", {}, get(staff, questionnaire), None),
            ("autosave", {}, autosave, None),
            ("queue", {}, get(reviewer, queue), None),
            *[("queue_flag", {"flag": flag}, get(reviewer, f"{queue}&flag={flag}"), None) for flag in flags],
            *[
                ("queue_search", {"term": term}, get(reviewer, f"{queue}&{urlencode({'q': term})}"), None)
                for term in (city.name, autosave_rows[0][1], NO_MATCH)
            ],
            *[
                ("queue_sort", {"column": column}, get(reviewer, f"{queue}&o={sort_param(field)}"), None)
                for column, field in QUEUE_SORTS.items()
            ],
        ]
        if not scale and published is not None:
            files = {
                "answers_csv": reverse("public:open_data_file", args=[published.year, "answers", "csv"]),
                "answers_json": reverse("public:open_data_file", args=[published.year, "answers", "json"]),
                "city_profile": reverse("public:city", args=[city.slug, published.year]),
            }
            plan += [(key, {}, get(anonymous, url), page_cache_clear) for key, url in files.items()]
        # The signed-in trivial GET, for the "x trivial GET" column: before and after the rows, pooled.
        trivial = [timed(floors["trivial_get"]) * 1000 for _ in range(max(args.repeat, 10))]
        for key, params, page, prepare in plan:
            target = TARGETS[key]
            if scale and not target.scale:
                continue
            label = target.label.format(**params)
            measured = measure_pair(page, floors[target.floor], args.repeat, args.budget, prepare)
            results["rows"].append({"key": key, "label": label, "signed_in": key in SIGNED_IN, **measured})
            log(
                f"{cities} cities, {label}: {statistics.median(measured['page_ms']):.1f} ms "
                f"({len(measured['page_ms'])} x), floor {statistics.median(measured['floor_ms']):.2f} ms, "
                f"{measured['queries']} queries"
            )
        trivial += [timed(floors["trivial_get"]) * 1000 for _ in range(max(args.repeat, 10))]
    results["trivial_ms"] = trivial
    return results


# --------------------------------------------------------------------------- parent


def pg_admin(statements: list[str]) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


def child_env(args, database: str, static_root: str, media_root: str, debug: bool) -> dict:
    env = dict(
        os.environ,
        DATABASE_URL=f"postgres://postgres@{PG_HOST}/{database}",
        REDIS_URL=f"redis://{REDIS_HOST}/{args.redis_db}",
        DJANGO_SETTINGS_MODULE="smartcity.settings",
        LOG_LEVEL="WARNING",
        STATIC_ROOT=static_root,
        MEDIA_ROOT=media_root,
        CELERY_TASK_ALWAYS_EAGER="0",  # follow-up tasks go to Redis; no worker runs them
    )
    if debug:
        env["DEBUG"] = "1"  # seed_demo creates users with known passwords: DEBUG only
    else:
        env.update(
            DEBUG="0",
            SECRET_KEY="bench-only-not-a-secret",
            ALLOWED_HOSTS="testserver",
            SITE_URL="https://index.example.org",
            # The reviewer signs in without an authenticator app's code (the middleware runs all the same).
            OTP_REQUIRED_FOR_STAFF_ROLES="0",
        )
    return env


def redis_flush(db: int) -> None:
    import redis

    redis.Redis(host=REDIS_HOST.split(":")[0], port=int(REDIS_HOST.split(":")[1]), db=db).flushdb()


def run_database(args, database: str, cities: int, work: Path) -> dict:
    """Create and seed one database, measure it in a DEBUG-off child, drop it; the child's results."""
    drop = f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'
    pg_admin([drop, f'CREATE DATABASE "{database}"'])
    redis_flush(args.redis_db)
    static_root, media_root = str(work / "static"), str(work / f"media-{database}")
    me = str(Path(__file__).resolve())
    try:
        started = time.perf_counter()
        env = child_env(args, database, static_root, media_root, debug=True)
        subprocess.run(
            [sys.executable, me, "--seed", str(cities)], env=env, cwd=REPO, check=True, timeout=CHILD_TIMEOUT_S
        )
        log(f"{database}: seeded {cities} cities in {time.perf_counter() - started:.0f} s")
        result_path = work / f"{database}.json"
        command = [sys.executable, me, "--measure", str(result_path), "--repeat", str(args.repeat)]
        command += ["--budget", str(args.budget)] + (["--scale-run"] if cities > DEMO_CITIES else [])
        env = child_env(args, database, static_root, media_root, debug=False)
        subprocess.run(command, env=env, cwd=REPO, check=True, timeout=CHILD_TIMEOUT_S)
        return json.loads(result_path.read_text())
    finally:
        if not args.keep:
            pg_admin([drop])
            redis_flush(args.redis_db)


def seed(cities: int) -> None:
    """The demo (DEBUG on), with synthetic cities added first up to `cities`."""
    sys.path[:0] = [str(REPO), str(REPO / "bench")]
    import django

    django.setup()
    import numpy as np
    import recompute  # bench/recompute.py: the synthetic cities
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    if cities > DEMO_CITIES:
        recompute.create_cities(cities - DEMO_CITIES, np.random.default_rng(recompute.SEED))
    with open(os.devnull, "w") as sink:
        call_command("seed_demo", verbosity=0, stdout=sink)
    # What the worker does after a publish (no worker runs here: the task waits in Redis): the published open
    # data files written to storage, so a file's request is measured as in production, not as the rebuild of
    # a file that was never written (its queries were counted as the file's before).
    from public.published_files import published_files_write

    published_files_write()
    # Likewise the stored review flags (the coalesced task after each save): without them every flag filter of
    # the queue would measure an empty list.
    with open(os.devnull, "w") as sink:
        call_command("review_flags_refresh", verbosity=0, stdout=sink)
    # Fresh statistics and visibility map, as on a database in steady state (bench/recompute.py does the same):
    # without them PostgreSQL plans every query as if each table had a few rows (autovacuum may be off here).
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def verdict(target: Target, ratio: float, queries: int, compressed: bool) -> str:
    ok = ratio <= target.max_ratio
    if target.max_queries is not None:
        ok = ok and queries <= target.max_queries
    if target.gzip_required:
        ok = ok and compressed
    return "PASS" if ok else "MISS"


def report(results: list[dict], args, load_before, wall_s: float) -> None:
    import platform

    print()
    print("Portal benchmark (bench/portal.py): PostgreSQL + Redis, Django DEBUG off, test client through the")
    print(
        f"whole middleware; medians of up to {args.repeat} requests (within {args.budget:g} s per row), floors "
        f"interleaved; python {platform.python_version()}, CPUs {os.cpu_count()}"
    )
    load_after = os.getloadavg()
    print(
        f"load average (1/5/15 min) before {'/'.join(f'{x:.2f}' for x in load_before)}, "
        f"after {'/'.join(f'{x:.2f}' for x in load_after)}  (other processes on the machine skew timings)"
    )
    for result in results:
        print()
        print(
            f"{result['cities']:,} cities ({result['answered']} of {result['parameters']} parameters answered "
            "on the questionnaire)"
        )
        print(
            "| path | median ms | p90 ms | n | floor | floor ms | ratio | x trivial GET | queries | KB | gzip KB "
            "| target | result |"
        )
        print("|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---|---|")
        trivial = statistics.median(result["trivial_ms"])
        for row in result["rows"]:
            print(format_row(row, trivial))
    print()
    print("gzip KB with *: sent uncompressed; the size gzip would give. x trivial GET: the signed-in trivial view.")
    print(f"total wall time: {wall_s:.0f} s")


def format_row(row: dict, trivial_ms: float) -> str:
    target = TARGETS[row["key"]]
    median = statistics.median(row["page_ms"])
    p90 = sorted(row["page_ms"])[math.ceil(0.9 * len(row["page_ms"])) - 1]  # nearest rank
    floor = statistics.median(row["floor_ms"])
    ratio = median / floor
    trivial = f"{median / trivial_ms:.0f}" if row["signed_in"] else ""
    zipped = f"{row['gzip_bytes'] / 1024:.1f}{'' if row['compressed'] else '*'}"
    return (
        f"| {row['label']} | {median:.1f} | {p90:.1f} | {len(row['page_ms'])} | {FLOORS[target.floor].label} "
        f"| {floor:.2f} | {ratio:.1f} | {trivial} | {row['queries']} | {row['bytes'] / 1024:.1f} | {zipped} "
        f"| {target.describe()} | {verdict(target, ratio, row['queries'], row['compressed'])} |"
    )


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="bench_portal", help="PostgreSQL database (dropped and recreated)")
    parser.add_argument("--redis-db", type=int, default=9, help="Redis database number (flushed)")
    parser.add_argument("--repeat", type=int, default=15, help="requests per row at most (at least one)")
    parser.add_argument("--budget", type=float, default=8.0, help="seconds per row, about")
    parser.add_argument("--no-scale", action="store_true", help=f"skip the check at {SCALE_CITIES:,} cities")
    parser.add_argument("--keep", action="store_true", help="keep the databases afterwards (to look into them)")
    parser.add_argument("--seed", type=int, help=argparse.SUPPRESS)  # internal: child seeding N cities
    parser.add_argument("--measure", help=argparse.SUPPRESS)  # internal: child measuring, JSON result path
    parser.add_argument("--scale-run", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.repeat < 1 or args.budget <= 0:
        parser.error("--repeat and --budget must be positive")
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", args.database) or "bench" not in args.database:
        parser.error("--database must be a plain lower-case name containing 'bench' (it is dropped)")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.seed:
        seed(args.seed)
        return 0
    if args.measure:
        Path(args.measure).write_text(json.dumps(measure_database(args, args.scale_run)))
        return 0
    started, load_before = time.perf_counter(), os.getloadavg()
    results = []
    with tempfile.TemporaryDirectory(prefix="bench_portal_") as work:
        results.append(run_database(args, args.database, DEMO_CITIES, Path(work)))
        if not args.no_scale:
            results.append(run_database(args, f"{args.database}_scale", SCALE_CITIES, Path(work)))
    report(results, args, load_before, time.perf_counter() - started)
    return 0


if __name__ == "__main__":
    sys.exit(main())
