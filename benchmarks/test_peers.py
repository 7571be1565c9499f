"""regolite against regorus and regopy on every gatekeeper-library sample, in one run.

Per sample (template + constraint parameters + its sample objects) and engine:
the template's Rego is loaded once (not timed), every engine's violations are
compared with the others' for every sample input (the messages, as sets), then
one benchmark round evaluates `data.<package>.violation` once per input.
Benchmarks are grouped by sample; at the end `conftest.py` prints the per-sample
table of medians and ratios and writes it to `benchmarks/results/peers.json`.

    pip install '.[bench]'
    python -m pytest benchmarks/test_peers.py --benchmark-only

A peer that is not installed is skipped. An engine that fails to load a sample,
raises, or returns other messages than the majority of the engines is not timed
on that sample: for regolite that is a test failure, for a peer a skip (its known
bugs are listed in benchmarks/README.md), reported with every engine's answers.
"""

from __future__ import annotations

import json
import math
import platform
from collections import Counter
from dataclasses import dataclass, field

import pytest

from benchmarks.conftest import REPO, shared_dir
from benchmarks.gatekeeper_samples import load_samples
from benchmarks.peers import ENGINE_NAMES, Engine, make_engine

LIBRARY = shared_dir() / "gatekeeper-library" / "library" / "general"
SAMPLES = load_samples(LIBRARY) if LIBRARY.is_dir() else []
RESULTS_PATH = REPO / "benchmarks" / "results" / "peers.json"
BASELINE = "regolite"
PEERS = tuple(n for n in ENGINE_NAMES if n != BASELINE)
PIP_NAMES = {"regorus": "gordon-to-regorus", "regopy": "regopy"}


@dataclass
class SampleRun:
    """What one sample gave: loaded engines, their answers, their timings."""

    engines: dict = field(default_factory=dict)  # engine name -> loaded Engine
    answers: dict = field(default_factory=dict)  # engine name -> [sorted messages per input] or "error: ..."
    median_us: dict = field(default_factory=dict)  # engine name -> median µs per evaluation


RUNS: dict[str, SampleRun] = {}  # sample name -> SampleRun, filled as tests run; read by the report


def messages(violations) -> list:
    """The violation messages, sorted, duplicates dropped (Gatekeeper sees a set)."""
    found = set()
    for v in violations or []:
        found.add(v.get("msg") if isinstance(v, dict) else json.dumps(v, sort_keys=True))
    return sorted(found, key=lambda m: (m is None, str(m)))


def _answers(engine: Engine, sample) -> list | str:
    rule = f"data.{sample.package}.violation"
    try:
        if hasattr(engine, "prepare"):
            engine.prepare(rule)
        return [messages(engine.evaluate(rule, inp)) for inp in sample.inputs]
    except Exception as e:  # any engine failure is a disagreement to report, not a crash
        return f"error: {type(e).__name__}: {_first_lines(str(e))}"


def _first_lines(text: str, limit: int = 12) -> str:
    """An error message on one line: no Rust backtrace, at most `limit` lines."""
    text = text.split("Stack backtrace:")[0]
    lines = [line.rstrip() for line in text.strip().splitlines() if line.strip() and set(line.strip()) - set("-~")]
    more = f" ... ({len(lines) - limit} more lines)" if len(lines) > limit else ""
    return " | ".join(lines[:limit]) + more


def sample_run(sample) -> SampleRun:
    """Load every installed engine with `sample` once and collect its answers."""
    run = RUNS.get(sample.name)
    if run is None:
        run = RUNS[sample.name] = SampleRun()
        for name in ENGINE_NAMES:
            engine = make_engine(name)
            if not engine.available():
                continue
            try:
                engine.load(sample.modules, sample.rego_version)
            except Exception as e:
                run.answers[name] = f"error loading: {type(e).__name__}: {_first_lines(str(e))}"
                continue
            run.engines[name] = engine
            run.answers[name] = _answers(engine, sample)
    return run


def majority(answers: dict):
    """The answer more than half of the engines gave, or None."""
    counts = Counter(json.dumps(a) for a in answers.values())
    text, n = counts.most_common(1)[0] if counts else (None, 0)
    return json.loads(text) if n * 2 > len(answers) else None


def disagreement(run: SampleRun, sample, name: str) -> str | None:
    """Why engine `name` is not trusted on this sample, with every engine's answers; None if it agrees.

    An engine that failed is out. Among the engines that answered, one agrees
    when it gave the majority's answer (three or more answered) or the same
    answer as the other (two answered) or is the only one that answered.
    """
    mine = run.answers[name]
    answered = {n: a for n, a in run.answers.items() if not isinstance(a, str)}
    if not isinstance(mine, str):
        if len(answered) > 2 and majority(answered) == mine:
            return None
        if len(answered) <= 2 and all(a == mine for a in answered.values()):
            return None
    lines = [f"{name} disagrees on {sample.name} (package {sample.package}):"]
    for n, a in run.answers.items():
        if isinstance(a, str):
            lines.append(f"  {n}: {a}")
    for i, inp in enumerate(sample.inputs):
        per_engine = {n: a[i] for n, a in run.answers.items() if not isinstance(a, str)}
        if len({json.dumps(v) for v in per_engine.values()}) > 1:
            obj = inp["review"]["object"]
            lines.append(f"  input {i} ({obj.get('kind')} {(obj.get('metadata') or {}).get('name')}):")
            for n, v in per_engine.items():
                lines.append(f"    {n}: {v}")
    return "\n".join(lines)


@pytest.mark.filterwarnings("ignore:Benchmark fixture was not used")  # a failed pre-check times nothing
@pytest.mark.skipif(not SAMPLES, reason=f"{LIBRARY} is missing (set REGOLITE_SHARED)")
@pytest.mark.parametrize("engine_name", ENGINE_NAMES)
@pytest.mark.parametrize("sample", SAMPLES, ids=[s.name for s in SAMPLES])
def test_violations(benchmark, sample, engine_name):
    if not make_engine(engine_name).available():
        pytest.skip(f"{engine_name} is not installed (pip install {PIP_NAMES.get(engine_name, engine_name)})")
    run = sample_run(sample)
    problem = disagreement(run, sample, engine_name)
    if problem and engine_name == "regolite":
        pytest.fail(problem, pytrace=False)
    if problem:
        pytest.skip(problem)

    engine = run.engines[engine_name]
    rule = f"data.{sample.package}.violation"
    inputs = sample.inputs

    def every_input():
        for inp in inputs:
            engine.evaluate(rule, inp)

    benchmark.group = sample.name
    benchmark.extra_info.update(engine=engine_name, sample=sample.name, inputs=len(inputs))
    benchmark(every_input)
    if benchmark.stats is not None:  # None under --benchmark-disable
        run.median_us[engine_name] = benchmark.stats.stats.median / len(inputs) * 1e6


# --- the report (called from conftest.pytest_terminal_summary) ---------------------------


def geometric_mean(values: list) -> float | None:
    return math.exp(sum(math.log(v) for v in values) / len(values)) if values else None


def report() -> dict:
    """Medians, ratios and their summary for every sample that ran, as JSON-ready data."""
    samples, ratios = [], {f"{BASELINE}/{p}": [] for p in PEERS}
    for sample in SAMPLES:
        run = RUNS.get(sample.name)
        if run is None:
            continue
        row = {"sample": sample.name, "inputs": len(sample.inputs),
               "median_us": {n: round(run.median_us[n], 2) for n in ENGINE_NAMES if n in run.median_us},
               "ratio": {}, "disagreement": {}}
        for peer in PEERS:
            if BASELINE in run.median_us and peer in run.median_us:
                r = run.median_us[BASELINE] / run.median_us[peer]
                row["ratio"][f"{BASELINE}/{peer}"] = round(r, 3)
                ratios[f"{BASELINE}/{peer}"].append((r, sample.name))
        for n in run.answers:
            why = disagreement(run, sample, n)
            if why:
                row["disagreement"][n] = why
        samples.append(row)
    summary = {}
    for key, pairs in ratios.items():
        if pairs:
            worst = max(pairs)
            summary[key] = {"geomean": round(geometric_mean([r for r, _ in pairs]), 3), "max": round(worst[0], 3),
                            "max_sample": worst[1], "samples": len(pairs)}
    return {"machine": {"python": platform.python_version(), "platform": platform.platform(),
                        "processor": platform.processor() or platform.machine()},
            "versions": _versions(), "unit": "median microseconds per evaluation (one input)",
            "samples": samples, "summary": summary}


def _versions() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    found = {}
    for dist in ("regolite", "gordon-to-regorus", "regopy", "pytest-benchmark"):
        try:
            found[dist] = version(dist)
        except PackageNotFoundError:
            pass
    return found


def format_report(data: dict) -> str:
    keys = [f"{BASELINE}/{p}" for p in PEERS]
    width = max([len(s["sample"]) for s in data["samples"]] + [6])
    head = f"{'sample':<{width}} {'n':>2} " + " ".join(f"{n + ' µs':>13}" for n in ENGINE_NAMES) + " " + " ".join(
        f"{k:>16}" for k in keys)
    lines = [head, "-" * len(head)]
    for s in data["samples"]:
        cells = [f"{s['median_us'][n]:>13.1f}" if n in s["median_us"] else f"{'-':>13}" for n in ENGINE_NAMES]
        ratio = [f"{s['ratio'][k]:>16.2f}" if k in s["ratio"] else f"{'-':>16}" for k in keys]
        flag = "  disagree: " + ", ".join(s["disagreement"]) if s["disagreement"] else ""
        lines.append(f"{s['sample']:<{width}} {s['inputs']:>2} " + " ".join(cells) + " " + " ".join(ratio) + flag)
    lines.append("-" * len(head))
    for k in keys:
        got = data["summary"].get(k)
        if got:
            lines.append(f"{k}: geometric mean {got['geomean']:.2f}, max {got['max']:.2f} ({got['max_sample']}), "
                         f"over {got['samples']} samples")
        else:
            lines.append(f"{k}: no sample measured by both")
    return "\n".join(lines)


def write_report(terminalreporter) -> None:
    """Print the table and write RESULTS_PATH, if any peer benchmark ran this session."""
    data = report()
    if not any(s["median_us"] for s in data["samples"]):
        return
    terminalreporter.write_sep("-", "regolite vs peers (median µs per evaluation; ratio > 1: regolite slower)")
    terminalreporter.write_line(format_report(data))
    RESULTS_PATH.parent.mkdir(parents=True, exist_ok=True)
    RESULTS_PATH.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    terminalreporter.write_line(f"written to {RESULTS_PATH}")
