"""The review queue with each filter against the plain City changelist measured in the same run (issue 17,
target 3): median time, ratio to the floor and queries, through Django's test client, DEBUG off.

Run against a seeded database (`make db`, or any DATABASE_URL with the demo data):
    DEBUG=0 SECRET_KEY=bench ALLOWED_HOSTS=testserver SITE_URL=http://testserver SECURE_SSL_REDIRECT=0 \
        OTP_REQUIRED_FOR_STAFF_ROLES=0 python bench/review_queue.py [ROUNDS]

(BENCH_PROJECT=/path/to/another/checkout measures that checkout's code with the same script.)

It signs in a superuser (created if missing, named "bench-queue"), warms every URL once, then times each URL
ROUNDS times (default 15), interleaved so that load on the machine hits every path alike; the load average is
printed with the figures. Timings are for reading, never for deciding a test.
"""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, os.environ.get("BENCH_PROJECT") or str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smartcity.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from indicators.models import Answer, Edition  # noqa: E402

FLAGS = ["outlier", "jump", "evidence_missing", "objection", "stale"]


def paths(edition: Edition) -> dict[str, str]:
    queue = f"/admin/indicators/answer/?edition__id__exact={edition.pk}"
    return {
        "floor: City changelist": "/admin/indicators/city/",
        "queue, edition, 100 rows": queue,
        "queue, submitted": f"{queue}&status__exact=submitted",
        **{f"queue, flag={flag}": f"{queue}&flag={flag}" for flag in FLAGS},
    }


def main(rounds: int) -> None:
    user, _created = get_user_model().objects.get_or_create(
        username="bench-queue", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client()
    client.force_login(user)
    edition = Edition.objects.exclude(phase=Edition.Phase.DRAFT).order_by("-year").first()
    urls = paths(edition)
    queries, times = {}, {name: [] for name in urls}
    for name, url in urls.items():
        response = client.get(url)
        assert response.status_code == 200, (name, response.status_code)
        with CaptureQueriesContext(connection) as captured:
            client.get(url)
        queries[name] = len(captured)
    for _round in range(rounds):
        for name, url in urls.items():
            start = time.perf_counter()
            client.get(url)
            times[name].append(time.perf_counter() - start)
    floor = statistics.median(times["floor: City changelist"])
    answers = Answer.objects.filter(edition=edition).count()
    print(f"edition {edition.year}: {answers} answers; {rounds} rounds; load average {os.getloadavg()}")
    print(f"{'path':32} {'median ms':>10} {'× floor':>8} {'queries':>8}")
    for name in urls:
        median = statistics.median(times[name])
        print(f"{name:32} {median * 1000:10.1f} {median / floor:8.2f} {queries[name]:8d}")


if __name__ == "__main__":
    # plain static storage: the manifest needs collectstatic, which a bench should not require
    with override_settings(
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
    ):
        main(int(sys.argv[1]) if len(sys.argv) > 1 else 15)
