"""`python -m conformance.differential [--programs N] [--seed S] [--corpus] [--shrink K] [--shared DIR] [--json FILE]`

Compares regolite with OPA on N generated programs (and, with --corpus, on
every module the repository and ../shared hold), prints each difference
(shrunk to a small program with --shrink), and ends with exactly

    programs N, equal E, differ D, regolite_only_error X, opa_only_error Y, both_error B

Exit status: 0 when nothing differs beyond the listed expected differences, 1
otherwise (or when a listed difference no longer shows), 2 on a usage error.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from conformance.differential.oracle import OracleUnavailable, load_oracle, shared_dir
from conformance.differential.run import Tally, load_expected, run_cases, run_programs, shrink


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m conformance.differential",
                                     description="compare regolite with OPA's own evaluator")
    parser.add_argument("--programs", type=int, default=1000, metavar="N", help="generated programs (default 1000)")
    parser.add_argument("--seed", type=int, default=0, metavar="S", help="seed of the generated programs")
    parser.add_argument("--corpus", action="store_true", help="also every module of the repository and ../shared")
    parser.add_argument("--shrink", type=int, default=3, metavar="K",
                        help="shrink up to K kinds of difference to a small program (default 3)")
    parser.add_argument("--show", type=int, default=10, metavar="K", help="print up to K differences (default 10)")
    parser.add_argument("--shared", type=Path, default=None, help="the shared data folder (default ../shared)")
    parser.add_argument("--json", type=Path, default=None, metavar="FILE",
                        help="also write the counts and every difference (by kind) as JSON")
    args = parser.parse_args(argv)
    for name in ("programs", "shrink", "show"):
        if getattr(args, name) < 0:
            parser.error(f"--{name} must be 0 or more")
    shared = args.shared or shared_dir()
    try:
        oracle = load_oracle(shared)
    except OracleUnavailable as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    expected = load_expected()
    tallies = []
    if args.corpus:
        from conformance.differential.corpus import corpus_cases

        corpus = run_cases(oracle, corpus_cases(shared), expected)
        print(f"corpus: {corpus.line().replace('programs', 'cases', 1)} ({corpus.seconds:.0f} s)")
        tallies.append(corpus)
    generated = Tally()
    if args.programs > 0:
        generated = run_programs(oracle, shared, args.programs, args.seed, expected,
                                 progress=lambda t: print(f"... {t.line()}", file=sys.stderr, flush=True))
    tallies.append(generated)
    differences = [d for t in tallies for d in t.differences]
    kinds: dict = {}
    for d in differences:
        kinds.setdefault(d.kind, []).append(d)
    print("\nkinds of difference (verdict, regolite's codes, OPA's codes): count")
    for kind, found in sorted(kinds.items(), key=lambda kv: -len(kv[1])):
        print(f"  {kind}: {len(found)}")
    kinds = {kind: found[0] for kind, found in kinds.items()}
    for d in list(kinds.values())[:args.show]:
        print(f"\n=== {d.report()}")
    for d in list(kinds.values())[:args.shrink]:
        small = shrink(oracle, shared, d, expected)
        if small is not None:
            print(f"\n=== shrunk: {small.report()}")
    seen = set().union(*(t.expected_seen for t in tallies))
    unseen = [e.name for e in expected if e.name not in seen]
    if unseen and args.programs >= 10000:
        print(f"\nlisted differences no program showed (remove them if they are fixed): {', '.join(unseen)}")
    print(f"\n{len(kinds)} kind(s) of difference; generated programs took {generated.seconds:.0f} s (seed {args.seed})")
    print(generated.line())
    if args.json is not None:
        write_json(args.json, generated, differences)
    return 1 if differences else 0


def write_json(path: Path, generated: Tally, differences: list) -> None:
    """The generated programs' counts and each difference: its kind and the report printed for it."""
    import json

    doc = {"line": generated.line(), "counts": dict(generated.counts),
           "differences": [{"kind": [d.verdict, sorted(d.ours.codes), sorted(d.theirs.codes)], "report": d.report()}
                           for d in differences]}
    path.write_text(json.dumps(doc, indent=1), encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
