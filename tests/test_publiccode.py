"""publiccode.yml (the openCode catalogue's metadata, standard 0.4) has the keys the standard requires, parses as
YAML, and names the licence the LICENSE file holds; SECURITY.md says how to report a vulnerability."""

import datetime
from pathlib import Path

import yaml
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
# The first line of each licence text the project might ship → its SPDX identifier.
LICENCE_HEADINGS = {
    "EUROPEAN UNION PUBLIC LICENCE v. 1.2": "EUPL-1.2",
    "Apache License": "Apache-2.0",
    "MIT License": "MIT",
}
REQUIRED = {"publiccodeYmlVersion", "name", "url", "releaseDate", "platforms", "categories", "developmentStatus",
            "softwareType", "description", "legal", "maintenance", "localisation"}  # fmt: skip
SOFTWARE_TYPES = {"standalone/mobile", "standalone/iot", "standalone/desktop", "standalone/web",
                  "standalone/backend", "standalone/other", "addon", "library", "configurationFiles"}  # fmt: skip
DEVELOPMENT_STATUSES = {"concept", "development", "beta", "stable", "obsolete"}


def publiccode() -> dict:
    return yaml.safe_load((ROOT / "publiccode.yml").read_text(encoding="utf-8"))


def test_publiccode_has_the_required_keys_of_the_standard():
    data = publiccode()

    assert REQUIRED <= set(data)
    assert data["publiccodeYmlVersion"] == "0.4"
    assert data["url"].startswith("https://")
    assert datetime.date.fromisoformat(data["releaseDate"])
    assert "web" in data["platforms"]
    assert data["categories"]
    assert data["softwareType"] in SOFTWARE_TYPES and data["softwareType"] == "standalone/web"
    assert data["developmentStatus"] in DEVELOPMENT_STATUSES
    assert data["maintenance"]["type"] in {"internal", "contract", "community", "none"}
    assert all(contact["name"] for contact in data["maintenance"].get("contacts", []))


def test_publiccode_describes_the_software_in_german_and_english():
    description = publiccode()["description"]

    assert set(description) == {"de", "en"}
    for text in description.values():
        assert 0 < len(text["shortDescription"]) <= 150
        assert 150 <= len(text["longDescription"]) <= 10000
        assert text["features"]


def test_publiccode_languages_are_the_sites_languages():
    localisation = publiccode()["localisation"]

    assert localisation["localisationReady"] is True
    assert localisation["availableLanguages"] == [code for code, _name in settings.LANGUAGES]


def test_publiccode_depends_on_postgresql_and_redis():
    names = {dependency["name"] for dependency in publiccode()["dependsOn"]["open"]}

    assert {"PostgreSQL", "Redis"} <= names


def test_the_licence_in_publiccode_is_the_one_in_the_licence_file():
    first_line = (ROOT / "LICENSE").read_text(encoding="utf-8").splitlines()[0].strip()

    spdx = next(spdx for heading, spdx in LICENCE_HEADINGS.items() if first_line.startswith(heading))
    assert publiccode()["legal"]["license"] == spdx
    assert "Appendix" in (ROOT / "LICENSE").read_text(encoding="utf-8")  # the whole text, with its appendix


def test_security_md_says_how_to_report_a_vulnerability():
    text = (ROOT / "SECURITY.md").read_text(encoding="utf-8")

    assert "never in a public issue" in text
    assert "LEGAL_OPERATOR_EMAIL" in text and "maintenance.contacts" in text
    assert "Supported versions" in text and "within" in text
