"""Benchmark of the what-if simulator on a demo-sized published edition (82 cities x the real catalogue).

Usage, from the repository root:

    python bench/simulator.py [--cities 82] [--repeat 30]

It builds, in a temporary SQLite database, an edition with the real catalogue (indicators/data/catalogue.yaml),
82 synthetic cities and approved answers for every city x parameter (the builders of bench/recompute.py), and
publishes it through the real service. Then it prints medians (and 90th percentiles) of --repeat timings:

* service: ``public.simulator.simulate`` for the lowest-ranked city with one changed answer (a different value
  each time), the run's inputs cached; its floor is ``scoring.engine.compute`` alone on the same inputs.
* page and API: the full HTTP request through Django's test client (middleware, view, template or serializer)
  to ``/simulator/<year>/<city>/?p-...`` and ``/api/v1/simulator/?...``, a different value each time, so the
  page cache always misses; the floor is a view returning a constant through the same client and middleware.
  Also: the page from the public page cache (the same address again), the gains endpoint, and the first
  visit of a run (cache cleared before each: the run's inputs are loaded and the city's gains computed).

Target (issue 7): under 200 ms per simulation at 82 cities. Django runs with DEBUG off as in production; the
cache is the environment's (LocMem unless REDIS_URL is set); static URLs are not hashed (no collectstatic).
The script exits 0 once it has printed its report and only fails on a crash.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
import types
import warnings
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
YEAR = 2030
SEED = 2024
TARGET_MS = 200.0
PARAMETER = "anteil-emissionsarme-busse"  # a percentage: 0..100


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def timings(call, repeat: int) -> list[float]:
    """Milliseconds of `call(i)` for i in 0..repeat-1, after one warm-up call (i = -1)."""
    call(-1)
    result = []
    for i in range(repeat):
        started = time.perf_counter()
        call(i)
        result.append((time.perf_counter() - started) * 1000.0)
    return result


def django_setup(database: Path) -> None:
    os.environ.update(
        DATABASE_URL=f"sqlite:///{database}",
        DJANGO_SETTINGS_MODULE="smartcity.settings",
        DEBUG="0",
        SECRET_KEY="bench-only-not-a-secret",
        ALLOWED_HOSTS="testserver,localhost",
        SITE_URL="https://index.example.org",
        LOG_LEVEL="WARNING",
    )
    sys.path[:0] = [str(REPO), str(REPO / "bench")]
    warnings.filterwarnings("ignore", "No directory at", UserWarning)  # whitenoise: no collectstatic here
    import django

    django.setup()


def build(cities: int):
    """A published edition with the real catalogue and `cities` synthetic cities; (edition, run)."""
    import recompute  # bench/recompute.py: the same synthetic cities and answers
    from django.contrib.auth.models import Group, User
    from django.core.management import call_command

    from indicators import roles
    from indicators.importers import read_catalogue
    from indicators.models import Edition
    from scoring.services import edition_publish

    call_command("migrate", verbosity=0)
    rng = np.random.default_rng(SEED)
    recompute.create_cities(cities, rng)
    edition, answers = recompute.build_edition(cities, YEAR, read_catalogue(), rng)
    editor = User.objects.create_user("bench-editor")
    editor.groups.add(Group.objects.get(name=roles.EDITORS_GROUP))
    Edition.objects.filter(pk=edition.pk).update(phase=Edition.Phase.REVIEW)
    edition.refresh_from_db()
    run = edition_publish(user=editor, edition=edition)
    edition.refresh_from_db()
    log(f"published edition {YEAR}: {run.city_count} cities, {answers:,} answers")
    return edition, run


def floor_urlconf(extra=(), name: str = "bench_simulator_urls"):
    """The project's URLs plus /bench-floor/, a view that returns a constant (the cost of the client and
    middleware alone), and `extra` (more bench-only URL patterns, bench/portal.py's floors). Registered only
    in the bench's own process, as a module `name` that settings.ROOT_URLCONF is overridden with; never in
    the app's URLs."""
    from django.http import HttpResponse
    from django.urls import path

    from smartcity import urls

    module = types.ModuleType(name)
    module.urlpatterns = [path("bench-floor/", lambda request: HttpResponse("ok")), *extra, *urls.urlpatterns]
    module.handler404, module.handler500 = urls.handler404, urls.handler500
    sys.modules[module.__name__] = module
    return module.__name__


def measure(edition, run, repeat: int) -> list[tuple[str, list[float], str]]:
    from django.core.cache import cache
    from django.test import Client, override_settings
    from rest_framework.throttling import SimpleRateThrottle

    from public import simulator
    from scoring import engine
    from scoring.models import CityScore

    city = CityScore.objects.filter(run=run).select_related("city").order_by("-rank", "city__name").first().city
    baseline = simulator.run_baseline(edition, run)
    rows = []

    def value(i: int) -> str:
        return f"{40 + (i + 1) / 1000:.3f}"  # 39.999, 40.001, 40.002, ...: a new scenario every time

    rows.append(
        (
            "engine.compute (floor of the service)",
            timings(
                lambda i: engine.compute(
                    baseline.structure, baseline.values, baseline.population, baseline.bonus, baseline.methodology
                ),
                repeat,
            ),
            "floor-service",
        )
    )
    rows.append(
        (
            "simulate(), one changed answer",
            timings(lambda i: simulator.simulate(edition, run, city, values={PARAMETER: value(i)}), repeat),
            "service",
        )
    )
    rows.append(
        ("gains(), cached", timings(lambda i: simulator.gains(edition, run, city), repeat), "service"),
    )

    def cold_gains(i):
        cache.clear()
        simulator.gains(edition, run, city)

    rows.append(("gains(), first call of a run (loads inputs)", timings(cold_gains, max(3, repeat // 5)), "service"))

    # Thousands of requests a minute from one client: the anonymous rate limit would answer 429.
    SimpleRateThrottle.THROTTLE_RATES["anon"] = "10000000/min"
    client = Client()
    page = f"/simulator/{edition.year}/{city.slug}/"
    api = "/api/v1/simulator/"

    def get(url, params=None, status=200):
        response = client.get(url, params or {}, secure=True)  # production redirects plain HTTP
        if response.status_code != status:
            raise RuntimeError(f"{url} {params}: {response.status_code}")
        return response

    with override_settings(
        ROOT_URLCONF=floor_urlconf(),
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
    ):
        rows.append(
            ("GET constant view (floor of HTTP)", timings(lambda i: get("/bench-floor/"), repeat), "floor-http")
        )
        rows.append(
            (
                "GET simulator page, one changed answer",
                timings(lambda i: get(page, {f"p-{PARAMETER}": value(i)}), repeat),
                "http",
            )
        )
        rows.append(
            (
                "GET simulator page, from the page cache",
                timings(lambda i: get(page, {f"p-{PARAMETER}": "50"}), repeat),
                "http",
            )
        )
        rows.append(
            (
                "GET simulator API, one changed answer",
                timings(
                    lambda i: get(api, {"edition": edition.year, "city": city.slug, f"p-{PARAMETER}": value(i)}), repeat
                ),
                "http",
            )
        )
        rows.append(
            (
                "GET gains API",
                timings(lambda i: get(f"/api/v1/cities/{city.slug}/gains/", {"edition": edition.year}), repeat),
                "http",
            )
        )

        def cold_page(i):
            cache.clear()
            get(page, {f"p-{PARAMETER}": value(i)})

        rows.append(("GET simulator page, first visit of a run", timings(cold_page, max(3, repeat // 5)), "http"))
    return rows


def report(rows, args, cities: int, parameters: int, load_before) -> None:
    import django
    from django.conf import settings

    floors = {kind: statistics.median(ms) for _label, ms, kind in rows if kind.startswith("floor")}
    print()
    print("What-if simulator benchmark (bench/simulator.py)")
    print(
        f"python {platform.python_version()}, numpy {np.__version__}, Django {django.get_version()}, "
        f"CPUs {os.cpu_count()}, SQLite, cache {settings.CACHES['default']['BACKEND'].rsplit('.', 1)[-1]}, "
        f"DEBUG off, {cities} cities x {parameters} parameters, repeat {args.repeat}"
    )
    load_after = os.getloadavg()
    print(
        f"load average (1/5/15 min) before {'/'.join(f'{x:.2f}' for x in load_before)}, "
        f"after {'/'.join(f'{x:.2f}' for x in load_after)}  (other processes on the machine skew timings)"
    )
    print()
    header = f"{'':<48}{'median ms':>10}{'p90 ms':>9}{'x floor':>9}  target <{TARGET_MS:.0f} ms"
    print(header)
    print("-" * len(header))
    for label, ms, kind in rows:
        median = statistics.median(ms)
        p90 = float(np.percentile(ms, 90))
        floor = floors["floor-service"] if kind == "service" else floors["floor-http"] if kind == "http" else None
        ratio = f"{median / floor:>9.1f}" if floor else f"{'':>9}"
        verdict = "" if kind.startswith("floor") else ("ok" if median < TARGET_MS else "MISSED")
        print(f"{label:<48}{median:>10.1f}{p90:>9.1f}{ratio}  {verdict}")
    print()
    print("x floor: service rows against engine.compute, HTTP rows against the constant view (same client).")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cities", type=int, default=82)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args(argv)
    if args.repeat < 1 or args.cities < 2:
        parser.error("--repeat must be positive and --cities at least 2")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    load_before = os.getloadavg()
    handle, name = tempfile.mkstemp(prefix="bench_simulator_", suffix=".sqlite3", dir="/tmp")
    os.close(handle)
    database = Path(name)
    try:
        django_setup(database)
        started = time.perf_counter()
        edition, run = build(args.cities)
        log(f"setup {time.perf_counter() - started:.1f} s")
        from public import simulator

        parameters = len(simulator.run_baseline(edition, run).parameters)
        rows = measure(edition, run, args.repeat)
        report(rows, args, run.city_count, parameters, load_before)
    finally:
        for leftover in (database, Path(f"{database}-journal"), Path(f"{database}-wal"), Path(f"{database}-shm")):
            leftover.unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
