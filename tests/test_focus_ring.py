"""The keyboard focus ring (static/css/site.css's --focus-ring) has at least 3:1 contrast (WCAG 1.4.11) against
every background the site's style sheets give a surface, computed as WCAG 2.1 defines relative luminance."""

import re
from pathlib import Path

import pytest

CSS = Path(__file__).resolve().parents[1] / "static" / "css"
RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")
BACKGROUND = re.compile(r"background(?:-color)?:\s*(#[0-9a-fA-F]{6}|#[0-9a-fA-F]{3})\b")


def luminance(colour: str) -> float:
    digits = colour.lstrip("#")
    if len(digits) == 3:
        digits = "".join(d * 2 for d in digits)
    channels = [int(digits[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(first: str, second: str) -> float:
    lighter, darker = sorted([luminance(first), luminance(second)], reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def focus_ring() -> str:
    return re.search(r"--focus-ring:\s*(#[0-9a-fA-F]{3,6})\b", (CSS / "site.css").read_text()).group(1)


def surfaces() -> dict[str, str]:
    """Every background colour of the site's style sheets by its rule; the status badges hold no control."""
    found = {}
    for sheet in sorted(CSS.glob("*.css")):
        for selector, body in RULE.findall(re.sub(r"/\*.*?\*/", "", sheet.read_text(), flags=re.S)):
            if "badge" in selector:
                continue
            for colour in BACKGROUND.findall(body):
                found[f"{sheet.name}: {' '.join(selector.split())}"] = colour
    return found


def test_contrast_is_computed_as_wcag_defines_it():
    assert contrast("#000", "#fff") == pytest.approx(21)
    assert contrast("#f5a623", "#ffffff") == pytest.approx(2.03, abs=0.01)  # the old orange ring: too faint


def test_the_focus_ring_has_3_to_1_against_white_the_header_and_every_surface():
    ring = focus_ring()
    backgrounds = surfaces()
    assert backgrounds["site.css: .site-header"] == "#00365f"  # the header is among them

    too_faint = {
        rule: round(contrast(ring, colour), 2) for rule, colour in backgrounds.items() if contrast(ring, colour) < 3
    }

    assert contrast(ring, "#ffffff") >= 3
    assert too_faint == {}
