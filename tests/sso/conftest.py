"""A real OpenID Connect provider for the single sign-on tests: node oidc-provider (panva/node-oidc-provider,
OpenID-certified) from tests/sso/provider, started on a free 127.0.0.1 port for the test session.

It needs node and `npm ci` in tests/sso/provider (.ci/run does it). Missing, the tests skip, which CI
(CI_NO_SKIPS=1) turns into a failure.
"""

import json
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin

import pytest
import requests

PROVIDER_DIR = Path(__file__).parent / "provider"
CLIENT_ID = "smart-city-index"
CLIENT_SECRET = "a-test-only-client-secret-of-some-length"

# The provider's people: the login names the account (the development sign-in accepts any password).
ACCOUNTS = {
    "alice": {"email": "alice@stadt.example", "email_verified": True, "given_name": "Alice", "family_name": "A"},
    "bob": {"email": "bob@stadt.example", "email_verified": False},
    "eve": {"email": "eve@stadt.example", "email_verified": True},
    "nora": {"email": "nora@stadt.example", "email_verified": True, "given_name": "Nora", "family_name": "Neu"},
    "rita": {"email": "rita@index.example", "email_verified": True},
    "gina": {"email": "gina@stadt.example", "email_verified": True, "groups": ["staedte", "sci-stadt-x"]},
}


@dataclass
class Provider:
    issuer: str
    client_id: str = CLIENT_ID
    client_secret: str = CLIENT_SECRET


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def oidc_provider(live_server):
    node = shutil.which("node")
    if node is None or not (PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir():
        pytest.skip("the OpenID Connect provider needs node and `npm ci` in tests/sso/provider")
    port = _free_port()
    config = {
        "port": port,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "redirect_uri": f"{live_server.url}/oidc/callback/",
        "post_logout_redirect_uri": f"{live_server.url}/",
        "accounts": ACCOUNTS,
    }
    process = subprocess.Popen(
        [node, "provider.js", json.dumps(config)],
        cwd=PROVIDER_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    issuer = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):  # until its discovery document answers (or the process ends)
            if process.poll() is not None:
                pytest.fail(f"the OpenID Connect provider ended: {process.stdout.read()}")
            try:
                if requests.get(f"{issuer}/.well-known/openid-configuration", timeout=1).ok:
                    break
            except requests.ConnectionError:
                time.sleep(0.1)
        else:
            pytest.fail("the OpenID Connect provider did not answer its discovery")
        yield Provider(issuer=issuer)
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def sso_settings(settings, oidc_provider):
    settings.OIDC_ENABLED = True
    settings.OIDC_ISSUER = oidc_provider.issuer
    settings.OIDC_RP_CLIENT_ID = oidc_provider.client_id
    settings.OIDC_RP_CLIENT_SECRET = oidc_provider.client_secret
    return settings


class _Forms(HTMLParser):
    """The forms of a page: their action and their named inputs and buttons (name -> value)."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self.loose: dict = {}  # inputs outside a form, tied to it by form="..." (the provider's logout page)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({"action": attrs.get("action") or "", "fields": {}})
        elif tag in ("input", "button") and attrs.get("name"):
            target = self.forms[-1]["fields"] if self.forms else self.loose
            target.setdefault(attrs["name"], attrs.get("value") or "")


def submit_form(session: requests.Session, page: requests.Response, **fields) -> requests.Response:
    """Fill the page's (first) form with `fields` over its own hidden values and post it, following redirects."""
    parser = _Forms()
    parser.feed(page.text)
    assert parser.forms, f"no form on {page.url}: {page.text[:500]}"
    form = parser.forms[0]
    data = {**parser.loose, **form["fields"], **fields}
    return session.post(urljoin(page.url, form["action"] or page.url), data=data, timeout=30)


def sign_on(session: requests.Session, live_server_url: str, login: str, *, next_url: str = "") -> requests.Response:
    """A person's single sign-on from the site's login page through the provider's sign-in and consent pages;
    returns the last response (the page the site sends the browser to)."""
    login_page = session.get(f"{live_server_url}/accounts/login/", timeout=30)
    button = re_search(r'<a class="button" href="([^"]+)"', login_page.text)
    start = urljoin(login_page.url, button.replace("&amp;", "&"))
    if next_url:
        start = f"{start}?next={next_url}"
    page = session.get(start, timeout=30)
    assert page.url.startswith("http://127.0.0.1:") and "/interaction/" in page.url, page.url
    page = submit_form(session, page, login=login, password="any")
    if "/interaction/" in page.url:  # the provider asks to confirm what the site may read (first time)
        page = submit_form(session, page)
    return page


def re_search(pattern: str, text: str) -> str:
    import re

    match = re.search(pattern, text)
    assert match, f"{pattern!r} not found"
    return match.group(1)
