"""Prepares bench/load.sh's staff autosave mix: signs a demo city staff user in once and writes a Lua data
file for bench/load_staff.lua (session and CSRF cookies, the questionnaire URL, one valid pair of values and
the current version for each of the city's parameters).

Run by bench/load.sh with its environment (DATABASE_URL, REDIS_URL, DEBUG off):
    python bench/load_prepare.py BASE_URL USERNAME PASSWORD OUTPUT.lua
"""

import http.client
import json
import os
import re
import sys
import urllib.parse
from decimal import Decimal
from http.cookies import SimpleCookie
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smartcity.settings")

import django  # noqa: E402

django.setup()

from indicators.models import Answer, CityMembership, Edition, Parameter  # noqa: E402

VERSION = re.compile(r'name="([\w-]+)-version" value="(\d+)"')
TIMEOUT_SECONDS = 30


class Session:
    """A tiny cookie-keeping HTTP client (curl's cookie jar drops Secure cookies on plain-HTTP loopback)."""

    def __init__(self, base_url: str):
        parts = urllib.parse.urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None, headers: dict | None = None):
        connection = http.client.HTTPConnection(self.host, self.port, timeout=TIMEOUT_SECONDS)
        sent = {"Cookie": "; ".join(f"{name}={value}" for name, value in self.cookies.items()), **(headers or {})}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=sent)
        response = connection.getresponse()
        content = response.read().decode("utf-8", "replace")
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        connection.close()
        return response.status, response.headers, content


def two_values(parameter: Parameter) -> tuple[str, str]:
    """Two different valid values as the German form takes them (integers: no decimal separator needed)."""
    if parameter.kind == Parameter.Kind.YES_NO:
        return "ja", "nein"
    if parameter.kind == Parameter.Kind.CHOICE:
        keys = [option["key"] for option in parameter.options]
        return keys[0], keys[-1]
    low = parameter.min_value if parameter.min_value is not None else Decimal(0)
    high = parameter.max_value if parameter.max_value is not None else low + 1000
    first = int(low) + 1 if int(low) + 1 <= high else int(low)
    second = first + 1 if first + 1 <= high else first
    return str(first), str(second)


def lua(value) -> str:
    return json.dumps(value, ensure_ascii=False) if isinstance(value, str) else str(value)


def main(base_url: str, username: str, password: str, output: str) -> None:
    membership = CityMembership.objects.select_related("city").get(user__username=username)
    city = membership.city
    edition = Edition.objects.filter(phase=Edition.Phase.COLLECTION, participations__city=city).latest("year")
    questionnaire = f"/portal/{city.slug}/{edition.year}/"

    session = Session(base_url)
    status, _headers, _page = session.request("GET", "/accounts/login/")
    assert status == 200 and "csrftoken" in session.cookies, f"login page: {status}"
    status, headers, _page = session.request(
        "POST",
        "/accounts/login/",
        form={"username": username, "password": password, "csrfmiddlewaretoken": session.cookies["csrftoken"]},
    )
    assert status == 302 and "sessionid" in session.cookies, f"login refused: {status}"
    status, _headers, page = session.request("GET", questionnaire)
    assert status == 200, f"questionnaire: {status}"
    versions = {key: int(version) for key, version in VERSION.findall(page)}

    parameters = list(
        Parameter.objects.filter(indicator__domain__edition=edition).order_by(
            "indicator__domain__position", "indicator__position", "position", "id"
        )
    )
    stored = dict(Answer.objects.filter(edition=edition, city=city).values_list("parameter__key", "version"))
    rows = []
    for parameter in parameters:
        first, second = two_values(parameter)
        version = versions.get(parameter.key, stored.get(parameter.key, 0))
        rows.append(f"  {{key={lua(parameter.key)}, values={{{lua(first)}, {lua(second)}}}, version={version}}},")
    Path(output).write_text(
        "return {\n"
        f"  session={lua(session.cookies['sessionid'])},\n"
        f"  csrf={lua(session.cookies['csrftoken'])},\n"
        f"  questionnaire={lua(questionnaire)},\n"
        f"  save_prefix={lua(questionnaire + 'answer/')},\n"
        "  params={\n" + "\n".join(rows) + "\n  },\n}\n",
        encoding="utf-8",
    )
    print(f"staff mix: {username} on {questionnaire}, {len(rows)} parameters ({len(versions)} rows on the page)")


if __name__ == "__main__":
    main(*sys.argv[1:5])
