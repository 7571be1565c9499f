"""Suite files are read by `regolite.documents` like every other document: YAML 1.2,
reads bounded, alias expansion limited (they had a YAML loader of their own,
which expanded any alias and read files whole)."""

from __future__ import annotations

import pytest

from regolite import limits
from regolite.gatekeeper.suites import SuiteError, find_suites

SUITE = """apiVersion: test.gatekeeper.sh/v1alpha1
kind: Suite
tests:
- name: t
  template: template.yaml
  constraint: constraint.yaml
  cases:
  - name: c
    object: pod.yaml
    assertions:
    - violations: no
    - violations: 2
"""

BOMB = "\n".join(
    ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    + [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 9)]
) + "\n"


def test_suites_are_yaml_1_2(tmp_path):
    (tmp_path / "suite.yaml").write_text(SUITE)
    (suite,) = find_suites([str(tmp_path)])
    assert [a.violations for a in suite.tests[0].cases[0].assertions] == ["no", 2]


def test_a_yaml_bomb_beside_a_suite_is_refused(tmp_path):
    (tmp_path / "suite.yaml").write_text(SUITE)
    (tmp_path / "bomb.yaml").write_text(BOMB)
    with pytest.raises(SuiteError) as e:
        find_suites([str(tmp_path)])
    assert str(e.value).startswith(f"{tmp_path / 'bomb.yaml'}: listing test files: invalid yaml: parsing yaml file ")
    assert "excessive aliasing" in str(e.value)


def test_suite_files_are_read_bounded(tmp_path, monkeypatch):
    (tmp_path / "suite.yaml").write_text(SUITE)
    monkeypatch.setattr(limits, "MAX_DOCUMENT_BYTES", len(SUITE) - 1)
    with pytest.raises(SuiteError, match="cannot read: file too large"):
        find_suites([str(tmp_path)])


def test_a_suite_that_is_not_utf8_is_a_clear_error(tmp_path):
    (tmp_path / "suite.yaml").write_bytes(SUITE.encode() + b"# \xff\n")
    with pytest.raises(SuiteError, match=r"cannot read: not UTF-8 text \(byte \d+\)"):
        find_suites([str(tmp_path)])
