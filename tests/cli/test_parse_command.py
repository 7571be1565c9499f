"""`regolite parse`: AST out, exit codes as documented, never a traceback."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from regolite.cli import main

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "policy.rego"


def test_parse_json(capsys):
    assert main(["parse", str(EXAMPLE), "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["package"]["path"][1] == {"type": "string", "value": "kubernetes"}
    assert {r["head"]["name"] for r in doc["rules"]} >= {"allow", "violations", "allowed_image"}


def test_parse_pretty(capsys):
    assert main(["parse", str(EXAMPLE)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Module") and "Rule" in out


def test_parse_error_exit_1(tmp_path, capsys):
    bad = tmp_path / "bad.rego"
    bad.write_text("package p\np := [1,\n")
    assert main(["parse", str(bad)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"{bad}:3:1: rego_parse_error: unexpected end of file")
    assert "Traceback" not in err


def test_v0_compatible(tmp_path, capsys):
    old = tmp_path / "old.rego"
    old.write_text("package p\ndeny[msg] { msg := \"no\" }\n")
    assert main(["parse", str(old)]) == 1
    assert "`if` keyword is required" in capsys.readouterr().err
    assert main(["parse", "--v0-compatible", str(old)]) == 0


def test_usage_errors_exit_2(capsys):
    assert main(["parse"]) == 2
    assert main(["parse", "x.rego", "--format", "yaml"]) == 2
    assert main([]) == 2


def test_missing_file_is_a_clear_error(capsys):
    assert main(["parse", "/no/such/file.rego"]) == 1
    assert "No such file" in capsys.readouterr().err


def test_not_utf8(tmp_path, capsys):
    bad = tmp_path / "bin.rego"
    bad.write_bytes(b"package p\n\xff\xfe")
    assert main(["parse", str(bad)]) == 1
    assert "not UTF-8" in capsys.readouterr().err


def test_console_script_runs():
    exe = shutil.which("regolite")
    cmd = [exe] if exe else [sys.executable, "-m", "regolite"]
    done = subprocess.run(cmd + ["parse", str(EXAMPLE), "--format", "json"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["rules"]
