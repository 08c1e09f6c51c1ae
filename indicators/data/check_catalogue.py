"""Check the Smart City Index catalogue (`catalogue.yaml` next to this file).

Usage:
    python indicators/data/check_catalogue.py [path/to/catalogue.yaml]

Prints a summary (indicators and parameters per domain, parameters per type) and exits
with status 1 when the file breaks a rule. Importable: `check(data)` returns the list of
problems of an already-loaded catalogue, `load(path)` reads a file and rejects duplicate
mapping keys (which plain PyYAML would silently overwrite).

Plain Python + PyYAML; no Django imports, so it runs before the project is set up.

Size: a standalone script, every rule beside its message, run before Django is set up.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from numbers import Real
from pathlib import Path

import yaml

CATALOGUE_PATH = Path(__file__).with_name("catalogue.yaml")

EXPECTED_DOMAINS = {
    "verwaltung": ("Verwaltung", "Administration"),
    "it-kommunikation": ("IT und Kommunikation", "IT and communication"),
    "energie-umwelt": ("Energie und Umwelt", "Energy and environment"),
    "mobilitaet": ("Mobilität", "Mobility"),
    "gesellschaft-bildung": ("Gesellschaft und Bildung", "Society and education"),
}
# Indicators the 2024-shaped catalogue must contain (German names; one of each tuple).
REQUIRED_INDICATORS = [
    ("Serviceportal",),
    ("Online-Bürgerservices",),
    ("Digitale Ratsarbeit",),
    ("Open Data",),
    ("Glasfaser",),
    ("Mobilfunk/5G",),
    ("Öffentliches WLAN",),
    ("Smart Meter",),
    ("Ladeinfrastruktur",),
    ("Anteil emissionsarmer Busse",),
    ("Sharing-Angebote",),
    ("Intelligente Verkehrssteuerung",),
    ("Digitales Parken",),
    ("E-Government-Strategie", "Digitalstrategie"),
    ("Bürgerbeteiligung",),
    ("Digitale Schulen",),
    ("Digitale Bibliothek",),
    ("Umweltsensorik",),
    ("Intelligente Straßenbeleuchtung",),
    ("Gebäudeautomation",),
]

N_DOMAINS = 5
N_INDICATORS = 37
PARAMETERS_RANGE = (155, 165)
INDICATORS_PER_DOMAIN = (7, 8)
PARAMETERS_PER_INDICATOR = (3, 6)
OPTIONS_RANGE = (3, 5)

TYPES = ("yes_no", "choice", "number", "percentage", "count")
NUMERIC_TYPES = ("number", "percentage", "count")
DIRECTIONS = ("higher", "lower")
# Share of all parameters, in percent (inclusive bounds).
YES_NO_SHARE = (55, 65)
CHOICE_SHARE = (12, 18)
MIN_NUMERIC = 20
MIN_PER_CAPITA_COUNTS = 5
MIN_LOWER_IS_BETTER = 4
MAX_GOALPOSTS = 4

KEY_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# Field lengths of the models the catalogue is loaded into (indicators.models).
MAX_LEN = {
    "domain_key": 60,
    "indicator_key": 60,
    "parameter_key": 80,
    "option_key": 60,
    "name": 200,
    "source": 200,
    "unit": 40,
}
MAX_WEIGHT = 9999  # DecimalField(max_digits=8, decimal_places=4)
# Transliterations that betray missing umlauts / ß in German text, and mojibake.
GERMAN_SMELLS = re.compile(
    r"\b(?:Buerger\w*|\w*buerger\w*|\w*[Ss]trasse\w*|[Oo]effentlich\w*|[Ff]uer|[Uu]eber\w*|"
    r"\w*[Gg]ebaeude\w*|[Mm]oeglich\w*|\w*[Ss]chueler\w*|\w*[Ff]aehig\w*|\w*[Zz]aehl\w*)\b"
    r"|Ã|Â|\ufffd"
)

DOMAIN_FIELDS = {"key", "name_de", "name_en", "weight", "indicators"}
INDICATOR_FIELDS = {"key", "name_de", "name_en", "description_de", "description_en", "weight", "parameters"}
PARAMETER_REQUIRED = {
    "key",
    "name_de",
    "name_en",
    "type",
    "help_de",
    "help_en",
    "source_de",
    "source_en",
    "evidence_required",
    "weight",
}
PARAMETER_OPTIONAL = {
    "options",
    "unit",
    "min",
    "max",
    "direction",
    "per_capita",
    "goalposts",
    "collection_mode",
    "official_profile",  # the importer profile that feeds an official parameter (issue 16)
    "official_options",  # its default options, name: value
}
# Where a parameter's values come from (Parameter.CollectionMode); "city" when the key is absent.
COLLECTION_MODES = {"city", "official", "research"}
OPTION_FIELDS = {"key", "label_de", "label_en", "points"}


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys inside one mapping."""


def _construct_mapping(loader, node, deep=False):
    seen = set()
    for key_node, _value in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                "while constructing a mapping", node.start_mark, f"duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load(path: Path | str = CATALOGUE_PATH) -> dict:
    """Read a catalogue file (UTF-8), rejecting duplicate mapping keys."""
    with open(path, encoding="utf-8") as handle:
        return yaml.load(handle, Loader=_UniqueKeyLoader)  # noqa: S506 - SafeLoader subclass


def _is_number(value) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool)


def _text(problems: list[str], where: str, obj: dict, field: str, max_len: int | None = None) -> None:
    value = obj.get(field)
    if not isinstance(value, str) or not value.strip():
        problems.append(f"{where}: {field} must be a non-empty string")
        return
    if value != value.strip() or "  " in value:
        problems.append(f"{where}: {field} has stray whitespace")
    if max_len is not None and len(value) > max_len:
        problems.append(f"{where}: {field} longer than {max_len} characters")
    if field.endswith("_de") and GERMAN_SMELLS.search(value):
        problems.append(f"{where}: {field} looks like German without umlauts or mis-encoded: {value!r}")


def _weight(problems: list[str], where: str, obj: dict) -> None:
    weight = obj.get("weight")
    if not _is_number(weight) or not 0 < weight <= MAX_WEIGHT:
        problems.append(f"{where}: weight must be a number > 0, got {weight!r}")


def _key(problems: list[str], where: str, obj: dict, kind: str, seen: set[str]) -> str | None:
    key = obj.get("key")
    if not isinstance(key, str) or not KEY_RE.match(key):
        problems.append(f"{where}: key {key!r} is not a slug (lower-case ascii, digits, hyphens)")
        return None
    if len(key) > MAX_LEN[f"{kind}_key"]:
        problems.append(f"{where}: key longer than {MAX_LEN[f'{kind}_key']} characters")
    if key in seen:
        problems.append(f"{where}: duplicate {kind} key {key!r}")
    seen.add(key)
    return key


def _fields(problems: list[str], where: str, obj: dict, allowed: set[str], required: set[str]) -> None:
    missing = sorted(required - obj.keys())
    unknown = sorted(obj.keys() - allowed)
    if missing:
        problems.append(f"{where}: missing field(s) {', '.join(missing)}")
    if unknown:
        problems.append(f"{where}: unknown field(s) {', '.join(unknown)}")


def _check_options(problems: list[str], where: str, options) -> None:
    if not isinstance(options, list) or not OPTIONS_RANGE[0] <= len(options) <= OPTIONS_RANGE[1]:
        problems.append(f"{where}: choice needs a list of {OPTIONS_RANGE[0]}-{OPTIONS_RANGE[1]} options")
        return
    keys: set[str] = set()
    points = []
    for index, option in enumerate(options):
        at = f"{where} option {index + 1}"
        if not isinstance(option, dict):
            problems.append(f"{at}: must be a mapping")
            return
        _fields(problems, at, option, OPTION_FIELDS, OPTION_FIELDS)
        _key(problems, at, option, "option", keys)
        _text(problems, at, option, "label_de", MAX_LEN["name"])
        _text(problems, at, option, "label_en", MAX_LEN["name"])
        value = option.get("points")
        if not _is_number(value) or not 0 <= value <= 1:
            problems.append(f"{at}: points must be a number within 0..1, got {value!r}")
            return
        points.append(value)
    if any(b <= a for a, b in zip(points, points[1:], strict=False)):
        problems.append(f"{where}: option points must be strictly ascending, got {points}")
    if points[0] != 0 or points[-1] != 1:
        problems.append(f"{where}: option points must start at 0 and end at 1, got {points}")


def _check_numeric(problems: list[str], where: str, param: dict) -> None:
    kind = param["type"]
    _text(problems, where, param, "unit", MAX_LEN["unit"])
    if param.get("direction") not in DIRECTIONS:
        problems.append(f"{where}: direction must be one of {DIRECTIONS}, got {param.get('direction')!r}")
    low, high = param.get("min"), param.get("max")
    if not _is_number(low):
        problems.append(f"{where}: min must be a number, got {low!r}")
        low = None
    if high is not None and not _is_number(high):
        problems.append(f"{where}: max must be a number, got {high!r}")
        high = None
    if low is not None and high is not None and not low < high:
        problems.append(f"{where}: min ({low}) must be below max ({high})")
    if kind == "percentage":
        if param.get("unit") != "%":
            problems.append(f"{where}: a percentage has unit '%'")
        if high is None:
            problems.append(f"{where}: a percentage needs max")
        if (low is not None and low < 0) or (high is not None and high > 100):
            problems.append(f"{where}: a percentage lies within 0..100")
        if "per_capita" in param:
            problems.append(f"{where}: per_capita is only for number/count")
    if kind == "count" and low is not None and low < 0:
        problems.append(f"{where}: a count cannot be negative (min {low})")
    if "per_capita" in param and not isinstance(param["per_capita"], bool):
        problems.append(f"{where}: per_capita must be true or false")
    if "goalposts" in param:
        goal = param["goalposts"]
        if not isinstance(goal, dict) or set(goal) != {"worst", "best"} or not all(map(_is_number, goal.values())):
            problems.append(f"{where}: goalposts must be {{worst: <number>, best: <number>}}")
            return
        worst, best = goal["worst"], goal["best"]
        if param.get("direction") == "higher" and not best > worst:
            problems.append(f"{where}: goalposts best must exceed worst when higher is better")
        if param.get("direction") == "lower" and not best < worst:
            problems.append(f"{where}: goalposts best must be below worst when lower is better")
        for name, value in goal.items():
            if (low is not None and value < low) or (high is not None and value > high):
                problems.append(f"{where}: goalposts {name} ({value}) outside min..max")


def _check_parameter(problems: list[str], where: str, param, seen: set[str]) -> None:
    if not isinstance(param, dict):
        problems.append(f"{where}: must be a mapping")
        return
    _fields(problems, where, param, PARAMETER_REQUIRED | PARAMETER_OPTIONAL, PARAMETER_REQUIRED)
    key = _key(problems, where, param, "parameter", seen)
    where = f"{where} ({key})" if key else where
    for field in ("name_de", "name_en"):
        _text(problems, where, param, field, MAX_LEN["name"])
    for field in ("help_de", "help_en"):
        _text(problems, where, param, field)
    for field in ("source_de", "source_en"):
        _text(problems, where, param, field, MAX_LEN["source"])
    if not isinstance(param.get("evidence_required"), bool):
        problems.append(f"{where}: evidence_required must be true or false")
    if "collection_mode" in param and param["collection_mode"] not in COLLECTION_MODES:
        problems.append(f"{where}: collection_mode must be one of {', '.join(sorted(COLLECTION_MODES))}")
    if "official_profile" in param:
        if not isinstance(param["official_profile"], str) or not param["official_profile"]:
            problems.append(f"{where}: official_profile must be a profile key")
        if param.get("collection_mode") != "official":
            problems.append(f"{where}: official_profile needs collection_mode official")
    if "official_options" in param and (
        "official_profile" not in param
        or not isinstance(param["official_options"], dict)
        or not all(isinstance(v, (str, bool)) for v in param["official_options"].values())
    ):
        problems.append(f"{where}: official_options must be a mapping of names to text or true/false, with a profile")
    _weight(problems, where, param)

    kind = param.get("type")
    if kind not in TYPES:
        problems.append(f"{where}: type must be one of {TYPES}, got {kind!r}")
        return
    if kind == "choice":
        _check_options(problems, where, param.get("options"))
    elif "options" in param:
        problems.append(f"{where}: only choice parameters have options")
    if kind in NUMERIC_TYPES:
        _check_numeric(problems, where, param)
    else:
        stray = sorted({"unit", "min", "max", "direction", "per_capita", "goalposts"} & param.keys())
        if stray:
            problems.append(f"{where}: {kind} parameters take no {', '.join(stray)}")


def parameters(data: dict) -> list[tuple[dict, dict, dict]]:
    """All (domain, indicator, parameter) triples of a well-formed catalogue, in file order."""
    return [
        (domain, indicator, param)
        for domain in data.get("domains") or []
        if isinstance(domain, dict)
        for indicator in domain.get("indicators") or []
        if isinstance(indicator, dict)
        for param in indicator.get("parameters") or []
        if isinstance(param, dict)
    ]


def check(data: dict) -> list[str]:
    """Return the problems of a loaded catalogue; an empty list means it is valid.

    Long: a flat list of rules, one check and message each; split by level it would only scatter them."""
    problems: list[str] = []
    if not isinstance(data, dict):
        return ["catalogue must be a mapping with version and domains"]
    unknown = sorted(data.keys() - {"version", "domains"})
    if unknown:
        problems.append(f"top level: unknown field(s) {', '.join(unknown)}")
    if not isinstance(data.get("version"), str) or not data["version"].strip():
        problems.append("top level: version must be a non-empty string")
    domains = data.get("domains")
    if not isinstance(domains, list):
        return problems + ["top level: domains must be a list"]
    if len(domains) != N_DOMAINS:
        problems.append(f"expected {N_DOMAINS} domains, found {len(domains)}")

    domain_keys: set[str] = set()
    indicator_keys: set[str] = set()
    parameter_keys: set[str] = set()
    n_indicators = 0
    for d_index, domain in enumerate(domains):
        where = f"domain {d_index + 1}"
        if not isinstance(domain, dict):
            problems.append(f"{where}: must be a mapping")
            continue
        _fields(problems, where, domain, DOMAIN_FIELDS, DOMAIN_FIELDS)
        key = _key(problems, where, domain, "domain", domain_keys)
        where = f"domain {key}" if key else where
        _text(problems, where, domain, "name_de", MAX_LEN["name"])
        _text(problems, where, domain, "name_en", MAX_LEN["name"])
        _weight(problems, where, domain)
        expected = EXPECTED_DOMAINS.get(key)
        if expected is None:
            problems.append(f"{where}: not one of the five domains {sorted(EXPECTED_DOMAINS)}")
        elif (domain.get("name_de"), domain.get("name_en")) != expected:
            problems.append(f"{where}: names must be {expected[0]!r} / {expected[1]!r}")

        indicators = domain.get("indicators")
        if not isinstance(indicators, list):
            problems.append(f"{where}: indicators must be a list")
            continue
        n_indicators += len(indicators)
        if not INDICATORS_PER_DOMAIN[0] <= len(indicators) <= INDICATORS_PER_DOMAIN[1]:
            low, high = INDICATORS_PER_DOMAIN
            problems.append(f"{where}: has {len(indicators)} indicators, expected {low}-{high}")
        for i_index, indicator in enumerate(indicators):
            at = f"{where} indicator {i_index + 1}"
            if not isinstance(indicator, dict):
                problems.append(f"{at}: must be a mapping")
                continue
            _fields(problems, at, indicator, INDICATOR_FIELDS, INDICATOR_FIELDS)
            i_key = _key(problems, at, indicator, "indicator", indicator_keys)
            at = f"indicator {i_key}" if i_key else at
            for field in ("name_de", "name_en"):
                _text(problems, at, indicator, field, MAX_LEN["name"])
            for field in ("description_de", "description_en"):
                _text(problems, at, indicator, field)
            _weight(problems, at, indicator)
            params = indicator.get("parameters")
            if not isinstance(params, list):
                problems.append(f"{at}: parameters must be a list")
                continue
            if not PARAMETERS_PER_INDICATOR[0] <= len(params) <= PARAMETERS_PER_INDICATOR[1]:
                low, high = PARAMETERS_PER_INDICATOR
                problems.append(f"{at}: has {len(params)} parameters, expected {low}-{high}")
            for p_index, param in enumerate(params):
                _check_parameter(problems, f"{at} parameter {p_index + 1}", param, parameter_keys)

    if n_indicators != N_INDICATORS:
        problems.append(f"expected {N_INDICATORS} indicators, found {n_indicators}")
    names = {
        indicator.get("name_de")
        for domain in domains
        if isinstance(domain, dict) and isinstance(domain.get("indicators"), list)
        for indicator in domain["indicators"]
        if isinstance(indicator, dict)
    }
    for alternatives in REQUIRED_INDICATORS:
        if not names & set(alternatives):
            problems.append(f"missing indicator {' / '.join(map(repr, alternatives))}")

    params = [param for _d, _i, param in parameters(data)]
    total = len(params)
    if not PARAMETERS_RANGE[0] <= total <= PARAMETERS_RANGE[1]:
        problems.append(f"expected {PARAMETERS_RANGE[0]}-{PARAMETERS_RANGE[1]} parameters, found {total}")
    if total:
        types = Counter(param.get("type") for param in params)
        for kind, (low, high) in (("yes_no", YES_NO_SHARE), ("choice", CHOICE_SHARE)):
            share = 100 * types[kind] / total
            if not low <= share <= high:
                problems.append(f"type mix: {kind} is {share:.1f} % of parameters, expected {low}-{high} %")
        numeric = [param for param in params if param.get("type") in NUMERIC_TYPES]
        if len(numeric) < MIN_NUMERIC:
            problems.append(f"type mix: {len(numeric)} numeric parameters, expected at least {MIN_NUMERIC}")
        per_capita_counts = sum(1 for p in numeric if p.get("type") == "count" and p.get("per_capita") is True)
        if per_capita_counts < MIN_PER_CAPITA_COUNTS:
            problems.append(
                f"type mix: {per_capita_counts} per-capita counts, expected at least {MIN_PER_CAPITA_COUNTS}"
            )
        lower = sum(1 for p in numeric if p.get("direction") == "lower")
        if lower < MIN_LOWER_IS_BETTER:
            problems.append(f"type mix: {lower} lower-is-better parameters, expected at least {MIN_LOWER_IS_BETTER}")
        goalposts = sum(1 for p in params if "goalposts" in p)
        if goalposts > MAX_GOALPOSTS:
            problems.append(f"{goalposts} parameters use goalposts, expected at most {MAX_GOALPOSTS}")
    return problems


def summary(data: dict) -> str:
    """Counts per domain and per type, as printed by main()."""
    lines = [f"Catalogue version {data.get('version')!r}"]
    triples = parameters(data)
    for domain in data.get("domains") or []:
        if not isinstance(domain, dict):
            continue
        indicators = [i for i in domain.get("indicators") or [] if isinstance(i, dict)]
        n_params = sum(1 for d, _i, _p in triples if d is domain)
        lines.append(f"  {str(domain.get('key')):<22} {len(indicators):>2} indicators {n_params:>4} parameters")
    n_indicators = sum(
        1
        for domain in data.get("domains") or []
        if isinstance(domain, dict)
        for indicator in domain.get("indicators") or []
        if isinstance(indicator, dict)
    )
    total = len(triples)
    lines.append(f"  {'total':<22} {n_indicators:>2} indicators {total:>4} parameters")
    types = Counter(p.get("type") for _d, _i, p in triples)
    lines.append("Parameters per type:")
    for kind in TYPES:
        share = 100 * types[kind] / total if total else 0
        lines.append(f"  {kind:<12} {types[kind]:>4}  {share:5.1f} %")
    params = [p for _d, _i, p in triples]
    lines.append(
        "Numeric details: "
        f"per_capita {sum(1 for p in params if p.get('per_capita') is True)} "
        f"(counts {sum(1 for p in params if p.get('per_capita') is True and p.get('type') == 'count')}), "
        f"lower-is-better {sum(1 for p in params if p.get('direction') == 'lower')}, "
        f"goalposts {sum(1 for p in params if 'goalposts' in p)}, "
        f"weight != 1: {sum(1 for p in params if p.get('weight') != 1)}, "
        f"no evidence required: {sum(1 for p in params if p.get('evidence_required') is False)}"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    path = Path(argv[0]) if argv else CATALOGUE_PATH
    try:
        data = load(path)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        print(f"{path}: cannot load: {error}", file=sys.stderr)
        return 1
    if isinstance(data, dict):
        print(summary(data))
    problems = check(data)
    if problems:
        print(f"\n{len(problems)} problem(s) in {path}:", file=sys.stderr)
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    print(f"\nOK: {path} passes all checks.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
