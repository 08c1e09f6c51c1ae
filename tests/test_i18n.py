"""The English catalogue: every German interface string is translated, and the compiled file is current."""

import gettext
import re
from pathlib import Path

PO = Path(__file__).resolve().parents[1] / "locale" / "en" / "LC_MESSAGES" / "django.po"


def _unquote(block: str) -> str:
    return (
        "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', block))
        .encode()
        .decode("unicode_escape")
        .encode("latin-1")
        .decode("utf-8")
    )


def po_entries() -> list[tuple[str, str, bool]]:
    """(msgid, msgstr, fuzzy) for every singular entry except the header."""
    entries = []
    for raw_block in PO.read_text(encoding="utf-8").split("\n\n"):
        fuzzy = "fuzzy" in raw_block
        block = "\n".join(line for line in raw_block.splitlines() if not line.startswith("#"))
        if "msgid_plural" in block or "msgid " not in block:
            continue
        msgid = _unquote(block[block.index("msgid ") : block.index("msgstr ")])
        msgstr = _unquote(block[block.index("msgstr ") :])
        if msgid:
            entries.append((msgid, msgstr, fuzzy))
    return entries


def test_every_interface_string_has_an_english_translation():
    entries = po_entries()

    assert len(entries) > 150
    assert [msgid for msgid, msgstr, fuzzy in entries if not msgstr or fuzzy] == []


def test_the_compiled_catalogue_matches_the_translations():
    with open(PO.with_suffix(".mo"), "rb") as handle:
        catalogue = gettext.GNUTranslations(handle)

    assert [msgid for msgid, msgstr, _ in po_entries() if catalogue.gettext(msgid) != msgstr] == []


def test_no_entry_is_fuzzy_plural_forms_included():
    # msgmerge guesses a translation for a new msgid from a similar old one and marks it fuzzy; a fuzzy
    # plural ("3 answers still need evidence") would otherwise pass unnoticed
    assert [line for line in PO.read_text(encoding="utf-8").splitlines() if line.startswith("#, fuzzy")] == []


def test_every_string_of_the_jinja2_templates_has_an_english_translation():
    # makemessages does not read Jinja2 templates (smartcity/jinja2.py): their _("…") literals are checked here
    templates = Path(__file__).resolve().parents[1] / "jinja2"
    translated = {msgid for msgid, msgstr, _fuzzy in po_entries() if msgstr}
    literals = {
        match.group(2)
        for path in templates.rglob("*.html")
        for match in re.finditer(r"""\b_\(\s*(["'])(.*?)\1""", path.read_text(encoding="utf-8"))
    }

    assert len(literals) > 40
    assert sorted(literals - translated) == []
