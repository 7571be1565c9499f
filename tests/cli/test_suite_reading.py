"""Suite files are read by `regolite.documents` like every other document: YAML 1.2,
reads bounded, alias expansion limited (they had a YAML loader of their own,
which expanded any alias and read files whole)."""

from __future__ import annotations

import pytest

from regolite import limits
from regolite.gatekeeper.suites import SuiteError, find_suites
from tests.gatekeeper.test_documents import BOMB
from tests.hardening.test_hostile_inputs import write_suite


def test_suites_are_yaml_1_2(tmp_path):
    write_suite(tmp_path, "pod.yaml")  # `violations: yes` and `violations: 1`
    (suite,) = find_suites([str(tmp_path)])
    assert [a.violations for c in suite.tests[0].cases for a in c.assertions] == ["yes", 1]


def test_a_yaml_bomb_beside_a_suite_is_refused(tmp_path):
    write_suite(tmp_path, "pod.yaml")
    (tmp_path / "bomb.yaml").write_text(BOMB)
    with pytest.raises(SuiteError) as e:
        find_suites([str(tmp_path)])
    assert str(e.value).startswith(f"{tmp_path / 'bomb.yaml'}: listing test files: invalid yaml: parsing yaml file ")
    assert "excessive aliasing" in str(e.value)


def test_suite_files_are_read_bounded(tmp_path, monkeypatch):
    write_suite(tmp_path, "pod.yaml")
    monkeypatch.setattr(limits, "MAX_DOCUMENT_BYTES", (tmp_path / "suite.yaml").stat().st_size - 1)
    with pytest.raises(SuiteError, match="cannot read: file too large"):
        find_suites([str(tmp_path)])


def test_a_suite_that_is_not_utf8_is_a_clear_error(tmp_path):
    write_suite(tmp_path, "pod.yaml")
    (tmp_path / "suite.yaml").write_bytes((tmp_path / "suite.yaml").read_bytes() + b"# \xff\n")
    with pytest.raises(SuiteError, match=r"cannot read: not UTF-8 text \(byte \d+\)"):
        find_suites([str(tmp_path)])
