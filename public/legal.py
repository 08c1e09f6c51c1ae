"""What the legal pages show: the operator's facts from settings (LEGAL_*, ACCESSIBILITY_*) and the known
accessibility gaps from public/accessibility_gaps.toml (the file the browser tests' audit reads too)."""

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.conf import settings
from django.utils.translation import get_language

GAPS_FILE = Path(__file__).resolve().parent / "accessibility_gaps.toml"


@dataclass(frozen=True)
class Gap:
    rule: str
    pages: tuple[str, ...]
    reason_de: str
    reason_en: str

    @property
    def reason(self) -> str:
        """The reason in the active language (German for any language but English)."""
        return self.reason_en if (get_language() or "").startswith("en") else self.reason_de


@cache
def _gaps(path: Path) -> tuple[Gap, ...]:
    with path.open("rb") as file:
        data = tomllib.load(file)
    return tuple(
        Gap(rule=gap["rule"], pages=tuple(gap["pages"]), reason_de=gap["reason_de"], reason_en=gap["reason_en"])
        for gap in data.get("gap", [])
    )


def accessibility_gaps(path: Path = GAPS_FILE) -> tuple[Gap, ...]:
    """The known gaps, in the file's order (read once per process; a malformed file fails loudly: KeyError or
    tomllib.TOMLDecodeError)."""
    return _gaps(path)


def operator() -> dict:
    """The operator's facts as the templates read them."""
    return {
        "demo": settings.LEGAL_DEMO,
        "name": settings.LEGAL_OPERATOR_NAME,
        "address": settings.LEGAL_OPERATOR_ADDRESS,
        "email": settings.LEGAL_OPERATOR_EMAIL,
        "phone": settings.LEGAL_OPERATOR_PHONE,
        "representative": settings.LEGAL_REPRESENTATIVE,
        "register_entry": settings.LEGAL_REGISTER_ENTRY,
        "vat_id": settings.LEGAL_VAT_ID,
        "content_responsible": settings.LEGAL_CONTENT_RESPONSIBLE,
        "dpo": settings.LEGAL_DPO,
        "dpo_email": settings.LEGAL_DPO_EMAIL,
        "supervisory_authority": settings.LEGAL_SUPERVISORY_AUTHORITY,
        "supervisory_authority_url": settings.LEGAL_SUPERVISORY_AUTHORITY_URL,
        "hosting_provider": settings.LEGAL_HOSTING_PROVIDER,
        "access_log_days": settings.LEGAL_ACCESS_LOG_DAYS,
    }


def cookies() -> list[dict]:
    """Every cookie the site sets, by its configured name, with when and for how long (the privacy notice)."""
    return [
        {"name": settings.SESSION_COOKIE_NAME, "kind": "session", "hours": settings.SESSION_COOKIE_AGE // 3600},
        {"name": settings.CSRF_COOKIE_NAME, "kind": "csrf", "days": settings.CSRF_COOKIE_AGE // 86400},
        {"name": settings.LANGUAGE_COOKIE_NAME, "kind": "language"},
        {"name": "messages", "kind": "messages"},
    ]
