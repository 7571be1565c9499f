"""`regolite bench`: gator bench's inputs, metrics, output formats, save and compare (§7.4)."""

from __future__ import annotations

import argparse
import json
import re

import pytest
import yaml

from regolite.cli import COMMANDS, main
from regolite.cli import bench as bench_cli
from regolite.gatekeeper import bench
from tests.conftest import require_shared

FAST = ["--iterations", "5", "--warmup", "1"]
SAMPLE_OBJECTS = 5  # example_allowed, three example_disallowed_*, disallowed_all
VIOLATIONS_PER_PASS = 7


def _bench(argv: list) -> int:
    """`regolite bench ARGV` through `main` once it is registered, else through our own parser."""
    if "bench" in COMMANDS:
        return main(["bench", *argv])
    parser = argparse.ArgumentParser(prog="regolite")
    bench_cli.add_parser(parser.add_subparsers(dest="command"))
    try:
        args = parser.parse_args(["bench", *argv])
    except SystemExit as e:
        return int(e.code or 0)
    return args.run(args)


def _library():
    return require_shared("gatekeeper-library", "library", "general", "allowedrepos")


def _inputs() -> list:
    library = _library()
    return ["-f", str(library / "template.yaml"), "-f", str(library / "samples" / "repo-must-be-openpolicyagent")]


def _json_run(capsys, *extra) -> dict:
    assert _bench([*_inputs(), *FAST, "-o", "json", *extra]) == 0
    (result,) = json.loads(capsys.readouterr().out)
    return result


def test_table_output_and_p99_warning(capsys):
    assert _bench([*_inputs(), *FAST]) == 0
    captured = capsys.readouterr()
    out = captured.out
    assert out.startswith("=== Benchmark Results: Rego Engine ===\n")
    for label in ("Templates:", "Constraints:", "Objects:", "Template Compilation:", "Throughput:", "P99:",
                  "Violations Found:", "Per-Constraint Latency", "K8sAllowedRepos/repo-is-openpolicyagent"):
        assert label in out
    assert re.search(rf"Violations Found: +{5 * VIOLATIONS_PER_PASS} \(over 5 iterations\)", out)
    assert "P99" in captured.err and "1000 iterations" in captured.err


def test_json_shape_and_metrics(capsys):
    r = _json_run(capsys)
    assert r["engine"] == "rego" and r["referentialDataSupported"] is True
    assert (r["templateCount"], r["constraintCount"], r["objectCount"]) == (1, 1, SAMPLE_OBJECTS)
    assert (r["iterations"], r["warmup"], r["concurrency"]) == (5, 1, 1)
    breakdown = r["setupBreakdown"]
    assert set(breakdown) == {"clientCreation", "templateCompilation", "constraintLoading", "dataLoading"}
    assert all(isinstance(v, int) and v >= 0 for v in breakdown.values())
    assert r["setupDuration"] >= sum(breakdown.values()) - 1000
    lat = r["latencies"]
    assert set(lat) == {"min", "max", "mean", "p50", "p95", "p99"}
    assert all(isinstance(v, int) for v in lat.values())
    assert 0 < lat["min"] <= lat["p50"] <= lat["p95"] <= lat["p99"] <= lat["max"]
    assert lat["mean"] == r["totalDuration"] // (5 * SAMPLE_OBJECTS)
    assert r["violationCount"] == 5 * VIOLATIONS_PER_PASS  # summed over all iterations
    assert r["reviewsPerSecond"] == pytest.approx(5 * SAMPLE_OBJECTS / (r["totalDuration"] / 1e9))
    assert "memoryStats" not in r
    (c,) = r["constraintLatencies"]
    assert c["constraint"] == "K8sAllowedRepos/repo-is-openpolicyagent" and c["template"] == "k8sallowedrepos"
    assert (c["reviews"], c["violationCount"]) == (SAMPLE_OBJECTS, VIOLATIONS_PER_PASS)
    assert c["latencies"]["min"] <= c["latencies"]["p50"] <= c["latencies"]["max"]


def test_memory_and_concurrency(capsys):
    r = _json_run(capsys, "--memory", "--concurrency", "3")
    assert r["concurrency"] == 3 and r["violationCount"] == 5 * VIOLATIONS_PER_PASS
    mem = r["memoryStats"]
    assert mem["reviews"] == SAMPLE_OBJECTS and mem["bytesPerReview"] > 0
    assert mem["totalBytes"] >= mem["peakBytes"] >= mem["bytesPerReview"]


def test_yaml_output(capsys):
    assert _bench([*_inputs(), *FAST, "-o", "yaml"]) == 0
    (r,) = yaml.safe_load(capsys.readouterr().out)
    assert r["engine"] == "rego" and isinstance(r["latencies"]["p50"], int)


def test_save_then_compare_passes(tmp_path, capsys):
    saved = tmp_path / "baseline.yaml"
    assert _bench([*_inputs(), *FAST, "-o", "json", "--save", str(saved)]) == 0
    capsys.readouterr()
    (base,) = yaml.safe_load(saved.read_text())
    assert base["engine"] == "rego" and isinstance(base["totalDuration"], int)
    # Generous limits, so timing noise cannot fail the run.
    code = _bench([*_inputs(), *FAST, "--compare", str(saved), "--threshold", "1000", "--min-threshold", "1s"])
    out = capsys.readouterr().out
    assert code == 0
    assert "=== Baseline Comparison: Rego Engine ===" in out
    for metric in ("P50 Latency", "P95 Latency", "P99 Latency", "Mean Latency", "Throughput"):
        assert metric in out
    assert "FAIL" not in out and "No significant performance regressions" in out


def test_doctored_baseline_fails_compare(tmp_path, capsys):
    saved = tmp_path / "baseline.json"
    assert _bench([*_inputs(), *FAST, "-o", "json", "--save", str(saved)]) == 0
    capsys.readouterr()
    (base,) = json.loads(saved.read_text())
    base["latencies"] = {k: max(1, v // 1000) for k, v in base["latencies"].items()}  # 1000x faster
    base["reviewsPerSecond"] *= 1000
    saved.write_text(json.dumps([base]))
    assert _bench([*_inputs(), *FAST, "--compare", str(saved)]) == 1
    out = capsys.readouterr().out
    assert "FAIL" in out and "Performance regression detected in: P50 Latency" in out and "Throughput" in out


def test_compare_with_no_matching_engine_warns_and_passes(tmp_path, capsys):
    other = tmp_path / "cel.json"
    other.write_text(json.dumps([{"engine": "cel", "latencies": {"p50": 1}, "reviewsPerSecond": 1}]))
    assert _bench([*_inputs(), *FAST, "--compare", str(other)]) == 0
    assert "Warning: No matching engines found for comparison" in capsys.readouterr().out


@pytest.mark.parametrize("flags, message", [
    (["--engine", "cel"], "no CEL engine"),
    (["--engine", "all"], "no CEL engine"),
    (["--engine", "wasm"], 'invalid engine "wasm"'),
    (["--iterations", "0"], "iterations must be positive"),
    (["--warmup", "-1"], "warmup must be non-negative"),
    (["--concurrency", "0"], "concurrency must be at least 1"),
    (["--output", "xml"], 'invalid output format "xml"'),
    (["--threshold", "-5"], "threshold must be non-negative"),
    (["--min-threshold=-1ms"], "min-threshold must be non-negative"),
    (["--min-threshold", "soon"], 'invalid duration "soon"'),
    (["--compare", "/nonexistent/baseline.json"], "does not exist"),
])
def test_bad_flags_are_clear_errors(flags, message, capsys):
    assert _bench([*_inputs(), *flags]) == 1
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_engine_is_case_insensitive_and_non_integer_iterations_is_a_usage_error(capsys):
    assert _bench([*_inputs(), *FAST, "--engine", "Rego", "-o", "json"]) == 0
    capsys.readouterr()
    assert _bench([*_inputs(), "--iterations", "many"]) == 2


def test_warmup_larger_than_iterations_warns(capsys):
    assert _bench([*_inputs(), "--iterations", "2", "--warmup", "3", "-o", "json"]) == 0
    assert "Warning: warmup (3) is greater than iterations (2)" in capsys.readouterr().err


def test_empty_groups_are_errors(capsys):
    library = _library()
    sample = library / "samples" / "repo-must-be-openpolicyagent"
    cases = [
        (["-f", str(sample)], "no ConstraintTemplates found in input"),
        (["-f", str(library / "template.yaml"), "-f", str(sample / "example_allowed.yaml")],
         "no Constraints found in input"),
        (["-f", str(library / "template.yaml"), "-f", str(sample / "constraint.yaml")],
         "no objects to review found in input"),
    ]
    for argv, message in cases:
        assert _bench([*argv, *FAST]) == 1
        assert f"error: {message}" in capsys.readouterr().err
    assert _bench([*FAST]) == 1
    assert "-f/--filename" in capsys.readouterr().err


def test_percentile_interpolates_linearly():
    values = [10, 20, 30, 40, 50]
    assert bench.percentile(values, 50) == 30
    assert bench.percentile(values, 95) == 48  # rank 3.8: 40 + 0.8 * 10
    assert bench.percentile(values, 99) == 50  # rank 3.96 -> 49.6, rounded
    assert bench.percentile([7], 99) == 7 and bench.percentile([], 50) == 0


def _entry(p50, mean, rps, memory=None):
    entry = {"engine": "rego", "latencies": {"p50": p50, "p95": p50, "p99": p50, "mean": mean},
             "reviewsPerSecond": rps}
    if memory is not None:
        entry["memoryStats"] = {"bytesPerReview": memory}
    return entry


def test_compare_rules():
    assert bench.delta_percent(0, 0) == 0 and bench.delta_percent(0, 5) == 100
    (c,) = bench.compare([_entry(1000, 1000, 100.0)], [_entry(1100, 1100, 90.0)], threshold=10)
    assert c.passed  # exactly at the threshold passes
    (c,) = bench.compare([_entry(1000, 1000, 100.0)], [_entry(1200, 1000, 100.0)], threshold=10)
    assert c.failed_metrics == ["P50 Latency", "P95 Latency", "P99 Latency"]
    (c,) = bench.compare([_entry(1000, 1000, 100.0)], [_entry(1200, 1000, 100.0)], threshold=10, min_threshold=201)
    assert c.passed  # +200ns is under the 201ns floor
    # Throughput: a 50% drop fails unless below baseline_tp * min_threshold / baseline_mean (100 * 600/1000 = 60).
    (c,) = bench.compare([_entry(1000, 1000, 100.0)], [_entry(1000, 1000, 50.0)], threshold=10)
    assert c.failed_metrics == ["Throughput"]
    (c,) = bench.compare([_entry(1000, 1000, 100.0)], [_entry(1000, 1000, 50.0)], threshold=10, min_threshold=600)
    assert c.passed
    (c,) = bench.compare([_entry(1000, 1000, 100.0, memory=100)], [_entry(1000, 1000, 100.0, memory=120)])
    assert c.failed_metrics == ["Bytes/Review"]
    assert bench.compare([_entry(1, 1, 1.0)], [{**_entry(1, 1, 1.0), "engine": "cel"}]) == []


def test_parse_duration():
    assert bench.parse_duration("0") == 0
    assert bench.parse_duration("1ms") == 1_000_000
    assert bench.parse_duration("1.5us") == 1_500
    assert bench.parse_duration("2m30s") == 150_000_000_000
    with pytest.raises(bench.BenchError):
        bench.parse_duration("10")
