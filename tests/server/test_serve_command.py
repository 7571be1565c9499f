"""`regolite serve` argument checks, in-process: each refusal is one clear line and exit code 1."""

from __future__ import annotations

import argparse
import json

import pytest

from regolite.cli import COMMANDS, main, serve
from tests.server.policy_fixtures import require_uvicorn, write_policies
from tests.server.tls_fixtures import make_certs


def run_serve(argv: list) -> int:
    if "serve" in COMMANDS:
        return main(["serve", *argv])
    parser = argparse.ArgumentParser(prog="regolite")
    serve.add_parser(parser.add_subparsers())
    try:
        args = parser.parse_args(["serve", *argv])
    except SystemExit as e:  # as main() does for usage errors
        return int(e.code or 0)
    return args.run(args)


@pytest.fixture
def policies(tmp_path):
    return str(write_policies(tmp_path / "policies"))


@pytest.mark.parametrize("extra, needle", [
    ([], "needs --tls-cert FILE and --tls-key FILE"),
    (["--tls-cert", "x.crt"], "needs --tls-cert FILE and --tls-key FILE"),
    (["--insecure-http", "--tls-key", "k"], "cannot be combined"),
    (["--insecure-http", "--timeout", "0"], "--timeout"),
    (["--insecure-http", "--max-request-bytes", "10"], "--max-request-bytes"),
    (["--insecure-http", "--max-steps", "0"], "--max-steps"),
    (["--insecure-http", "--max-depth", "1000"], "--max-depth must be between 8 and 256"),
])
def test_refusals(policies, capsys, extra, needle):
    assert run_serve(["--policies", policies, *extra]) == 1
    err = capsys.readouterr().err
    assert needle in err and err.startswith("error: ") and "Traceback" not in err


def test_unusable_certificate(policies, tmp_path, capsys):
    ca, cert, key = make_certs(tmp_path / "certs")
    assert run_serve(["--policies", policies, "--tls-cert", str(cert), "--tls-key", str(ca)]) == 1
    assert "cannot use --tls-cert" in capsys.readouterr().err


def test_missing_policy_directory(tmp_path, capsys):
    assert run_serve(["--policies", str(tmp_path / "nope"), "--insecure-http"]) == 1
    assert "not a directory" in capsys.readouterr().err


def test_broken_policies_refuse_to_start(tmp_path, capsys):
    require_uvicorn()
    folder = write_policies(tmp_path / "policies")
    (folder / "template.yaml").write_text((folder / "template.yaml").read_text().replace("violation[", "violation["
                                                                                          "{{{"))
    assert run_serve(["--policies", str(folder), "--insecure-http"]) == 1
    events = [json.loads(line) for line in capsys.readouterr().err.splitlines()]  # JSON lines only
    assert [e["event"] for e in events] == ["policy_load_failed"] and "rego_parse_error" in events[0]["error"]


def test_fail_modes_are_exclusive(policies):
    assert run_serve(["--policies", policies, "--fail-open", "--fail-closed"]) == 2
