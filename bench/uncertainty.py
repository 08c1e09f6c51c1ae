"""Benchmark of the rank uncertainty analysis (scoring/uncertainty.py) on synthetic fields of 82 and 10,000 cities.

Usage, from the repository root:

    python bench/uncertainty.py [--sizes 82,10000] [--draws 1000] [--repeat 3]

Pure numpy, no database: the catalogue's structure (indicators/data/catalogue.yaml: 5 domains, 37 indicators,
162 parameters, with its weights, directions, per-capita flags and goalposts) and synthetic values drawn like
bench/recompute.py draws its answers (yes/no, choice points, numbers inside their range), with 3 % of the
answers missing so the missing-data alternatives differ. For every size it prints (medians of --repeat):

* analysis: ``uncertainty.analyse`` with the default alternatives (3 scalings × 3 missing-data policies) and
  weight spread 0.25, --draws draws;
* indistinguishable: ``uncertainty.indistinguishable`` on its intervals (the service runs it too);
* floor, measured in the same run: the same draws' aggregation as plain BLAS work, vectorised over the draws
  as far as numpy goes: one matrix product of fixed indicator scores (C × I, NaN as 0) with the draws'
  perturbed indicator → domain weight matrices (I × D per draw, normalised), per batch of draws; the
  weighted totals; one argsort per ranked row (total + D domains per draw). No alternatives, no missing
  data, no ties, no percentiles: the least numpy work that aggregates and orders 1 + D columns per draw;
* analysis peak: the peak of memory numpy allocates during one more, untimed analysis (tracemalloc);
  max RSS at the end also counts the neighbour lists, which grow with the square of the field.

Targets (issue 7): analysis of 1,000 draws < 2 s at 82 cities and < 60 s at 10,000. The script always exits 0
once it has printed its report; it only fails on a crash.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from scoring import engine, uncertainty  # noqa: E402  (after the path is set)

CATALOGUE = REPO / "indicators" / "data" / "catalogue.yaml"
DEFAULT_SIZES = (82, 10000)
SEED = 2024
MISSING_SHARE = 0.03
TARGET_S = {82: 2.0, 10000: 60.0}


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def catalogue_structure() -> tuple[engine.Structure, list[dict]]:
    """The catalogue as an engine Structure, and its parameters (for drawing values) in the same order."""
    with open(CATALOGUE, encoding="utf-8") as handle:
        catalogue = yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    parameters, param_indicator, indicator_domain, indicator_weight, domain_weight = [], [], [], [], []
    for d, domain in enumerate(catalogue["domains"]):
        domain_weight.append(float(domain.get("weight", 1)))
        for indicator in domain["indicators"]:
            indicator_domain.append(d)
            indicator_weight.append(float(indicator.get("weight", 1)))
            for parameter in indicator["parameters"]:
                param_indicator.append(len(indicator_domain) - 1)
                parameters.append(parameter)
    goal = [p.get("goalposts") or {} for p in parameters]
    structure = engine.Structure.build(
        param_indicator=param_indicator,
        param_kind=tuple(p["type"] for p in parameters),
        indicator_domain=indicator_domain,
        param_weight=[float(p.get("weight", 1)) for p in parameters],
        param_higher_is_better=[p.get("direction", "higher") == "higher" for p in parameters],
        param_per_capita=[bool(p.get("per_capita", False)) for p in parameters],
        param_goal_worst=[float(g.get("worst", np.nan)) for g in goal],
        param_goal_best=[float(g.get("best", np.nan)) for g in goal],
        indicator_weight=indicator_weight,
        domain_weight=domain_weight,
        n_domains=len(domain_weight),
    )
    return structure, parameters


def synthetic_inputs(parameters: list[dict], n_cities: int, rng: np.random.Generator):
    """(values, population, bonus) for n_cities, drawn per parameter kind as bench/recompute.py does."""
    population = np.exp(rng.uniform(np.log(100_000), np.log(3_700_000), n_cities))
    values = np.empty((n_cities, len(parameters)))
    for p, parameter in enumerate(parameters):
        kind = parameter["type"]
        if kind == "yes_no":
            values[:, p] = rng.random(n_cities) < rng.uniform(0.2, 0.8)
        elif kind == "choice":
            points = np.array([float(option["points"]) for option in parameter["options"]])
            values[:, p] = points[rng.integers(0, len(points), n_cities)]
        else:
            low = float(parameter.get("min", 0.0))
            if parameter.get("max") is not None:
                high = np.full(n_cities, float(parameter["max"]))
            elif parameter.get("per_capita"):
                high = low + 5.0 * population / 1000.0  # up to 5 per 1,000 inhabitants
            else:
                high = np.full(n_cities, max(4 * low, 100.0))
            value = low + rng.random(n_cities) * (high - low)
            values[:, p] = np.floor(value) if kind == "count" else np.round(value, 2)
    values[rng.random(values.shape) < MISSING_SHARE] = np.nan
    n_domains = 5
    bonus = np.where(rng.random((n_cities, n_domains)) < 0.2, rng.integers(1, 6, (n_cities, n_domains)), 0.0)
    return values, population, bonus


def floor(indicator_score: np.ndarray, structure: engine.Structure, draws: int, spread: float) -> float:
    """Seconds for the floor of `draws` draws (see the module docstring); the weights are drawn beforehand."""
    scores = np.nan_to_num(indicator_score)
    n_cities, n_indicators = scores.shape
    n_domains = structure.n_domains
    rng = np.random.default_rng(SEED)
    membership = np.zeros((n_indicators, n_domains))
    membership[np.arange(n_indicators), structure.indicator_domain] = 1.0
    factor = rng.uniform(1 - spread, 1 + spread, (draws, n_indicators))
    weights = (structure.indicator_weight * factor)[:, :, None] * membership  # (draws, I, D)
    weights /= weights.sum(axis=1, keepdims=True)
    weights = np.ascontiguousarray(weights.transpose(1, 0, 2)).reshape(n_indicators, draws * n_domains)
    domain_weight = structure.domain_weight * rng.uniform(1 - spread, 1 + spread, (draws, n_domains))
    domain_weight /= domain_weight.sum(axis=1, keepdims=True)
    batch = max(1, min(draws, uncertainty.BATCH_ELEMENTS // n_cities))
    ranked = 0
    started = time.perf_counter()
    for start in range(0, draws, batch):
        stop = min(start + batch, draws)
        domain = scores @ weights[:, start * n_domains : stop * n_domains]  # (C, B·D)
        domain = domain.T.reshape(stop - start, n_domains, n_cities)  # (B, D, C)
        total = np.einsum("bdc,bd->bc", domain, domain_weight[start:stop])
        ranked += len(np.argsort(np.concatenate([total, domain.reshape(-1, n_cities)]), axis=1))
    elapsed = time.perf_counter() - started
    if ranked != draws * (1 + n_domains):
        raise RuntimeError("floor ranked the wrong number of rows")
    return elapsed


def analysis_peak_mb(structure, values, population, bonus, methodology, draws: int) -> float:
    """Peak MB traced during one analysis (numpy reports its allocations to tracemalloc)."""
    tracemalloc.start()
    try:
        uncertainty.analyse(structure, values, population, bonus, methodology, draws=draws, seed=SEED)
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def measure(size: int, draws: int, repeat: int, structure, parameters, rng) -> dict:
    values, population, bonus = synthetic_inputs(parameters, size, rng)
    methodology = engine.Methodology()
    official = engine.compute(structure, values, population, bonus, methodology)
    analyses, neighbours, floors = [], [], []
    for _ in range(repeat):
        started = time.perf_counter()
        result = uncertainty.analyse(structure, values, population, bonus, methodology, draws=draws, seed=SEED)
        analyses.append(time.perf_counter() - started)
        started = time.perf_counter()
        lists = uncertainty.indistinguishable(result.rank_low, result.rank_high, result.official_rank)
        neighbours.append(time.perf_counter() - started)
        neighbours_per_city = float(np.mean([len(cities) for cities in lists]))
        floors.append(floor(official.indicator_score, structure, draws, uncertainty.DEFAULT_WEIGHT_SPREAD))
    del lists
    peak_mb = analysis_peak_mb(structure, values, population, bonus, methodology, draws)
    if not np.array_equal(result.official_rank, official.total_rank):
        raise RuntimeError("the analysis' official ranks differ from engine.compute")
    width = result.rank_high - result.rank_low
    return {
        "cities": size,
        "analysis_s": statistics.median(analyses),
        "analysis_all_s": analyses,
        "indistinguishable_s": statistics.median(neighbours),
        "floor_s": statistics.median(floors),
        "alternatives": len(result.normalisations) * len(result.missing_policies),
        "median_width": float(np.median(width)),
        "mean_neighbours": neighbours_per_city,
        "peak_mb": peak_mb,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes",
        default=",".join(map(str, DEFAULT_SIZES)),
        type=lambda text: [int(part) for part in text.split(",") if part.strip()],
    )
    parser.add_argument("--draws", type=int, default=uncertainty.DEFAULT_DRAWS)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    if args.repeat < 1 or args.draws < 1 or not args.sizes or min(args.sizes) < 2:
        parser.error("--repeat and --draws must be positive, --sizes at least 2")

    started, load_before = time.perf_counter(), os.getloadavg()
    structure, parameters = catalogue_structure()
    rng = np.random.default_rng(SEED)
    rows = []
    for size in args.sizes:
        row = measure(size, args.draws, args.repeat, structure, parameters, rng)
        log(f"{size} cities: analysis {row['analysis_s']:.2f} s, floor {row['floor_s']:.2f} s")
        rows.append(row)

    print()
    print("Rank uncertainty benchmark (bench/uncertainty.py)")
    print(
        f"python {platform.python_version()}, numpy {np.__version__}, CPUs {os.cpu_count()}, "
        f"draws {args.draws}, repeat {args.repeat}, catalogue {structure.n_domains} domains / "
        f"{structure.n_indicators} indicators / {structure.n_parameters} parameters, {MISSING_SHARE:.0%} missing"
    )
    print(
        f"load average (1/5/15 min) before {'/'.join(f'{x:.2f}' for x in load_before)}, "
        f"after {'/'.join(f'{x:.2f}' for x in os.getloadavg())}  (other processes on the machine skew timings)"
    )
    print()
    print(
        "times in s (medians); ratio = analysis / floor; indist. = indistinguishable(); width = median "
        "5-95 % interval width in ranks; neighbours = mean list length; peak = analysis' numpy peak"
    )
    header = (
        f"{'cities':>7}{'alts':>6}{'analysis':>10}{'floor':>8}{'ratio':>7}{'indist.':>9}"
        f"{'width':>7}{'neighbours':>12}{'peak MB':>9}  target"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        target = TARGET_S.get(row["cities"])
        verdict = "-" if target is None else f"<{target:.0f}s {'ok' if row['analysis_s'] < target else 'MISSED'}"
        print(
            f"{row['cities']:>7,}{row['alternatives']:>6}{row['analysis_s']:>10.3f}{row['floor_s']:>8.3f}"
            f"{row['analysis_s'] / row['floor_s']:>7.2f}{row['indistinguishable_s']:>9.3f}"
            f"{row['median_width']:>7.0f}{row['mean_neighbours']:>12.1f}{row['peak_mb']:>9.0f}  {verdict}"
        )
    print()
    max_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"max RSS of the process (neighbour lists included): {max_rss_mb:.0f} MB")
    print(f"total wall time: {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
