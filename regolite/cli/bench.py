"""`regolite bench -f PATH...`: benchmark template evaluation, like `gator bench` (§7.4).

The measuring and comparing live in `regolite.gatekeeper.bench`; this module
reads the inputs, checks the flags, prints (table, json or yaml), saves and
compares. Warnings go to stderr so json/yaml output stays parseable; the
baseline comparison is printed to stdout after a table, to stderr after
json/yaml. Exit 1 on any error and when a comparison fails.

`--concurrency` runs reviews on threads sharing one client; CPython's GIL
runs one thread at a time, so it shows contention, not parallel speed-up.
"""

from __future__ import annotations

import sys

from regolite.documents import read_stdin_text
from regolite.errors import RegoError
from regolite.gatekeeper import bench
from regolite.gatekeeper.documents import parse_documents
from regolite.gatekeeper.engine import read_paths

OUTPUTS = ("table", "json", "yaml")


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "bench", help="benchmark template evaluation (like gator bench)",
        description="Benchmark reviewing objects against ConstraintTemplates and Constraints, like gator bench. "
                    "Inputs are split into templates, constraints and objects to review; every object is also "
                    "loaded as data.inventory. Threads share the GIL: --concurrency shows contention, not "
                    "parallel speed-up.")
    p.add_argument("-f", "--filename", action="append", default=[], metavar="PATH",
                   help="template, constraint and object files or directories ('-' for stdin); repeatable")
    p.add_argument("-e", "--engine", default=bench.ENGINE_REGO,
                   help="policy engine; regolite has only rego (the default)")
    p.add_argument("-n", "--iterations", type=int, default=bench.DEFAULT_ITERATIONS, metavar="N",
                   help="timed passes over all objects (default 1000; fewer makes P99 unreliable)")
    p.add_argument("--warmup", type=int, default=bench.DEFAULT_WARMUP, metavar="N",
                   help="untimed passes before timing (default 10)")
    p.add_argument("-c", "--concurrency", type=int, default=bench.DEFAULT_CONCURRENCY, metavar="N",
                   help="reviewer threads (default 1; threads share the GIL)")
    p.add_argument("-o", "--output", default="table", help="table (the default), json or yaml")
    p.add_argument("--memory", action="store_true",
                   help="also measure memory per review with tracemalloc (a separate, untimed pass)")
    p.add_argument("--save", metavar="FILE", help="save results to FILE (.yaml/.yml: YAML, else JSON)")
    p.add_argument("--compare", metavar="FILE", help="compare with a baseline saved by --save; exit 1 on regression")
    p.add_argument("--threshold", type=float, default=bench.DEFAULT_THRESHOLD, metavar="PCT",
                   help="allowed regression in percent for --compare (default 10)")
    p.add_argument("--min-threshold", default="0", metavar="DURATION",
                   help="latency increases below this duration pass regardless of percent (e.g. 50us, 1ms; "
                        "default 0)")
    p.set_defaults(run=run)


def run(args) -> int:
    try:
        engine = bench.check_engine(args.engine)
        output = (args.output or "").lower()
        if output not in OUTPUTS:
            raise bench.BenchError(f'invalid output format "{args.output}" (valid: {", ".join(OUTPUTS)})')
        if args.threshold < 0:
            raise bench.BenchError(f"threshold must be non-negative, got {args.threshold:g}")
        min_threshold = bench.parse_duration(args.min_threshold)
        if not args.filename:
            raise bench.BenchError("at least one -f/--filename is required")
        warnings = bench.check_options(args.iterations, args.warmup, args.concurrency)
        baseline = bench.load_results(args.compare) if args.compare else None
    except RegoError as e:
        return _error(e)
    for w in warnings:
        print(w, file=sys.stderr)
    try:
        docs = read_paths([f for f in args.filename if f != "-"])
        if "-" in args.filename:
            docs += parse_documents(read_stdin_text(), source="<stdin>")
        if not docs:
            raise bench.BenchError("no input data identified")
        result = bench.run_benchmark(docs, engine=engine, iterations=args.iterations, warmup=args.warmup,
                                     concurrency=args.concurrency, memory=args.memory)
    except RegoError as e:
        return _error(e)
    if result.skipped_objects:
        print(f"Warning: skipped {len(result.skipped_objects)} document(s) without apiVersion or kind "
              f"(not Kubernetes objects), e.g. {result.skipped_objects[0]}", file=sys.stderr)
    if output == "table":
        sys.stdout.write(format_table(result))
    else:
        sys.stdout.write(bench.dump_results([result], output))
    if args.save:
        try:
            bench.save_results([result], args.save)
        except RegoError as e:
            return _error(e)
        print(f"Results saved to {args.save}", file=sys.stderr)
    if baseline is None:
        return 0
    comparisons = bench.compare(baseline, [result.to_json()], threshold=args.threshold, min_threshold=min_threshold)
    stream = sys.stdout if output == "table" else sys.stderr
    if not comparisons:
        print("Warning: No matching engines found for comparison", file=stream)
        return 0
    for c in comparisons:
        stream.write("\n" + format_comparison(c))
    return 0 if all(c.passed for c in comparisons) else 1


def _error(e: RegoError) -> int:
    print(f"error: {e.message if isinstance(e, bench.BenchError) else e}", file=sys.stderr)
    return 1


# --- formatting ------------------------------------------------------------------------


def format_duration(ns: float) -> str:
    """A readable duration: 850ns, 12.34µs, 1.23ms, 2.50s."""
    ns = float(ns)
    if abs(ns) < 1_000:
        return f"{ns:.0f}ns"
    if abs(ns) < 1_000_000:
        return f"{ns / 1_000:.2f}µs"
    if abs(ns) < 1_000_000_000:
        return f"{ns / 1_000_000:.2f}ms"
    return f"{ns / 1_000_000_000:.2f}s"


def format_bytes(n: float) -> str:
    n = float(n)
    for unit in ("B", "KiB", "MiB"):
        if abs(n) < 1024:
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GiB"


VALUE_COLUMN = 30  # values line up across sections


def _rows(rows: list, indent: str = "  ") -> list:
    width = max(VALUE_COLUMN - len(indent), max(len(label) + 2 for label, _ in rows))
    return [f"{indent}{(label + ':').ljust(width)}{value}" for label, value in rows]


def format_table(r: "bench.BenchResult") -> str:
    """The human-readable report, in gator bench's sections."""
    lines = [f"=== Benchmark Results: {r.engine.capitalize()} Engine ===", "", "Configuration:"]
    config = [("Templates", str(r.template_count)), ("Constraints", str(r.constraint_count)),
              ("Objects", str(r.object_count))]
    if r.skipped_templates:
        config.append(("Skipped Templates", ", ".join(r.skipped_templates)))
    if r.skipped_constraints:
        config.append(("Skipped Constraints", ", ".join(r.skipped_constraints)))
    if r.skipped_objects:
        config.append(("Skipped Documents", f"{len(r.skipped_objects)} (no apiVersion or kind)"))
    config += [("Iterations", str(r.iterations)), ("Warmup", str(r.warmup)),
               ("Concurrency", f"{r.concurrency} (threads, one at a time under the GIL)" if r.concurrency > 1
                else "1"),
               ("Referential Data", "Supported" if r.referential_data_supported else "Not supported")]
    lines += _rows(config)
    lines += ["", "Timing:"]
    lines += _rows([("Setup Duration", format_duration(r.setup_duration))])
    lines += _rows([("Client Creation", format_duration(r.client_creation)),
                    ("Template Compilation", format_duration(r.template_compilation)),
                    ("Constraint Loading", format_duration(r.constraint_loading)),
                    ("Data Loading", format_duration(r.data_loading))], indent="    └─ ")
    lines += _rows([("Total Duration", format_duration(r.total_duration)),
                    ("Throughput", f"{r.reviews_per_second:,.2f} reviews/sec")])
    lat = r.latencies
    lines += ["", "Latency (per review):"]
    lines += _rows([("Min", format_duration(lat.min)), ("Max", format_duration(lat.max)),
                    ("Mean", format_duration(lat.mean)), ("P50", format_duration(lat.p50)),
                    ("P95", format_duration(lat.p95)), ("P99", format_duration(lat.p99))])
    lines += ["", "Results:"]
    lines += _rows([("Violations Found", f"{r.violation_count} (over {r.iterations} iterations)")])
    if r.memory is not None:
        m = r.memory
        lines += ["", f"Memory (tracemalloc, one untimed pass of {m.reviews} reviews):"]
        lines += _rows([("Bytes/Review", f"{format_bytes(m.bytes_per_review)} (high-water mark above start)"),
                        ("Peak Review", format_bytes(m.peak_bytes)),
                        ("Total Bytes", format_bytes(m.total_bytes)),
                        ("Retained Blocks/Review", f"{m.retained_blocks_per_review:g}")])
    if r.constraints:
        passes = r.constraints[0].reviews // r.object_count if r.object_count else 1
        each = "once" if passes == 1 else f"{passes} times"
        lines += ["", f"Per-Constraint Latency (each object reviewed {each} by a client holding only that "
                      "constraint):"]
        header = ("CONSTRAINT", "VIOLATIONS", "TOTAL", "MEAN", "P50", "P95", "P99", "MAX")
        table = [header] + [
            (c.constraint, str(c.violation_count), format_duration(c.total_duration),
             format_duration(c.latencies.mean), format_duration(c.latencies.p50), format_duration(c.latencies.p95),
             format_duration(c.latencies.p99), format_duration(c.latencies.max))
            for c in r.constraints
        ]
        lines += _columns(table)
    return "\n".join(lines) + "\n"


def _columns(table: list, indent: str = "  ") -> list:
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    out = []
    for row in table:
        cells = [row[0].ljust(widths[0])] + [cell.rjust(w) for cell, w in zip(row[1:], widths[1:])]
        out.append((indent + "  ".join(cells)).rstrip())
    return out


def _metric_value(value: float, unit: str) -> str:
    if unit == "ns":
        return format_duration(value)
    if unit == "reviews/s":
        return f"{value:,.2f}/s"
    if unit == "bytes":
        return format_bytes(value)
    return f"{value:,.0f}"


def format_comparison(c: "bench.Comparison") -> str:
    """Gator's comparison table: metric, baseline, current, delta, status; then the verdict."""
    table = [("Metric", "Baseline", "Current", "Delta", "Status")]
    for m in c.metrics:
        table.append((m.name, _metric_value(m.baseline, m.unit), _metric_value(m.current, m.unit),
                      f"{m.delta:+.2f}%", "✓ PASS" if m.passed else "✗ FAIL"))
    widths = [max(len(row[i]) for row in table) for i in range(5)]
    lines = [f"=== Baseline Comparison: {c.engine.capitalize()} Engine ===", ""]
    for row in table:
        lines.append("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
    limits = f"threshold: {c.threshold:g}%"
    if c.min_threshold > 0:
        limits += f", min-threshold: {format_duration(c.min_threshold)}"
    lines.append("")
    if c.passed:
        lines.append(f"✓ No significant performance regressions ({limits})")
    else:
        lines.append(f"✗ Performance regression detected in: {', '.join(c.failed_metrics)} ({limits})")
    return "\n".join(lines) + "\n"
