"""axe-core in the browser tests: the vendored script, the WCAG 2.0/2.1 A and AA run, and the known gaps.

assets/axe.min.js is axe-core 4.14.1 (Deque Systems, MPL-2.0, https://github.com/dequelabs/axe-core), copied
unchanged from the npm package (`npm pack axe-core@4.14.1`); see assets/README.md. It is added to a browser
context as an init script (Chrome DevTools Protocol), which the site's Content-Security-Policy does not apply to.
"""

import fnmatch
import tomllib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings

AXE_SCRIPT = Path(__file__).resolve().parent / "assets" / "axe.min.js"
GAPS_FILE = Path(settings.BASE_DIR) / "public" / "accessibility_gaps.toml"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@dataclass(frozen=True)
class Gap:
    """A known violation the accessibility statement lists: axe's rule id on the pages matching a glob."""

    rule: str
    pages: tuple[str, ...]
    reason_de: str
    reason_en: str

    def covers(self, rule: str, path: str) -> bool:
        return rule == self.rule and any(fnmatch.fnmatchcase(path, pattern) for pattern in self.pages)


def known_gaps(path: Path = GAPS_FILE) -> list[Gap]:
    """The [[gap]] tables of public/accessibility_gaps.toml (every one needs all four keys)."""
    with path.open("rb") as file:
        tables = tomllib.load(file).get("gap", [])
    return [Gap(t["rule"], tuple(t["pages"]), t["reason_de"], t["reason_en"]) for t in tables]


def with_axe(context):
    """Make window.axe available on every page the browser context opens."""
    context.add_init_script(path=str(AXE_SCRIPT))
    return context


def audit(page, *, label: str, gaps: list[Gap]) -> list[str]:
    """Run axe's WCAG 2.0/2.1 A and AA rules on the page; one line per violation no known gap covers, naming
    the page, `label` (viewport and language), the rule and the offending nodes."""
    violations = page.evaluate(
        """async tags => {
            const options = {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]};
            const result = await axe.run(document, options);
            return result.violations.map(
                v => ({id: v.id, help: v.help, targets: v.nodes.map(n => n.target.join(" "))}));
        }""",
        WCAG_TAGS,
    )
    path = urlsplit(page.url).path
    return [
        f"{path} [{label}] {v['id']} ({v['help']}): {', '.join(v['targets'][:6])}"
        + (f" and {len(v['targets']) - 6} more" if len(v["targets"]) > 6 else "")
        for v in violations
        if not any(gap.covers(v["id"], path) for gap in gaps)
    ]
