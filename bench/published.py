"""Benchmark of the published open data files and the city profile on a cache miss (issue 17, targets 4 and 5).

Usage, from the repository root (BENCH_REPO=<other checkout> measures that checkout's code with this script):

    python bench/published.py [--repeat 20]

It loads the demo (seed_demo: 82 real cities, the real catalogue, published editions) into a temporary SQLite
database and takes its newest published edition, then prints medians (and 90th percentiles) of full HTTP
requests through Django's test client with DEBUG off:

* the floor: a view returning a constant through the same client and middleware;
* each open data file with the public page cache cleared before every request (a miss);
* the city profile with the page cache cleared before every request, a different city each time (the run's
  per-run data may stay cached: that is the point of target 5).

Targets: a file miss <= 5 x the floor, a profile miss <= 50 x the floor. Timings vary with the machine's load
(printed); ratios are what to compare. Exits 0 once it has printed its report.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

REPO = Path(os.environ.get("BENCH_REPO") or Path(__file__).resolve().parent.parent)
sys.path[:0] = [str(REPO), str(REPO / "bench")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        os.environ["MEDIA_ROOT"] = folder
        import simulator as bench_simulator  # bench/simulator.py: settings, the floor view, timings

        bench_simulator.django_setup(Path(folder) / "bench.sqlite3")
        edition, run = build()
        report(edition, run, args.repeat, Path(folder))


def build():
    """The demo (seed_demo: 82 real cities, the real catalogue, published editions); its newest published
    edition and run."""
    from django.core.management import call_command
    from django.test import override_settings

    from scoring.models import ScoreRun

    call_command("migrate", verbosity=0)
    with override_settings(DEBUG=True):  # seed_demo refuses without it (demo users); measured with DEBUG off
        call_command("seed_demo", verbosity=0)
    run = ScoreRun.objects.filter(is_published=True).select_related("edition").order_by("-edition__year").first()
    return run.edition, run


def report(edition, run, repeat: int, folder: Path) -> None:
    from django.test import Client, override_settings
    from rest_framework.throttling import SimpleRateThrottle

    from scoring.models import CityScore
    from smartcity.page_cache import page_cache_clear

    SimpleRateThrottle.THROTTLE_RATES["anon"] = "10000000/min"
    client = Client()
    slugs = list(CityScore.objects.filter(run=run).order_by("rank").values_list("city__slug", flat=True))

    def get(url: str, read_body: bool = True) -> int:
        response = client.get(url, secure=True)
        if response.status_code != 200:
            raise RuntimeError(f"{url}: {response.status_code}")
        if response.streaming:
            # A streamed file's body is sent by the server (gunicorn: wsgi.file_wrapper, sendfile), not Python.
            body = b"".join(response.streaming_content) if read_body else b""
            response.close()
            return len(body)
        return len(response.content)

    def miss(url_of, read_body: bool = True):
        def call(i: int) -> None:
            page_cache_clear()
            get(url_of(i), read_body)

        return call

    rows = []
    with override_settings(
        ROOT_URLCONF=bench_urlconf(),
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
            "published": {
                "BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": str(folder / "published"), "allow_overwrite": True},
            },
        },
    ):
        import simulator as bench_simulator

        floor = bench_simulator.timings(lambda i: get("/bench-floor/"), repeat)
        rows.append(("GET constant view (floor)", floor, None))
        for dataset in ("results", "answers"):
            for fmt in ("csv", "json"):
                url = f"/daten/{edition.year}/{dataset}.{fmt}"
                size = get(url)
                rows.append(
                    (f"{url} miss ({size:,} bytes)", bench_simulator.timings(miss(lambda i, u=url: u), repeat), 5)
                )
                rows.append(
                    (
                        "  the same, body left to the server",
                        bench_simulator.timings(miss(lambda i, u=url: u, read_body=False), repeat),
                        5,
                    )
                )
        url = f"/daten/{edition.year}/answers.json"
        rows.append(
            ("answers.json, its description remembered", bench_simulator.timings(lambda i: get(url), repeat), 5)
        )
        rows.append(
            (
                "/stadt/<city>/<year>/ miss",
                bench_simulator.timings(miss(lambda i: f"/stadt/{slugs[i % len(slugs)]}/{edition.year}/"), repeat),
                50,
            )
        )
    base = statistics.median(floor)
    print(f"\nrepo {REPO}, {run.city_count} cities, load average {os.getloadavg()}")
    print(f"{'request':<52} {'median ms':>10} {'p90 ms':>8} {'ratio':>7} {'target':>7}")
    for name, times, target in rows:
        median = statistics.median(times)
        p90 = sorted(times)[int(0.9 * (len(times) - 1))]
        print(
            f"{name:<52} {median:>10.2f} {p90:>8.2f} {median / base:>7.1f} {('<= ' + str(target)) if target else '':>7}"
        )


def bench_urlconf() -> str:
    import simulator as bench_simulator

    return bench_simulator.floor_urlconf()


if __name__ == "__main__":
    main()
