"""Golden examples of the formatter's output, and `regolite fmt`."""

from __future__ import annotations

import re
import textwrap

import pytest

from regolite import parse_module, parse_query
from regolite.cli import main
from regolite.format import format_module, format_query


def fmt(source: str, rego_version: str = "v1") -> str:
    return format_module(parse_module(textwrap.dedent(source), rego_version=rego_version))


def golden(text: str) -> str:
    """A dedented expected output; each `>` that starts a line is a tab of indentation."""
    text = textwrap.dedent(text).lstrip("\n")
    return re.sub(r"^>+", lambda m: "\t" * len(m.group()), text, flags=re.MULTILINE)


def test_rule_kinds():
    source = """
        package example.authz
        import rego.v1
        import data.lib.users as u
        default allow := false
        allow if {
            input.method == "GET"; some role in u.roles[input.user]
            role == "admin"
        }
        deny contains msg if { msg := sprintf("bad %v", [input.x]) }
        f(x, y) := x + y if x > 0 else := 0
        ports[name] := p if { some name, p in input.ports }
        limit = 10
        ok if limit > 1
    """
    assert fmt(source) == golden("""
        package example.authz

        import rego.v1
        import data.lib.users as u

        default allow := false

        allow if {
        >input.method == "GET"
        >some role in u.roles[input.user]
        >role == "admin"
        }

        deny contains msg if {
        >msg := sprintf("bad %v", [input.x])
        }

        f(x, y) := x + y if {
        >x > 0
        } else := 0

        ports[name] := p if {
        >some name, p in input.ports
        }

        limit = 10

        ok if {
        >limit > 1
        }
    """)


def test_operators_get_only_the_parentheses_they_need():
    source = """
        package prec
        a := (1 + 2) * 3
        b := 1 + (2 * 3)
        c := x - (y - z)
        d := (x - y) - z
        e := x in (xs | ys)
        f := (x in xs) == true
        g := [(a | b), c]
        h := -(x + 1)
        i := 0 - x
        j := x * -1
        k := {(k, v in xs)}
    """
    assert fmt(source) == golden("""
        package prec

        a := (1 + 2) * 3

        b := 1 + 2 * 3

        c := x - (y - z)

        d := x - y - z

        e := x in xs | ys

        f := (x in xs) == true

        g := [(a | b), c]

        h := -(x + 1)

        i := -x

        j := x * -1

        k := {(k, v in xs)}
    """)


def test_terms():
    source = r"""
        package terms
        p := input["x-y"].z[_][0]
        q := data.a["if"]["b c"]
        r := "tab\t\"quote\"\u00e9\u0001"
        s := `raw "string"`
        t := [x | x := input[_]; x > 1]
        u := {k: v | some k, v in input}
        v := {1, 2,}
        w := set()
        x := {"a": [1.5, 12345678901234567890, null, false]}
        y := $"hello {input.name}\{!\}"
    """
    assert fmt(source) == golden(r"""
        package terms

        p := input["x-y"].z[_][0]

        q := data.a["if"]["b c"]

        r := "tab\t\"quote\"é\u0001"

        s := "raw \"string\""

        t := [x | x := input[_]; x > 1]

        u := {k: v | some k, v in input}

        v := {1, 2}

        w := set()

        x := {"a": [1.5, 12345678901234567890, null, false]}

        y := $"hello {input.name}\{!\}"
    """)


def test_every_with_and_not_blocks():
    source = """
        package v2
        import rego.v2
        p if {
          every x in input.xs { x > 0; not { x == 3 } }
          count(input.xs) == 2 with input.xs as [1, 2]
          not ({1}) == input.s
        }
    """
    assert fmt(source) == golden("""
        package v2

        import rego.v2

        p if {
        >every x in input.xs {
        >>x > 0
        >>not {
        >>>x == 3
        >>}
        >}
        >count(input.xs) == 2 with input.xs as [1, 2]
        >not ({1} == input.s)
        }
    """)


def test_v0_module_comes_out_in_v1_syntax():
    source = """
        package k8s
        violation[{"msg": msg}] {
          not input.x
          msg := "no"
        }
        allow { input.y } { input.z }
        f(x) = y { y := x }
    """
    assert fmt(source, "v0") == golden("""
        package k8s

        violation contains {"msg": msg} if {
        >not input.x
        >msg := "no"
        }

        allow if {
        >input.y
        }

        allow if {
        >input.z
        }

        f(x) = y if {
        >y := x
        }
    """)


def test_a_literal_that_starts_with_minus_follows_a_semicolon():
    # On a new line, `-1 < x` would continue the line before: `x := 1 - 1 < x`.
    assert fmt("package a\np if { x := 1; -1 < x }") == golden("""
        package a

        p if {
        >x := 1;
        >-1 < x
        }
    """)


def test_format_query():
    query = parse_query("x := input.a; not x == 1\nsome y in x\n[a | a := 1]")
    assert format_query(query) == "x := input.a; not x == 1; some y in x; [a | a := 1]"


# --- regolite fmt -----------------------------------------------------------------------


@pytest.fixture
def files(tmp_path):
    (tmp_path / "ok.rego").write_text("package a\np if {x := 1\n  x > 0}\n")
    (tmp_path / "comment.rego").write_text("package b\n# keep me\np := 1\n")
    (tmp_path / "bad.rego").write_text("package c\np if {")
    (tmp_path / "v0.rego").write_text("package d\ndeny[msg] { msg := 1 }\n")
    return tmp_path


FORMATTED_OK = "package a\n\np if {\n\tx := 1\n\tx > 0\n}\n"


def test_fmt_prints_the_formatted_module(files, capsys):
    assert main(["fmt", str(files / "ok.rego")]) == 0
    assert capsys.readouterr().out == FORMATTED_OK


def test_fmt_diff(files, capsys):
    assert main(["fmt", "--diff", str(files / "ok.rego")]) == 0
    out = capsys.readouterr().out
    assert out.startswith("--- a/") and "+\tx := 1\n" in out and "-p if {x := 1\n" in out
    assert (files / "ok.rego").read_text() == "package a\np if {x := 1\n  x > 0}\n"


def test_fmt_write_rewrites_files_but_keeps_comments(files, capsys):
    assert main(["fmt", "-w", str(files / "ok.rego"), str(files / "comment.rego")]) == 1
    assert (files / "ok.rego").read_text() == FORMATTED_OK
    assert (files / "comment.rego").read_text() == "package b\n# keep me\np := 1\n"
    assert "drop its comments" in capsys.readouterr().err
    assert main(["fmt", "-w", "--drop-comments", str(files / "comment.rego")]) == 0
    assert (files / "comment.rego").read_text() == "package b\n\np := 1\n"


def test_fmt_parse_error_is_a_message_not_a_traceback(files, capsys):
    assert main(["fmt", str(files / "bad.rego")]) == 1
    err = capsys.readouterr().err
    assert "bad.rego:2:7: rego_parse_error:" in err and "Traceback" not in err


def test_fmt_v0_compatible_converts_to_v1(files, capsys):
    assert main(["fmt", str(files / "v0.rego")]) == 1
    capsys.readouterr()
    assert main(["fmt", "--v0-compatible", str(files / "v0.rego")]) == 0
    assert capsys.readouterr().out == "package d\n\ndeny contains msg if {\n\tmsg := 1\n}\n"
