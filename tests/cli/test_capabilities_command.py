"""`regolite capabilities` lists what regolite implements, in OPA's format."""

from __future__ import annotations

import json

from regolite.cli import main
from tests.builtin_helpers import opa_builtins

# Left out on purpose: the embedded engine does no network or runtime introspection,
# and keeps no METADATA annotations (see README).
BY_DESIGN = {"http.send", "net.lookup_ip_addr", "opa.runtime", "providers.aws.sign_req"}


def test_capabilities_json(capsys):
    assert main(["capabilities", "--current"]) == 0
    doc = json.loads(capsys.readouterr().out)
    names = [b["name"] for b in doc["builtins"]]
    assert names == sorted(names)
    assert {"builtins", "future_keywords", "features"} <= doc.keys()


def test_against_opa_v1_19(capsys):
    theirs = opa_builtins()
    main(["capabilities"])
    ours = {b["name"]: b for b in json.loads(capsys.readouterr().out)["builtins"]}
    missing = sorted(set(theirs) - set(ours))
    print(f"regolite provides {len(set(ours) & set(theirs))} of OPA's {len(theirs)} builtins; missing: {missing}")
    assert len(set(ours) & set(theirs)) >= 195
    assert not BY_DESIGN & set(ours)
    for name in set(ours) & set(theirs):
        assert ours[name]["decl"] == theirs[name]["decl"], name
