"""public/accessibility_gaps.toml, the one list of known accessibility gaps that the axe-core audit
(tests/browser/test_accessibility.py) accepts: it parses, and every gap names a rule axe-core has, the pages and
both reasons (or, for a gap no axe rule finds, its WCAG success criterion)."""

import re

from tests.browser.axe import AXE_SCRIPT, Gap, known_gaps


def test_a_gap_file_is_read_into_rules_page_globs_and_reasons(tmp_path):
    # given
    path = tmp_path / "gaps.toml"
    path.write_text(
        '[[gap]]\nrule = "color-contrast"\npages = ["/admin/*", "/en/admin/*"]\n'
        'reason_de = "Djangos Verwaltung"\nreason_en = "Django\'s admin"\n',
        encoding="utf-8",
    )

    # when
    gaps = known_gaps(path)

    # then
    assert gaps == [Gap("color-contrast", ("/admin/*", "/en/admin/*"), "Djangos Verwaltung", "Django's admin")]
    assert gaps[0].covers("color-contrast", "/admin/indicators/answer/")
    assert not gaps[0].covers("color-contrast", "/ranking/")
    assert not gaps[0].covers("image-alt", "/admin/")


def test_every_listed_gap_names_an_axe_rule_pages_and_both_reasons():
    axe_rules = set(re.findall(r'\bid:"([a-z0-9-]+)"', AXE_SCRIPT.read_text(encoding="utf-8")))
    assert {"color-contrast", "image-alt", "label"} <= axe_rules  # the pattern finds axe's rule ids

    for gap in known_gaps():
        # an axe rule, or a success criterion for a gap a person found and no axe rule finds
        assert gap.rule in axe_rules or re.fullmatch(r"wcag:\d\.\d+\.\d+", gap.rule), gap
        assert gap.pages and all(gap.pages), gap
        assert gap.reason_de.strip() and gap.reason_en.strip(), gap
