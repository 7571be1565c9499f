"""`regolite verify`: gator suites, Go-test style output, exit codes."""

from __future__ import annotations

import textwrap

from regolite.cli import main
from tests.conftest import require_shared


def test_gatekeeper_library_general_suites_all_pass(capsys):
    root = require_shared("gatekeeper-library", "library", "general")
    code = main(["verify", str(root)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert out.count("\nok\t") + out.startswith("ok\t") == 30
    assert out.endswith("PASS\n")


def _write_suite(tmp_path, assertion: str):
    (tmp_path / "template.yaml").write_text(textwrap.dedent("""
        apiVersion: templates.gatekeeper.sh/v1
        kind: ConstraintTemplate
        metadata: {name: k8snolatest}
        spec:
          crd: {spec: {names: {kind: K8sNoLatest}}}
          targets:
          - target: admission.k8s.gatekeeper.sh
            rego: |
              package k8snolatest
              violation[{"msg": msg}] {
                c := input.review.object.spec.containers[_]
                endswith(c.image, ":latest")
                msg := sprintf("%v uses latest", [c.name])
              }
    """))
    (tmp_path / "constraint.yaml").write_text(
        "apiVersion: constraints.gatekeeper.sh/v1beta1\nkind: K8sNoLatest\nmetadata: {name: no-latest}\n"
    )
    (tmp_path / "pod.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - {name: web, image: 'nginx:latest'}\n"
    )
    (tmp_path / "suite.yaml").write_text(textwrap.dedent(f"""
        apiVersion: test.gatekeeper.sh/v1alpha1
        kind: Suite
        tests:
        - name: latest
          template: template.yaml
          constraint: constraint.yaml
          cases:
          - name: bad-pod
            object: pod.yaml
            assertions:
            - {assertion}
    """))


def test_failing_assertion_is_reported_like_gator(tmp_path, capsys):
    _write_suite(tmp_path, "{violations: no}")
    assert main(["verify", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "    --- FAIL: bad-pod\t(" in out
    assert "unexpected number of violations: got 1 violations but want none: got messages [web uses latest]" in out
    assert "--- FAIL: latest\t(" in out and out.endswith("FAIL\n")


def test_passing_suite_and_message_regex(tmp_path, capsys):
    _write_suite(tmp_path, '{violations: 1, message: "web.*latest"}')
    assert main(["verify", str(tmp_path / "suite.yaml")]) == 0
    assert capsys.readouterr().out.startswith("ok\t")


def test_run_filter_skips_other_tests(tmp_path, capsys):
    _write_suite(tmp_path, "{violations: no}")
    assert main(["verify", "--run", "something-else", str(tmp_path)]) == 0


def test_malformed_yaml_aborts_the_run_naming_the_file(tmp_path, capsys):
    # gator parses every YAML file it finds while listing suites (GATEKEEPER-SEMANTICS.md §7.2)
    _write_suite(tmp_path, "{violations: yes}")
    (tmp_path / "pod.yaml").write_text("apiVersion: v1\nkind: Pod\nmetadata: [unclosed\n")
    assert main(["verify", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "pod.yaml" in err and "invalid yaml" in err and "Traceback" not in err


def test_missing_object_file_fails_the_case(tmp_path, capsys):
    _write_suite(tmp_path, "{violations: yes}")
    (tmp_path / "pod.yaml").unlink()
    assert main(["verify", str(tmp_path / "suite.yaml")]) == 1
    assert "pod.yaml" in capsys.readouterr().out
