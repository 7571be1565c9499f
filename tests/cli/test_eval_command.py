"""`regolite eval`: opa eval's JSON layout, formats, exit codes, inputs."""

from __future__ import annotations

import json
from pathlib import Path

from regolite.cli import main

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_json_output_has_opa_eval_layout(capsys):
    code = main(["eval", "-d", str(EXAMPLES / "policy.rego"), "-i", str(EXAMPLES / "input.json"),
                 "data.kubernetes.admission.allow"])
    assert code == 0
    text = capsys.readouterr().out
    assert text == (
        '{\n  "result": [\n    {\n      "expressions": [\n        {\n          "value": false,\n'
        '          "text": "data.kubernetes.admission.allow",\n          "location": {\n'
        '            "row": 1,\n            "col": 1\n          }\n        }\n      ]\n    }\n  ]\n}\n'
    )


def test_bindings_and_undefined(capsys):
    assert main(["eval", "x := [1, 2][_]", "--format", "bindings"]) == 0
    assert json.loads(capsys.readouterr().out) == [{"x": 1}, {"x": 2}]
    assert main(["eval", "data.nothing"]) == 0
    assert capsys.readouterr().out == "{}\n"
    assert main(["eval", "--fail", "data.nothing"]) == 1
    assert main(["eval", "--fail-defined", "1 == 1"]) == 1


def test_data_directories_and_yaml_input(tmp_path, capsys):
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "data.json").write_text('{"limit": 3}')
    (tmp_path / "p.rego").write_text("package t\nok if input.n < data.a.b.limit\n")
    (tmp_path / "in.yaml").write_text("n: 2\n")
    assert main(["eval", "-d", str(tmp_path), "-i", str(tmp_path / "in.yaml"), "--format", "raw", "data.t.ok"]) == 0
    assert capsys.readouterr().out == "true\n"


def test_errors_are_one_line_not_tracebacks(tmp_path, capsys):
    (tmp_path / "bad.rego").write_text("package t\np if {\n")
    assert main(["eval", "-d", str(tmp_path / "bad.rego"), "data.t.p"]) == 1
    err = capsys.readouterr().err
    assert "bad.rego:3:1: rego_parse_error" in err and "Traceback" not in err
    (tmp_path / "in.json").write_text("{not json")
    assert main(["eval", "-i", str(tmp_path / "in.json"), "input"]) == 1
    assert "in.json" in capsys.readouterr().err
    assert main(["eval", "-d", str(tmp_path / "missing"), "1"]) == 1
    assert main(["eval", "--strict-builtin-errors", 'to_number("x")']) == 1
    assert "eval_builtin_error" in capsys.readouterr().err


def test_eval_step_budget_and_timeout(tmp_path, capsys):
    from regolite.cli import main

    (tmp_path / "loop.rego").write_text(
        "package x\nn := count([1 | some i in numbers.range(1, 2000); some j in numbers.range(1, 2000)])\n"
        "m := count([1 | some i in numbers.range(1, 10)])\n")
    assert main(["eval", "-d", str(tmp_path / "loop.rego"), "data.x.n", "--max-steps", "10000"]) == 1
    assert "eval_step_limit_error: evaluation exceeded its budget of 10000 steps" in capsys.readouterr().err
    assert main(["eval", "-d", str(tmp_path / "loop.rego"), "data.x.n", "--timeout", "0.05"]) == 1
    assert "eval_cancel_error: evaluation exceeded its deadline of 0.05s" in capsys.readouterr().err
    # 10 numbers made by numbers.range, then 10 loop iterations
    assert main(["eval", "-d", str(tmp_path / "loop.rego"), "data.x.m", "--max-steps", "20"]) == 0
    assert '"value": 10' in capsys.readouterr().out
    assert main(["eval", "-d", str(tmp_path / "loop.rego"), "data.x.m", "--max-steps", "19"]) == 1
