"""data.inventory: layout, replacement, removal, numbers (§5 of GATEKEEPER-SEMANTICS.md)."""

from __future__ import annotations

import pytest

import regolite
from regolite.errors import RegoError
from regolite.gatekeeper.inventory import Inventory, InventoryError, object_path


def obj(kind, name, *, api="v1", ns=None, **extra):
    metadata = {"name": name}
    if ns:
        metadata["namespace"] = ns
    return {"apiVersion": api, "kind": kind, "metadata": metadata, **extra}


def test_empty_inventory_is_an_empty_object():
    inv = Inventory()
    assert inv.as_data() == {} and len(inv) == 0


def test_layout_cluster_and_namespace():
    inv = Inventory()
    inv.add_all([
        obj("Namespace", "prod"),
        obj("ClusterRole", "admin", api="rbac.authorization.k8s.io/v1"),
        obj("Pod", "web", ns="prod"),
        obj("Ingress", "ing", api="networking.k8s.io/v1", ns="prod"),
        obj("Deployment", "d", api="apps/v1", ns="dev"),
    ])
    data = inv.as_data()
    assert set(data) == {"cluster", "namespace"}
    assert data["cluster"]["v1"]["Namespace"]["prod"]["metadata"]["name"] == "prod"
    assert data["cluster"]["rbac.authorization.k8s.io/v1"]["ClusterRole"]["admin"]["kind"] == "ClusterRole"
    assert data["namespace"]["prod"]["v1"]["Pod"]["web"]["kind"] == "Pod"
    assert "ing" in data["namespace"]["prod"]["networking.k8s.io/v1"]["Ingress"]
    assert "d" in data["namespace"]["dev"]["apps/v1"]["Deployment"]
    assert len(inv) == 5


def test_object_path():
    assert object_path(obj("Pod", "p", ns="n")) == ("namespace", "n", "v1", "Pod", "p")
    assert object_path(obj("Node", "n1")) == ("cluster", "v1", "Node", "n1")
    assert object_path(obj("Deployment", "d", api="apps/v1", ns="x"))[2] == "apps/v1"


def test_adding_same_path_replaces():
    inv = Inventory([obj("Pod", "p", ns="n", spec={"v": 1})])
    inv.add(obj("Pod", "p", ns="n", spec={"v": 2}))
    assert len(inv) == 1
    assert inv.as_data()["namespace"]["n"]["v1"]["Pod"]["p"]["spec"] == {"v": 2.0}


def test_remove():
    pod = obj("Pod", "p", ns="n")
    inv = Inventory([pod, obj("Pod", "q", ns="n")])
    assert inv.remove(pod) is True
    assert inv.remove(pod) is False
    assert inv.remove(obj("Pod", "z", ns="other")) is False
    assert list(inv.as_data()["namespace"]["n"]["v1"]["Pod"]) == ["q"]
    assert len(inv) == 1
    assert inv.get(pod) is None
    assert inv.get(obj("Pod", "q", ns="n"))["metadata"]["name"] == "q"


@pytest.mark.parametrize("bad, message", [
    ({"kind": "Pod", "metadata": {"name": "p"}}, "invalid request object: resource p has no version"),
    ({"apiVersion": "apps/", "kind": "Deployment", "metadata": {"name": "d"}}, "resource d has no version"),
    ({"apiVersion": "v1", "metadata": {"name": "p"}}, "invalid request object: resource p has no kind"),
    ("not an object", "expected an object"),
])
def test_objects_that_cannot_be_stored(bad, message):
    with pytest.raises(InventoryError) as e:
        Inventory().add(bad)
    assert isinstance(e.value, RegoError) and message in e.value.message


def test_numbers_become_float64_by_default():
    inv = Inventory([obj("ConfigMap", "c", ns="n", data={"n": 3, "b": True, "f": 1.5, "l": [1, {"x": 2}]})])
    stored = inv.as_data()["namespace"]["n"]["v1"]["ConfigMap"]["c"]["data"]
    assert type(stored["n"]) is float and stored["b"] is True and stored["f"] == 1.5
    assert type(stored["l"][0]) is float and type(stored["l"][1]["x"]) is float
    assert float(2 ** 53 + 1) == Inventory([obj("C", "c", v=2 ** 53 + 1)]).as_data()["cluster"]["v1"]["C"]["c"]["v"]


def test_exact_numbers_keep_integers():
    inv = Inventory([obj("ConfigMap", "c", v=3)], exact_numbers=True)
    assert type(inv.as_data()["cluster"]["v1"]["ConfigMap"]["c"]["v"]) is int


def test_numbers_too_large_for_float64():
    with pytest.raises(InventoryError, match="float64"):
        Inventory().add(obj("C", "c", v=10 ** 400))


def test_stored_objects_are_copies():
    pod = obj("Pod", "p", ns="n", spec={"a": "x"})
    inv = Inventory([pod])
    pod["spec"]["a"] = "changed"
    assert inv.as_data()["namespace"]["n"]["v1"]["Pod"]["p"]["spec"]["a"] == "x"


def test_namespace_cache_and_objects():
    ns = obj("Namespace", "prod", labels={"x": "y"})
    inv = Inventory([ns, obj("Pod", "p", ns="prod"), obj("Namespace", "other", api="example.com/v1")])
    assert inv.namespace("prod")["metadata"]["name"] == "prod"
    assert inv.namespace("other") is None and inv.namespace("missing") is None
    assert [o["metadata"]["name"] for o in inv.objects()] == ["prod", "other", "p"]
    inv.clear()
    assert inv.as_data() == {} and len(inv) == 0


REGO = """package t

hosts[host] {
  ing := data.inventory.namespace[ns][gv]["Ingress"][name]
  startswith(gv, "networking.k8s.io/")
  host := ing.spec.rules[_].host
}

empty_namespaces := [ns | data.inventory.namespace[ns]]

replicas := sprintf("%v", [data.inventory.namespace.prod["apps/v1"].Deployment.big.spec.replicas])
"""


def test_rego_reads_the_inventory():
    inv = Inventory([
        obj("Ingress", "a", api="networking.k8s.io/v1", ns="prod", spec={"rules": [{"host": "a.example.com"}]}),
        obj("Ingress", "b", api="networking.k8s.io/v1", ns="dev", spec={"rules": [{"host": "b.example.com"}]}),
        obj("Ingress", "old", api="extensions/v1beta1", ns="dev", spec={"rules": [{"host": "old.example.com"}]}),
        obj("Deployment", "big", api="apps/v1", ns="prod", spec={"replicas": 1000000}),
    ])
    policy = regolite.compile({"t.rego": REGO}, data={"inventory": inv.as_data()}, rego_version="v0")
    assert policy.eval_rule("data.t.hosts") == ["a.example.com", "b.example.com"]
    # §5.4: float64 round trip, so Go's %v prints the exponent form.
    assert policy.eval_rule("data.t.replicas") == "1e+06"


def test_rego_over_an_empty_inventory():
    policy = regolite.compile({"t.rego": REGO}, data={"inventory": Inventory().as_data()}, rego_version="v0")
    assert policy.eval_rule("data.t.hosts") == []
    assert policy.eval_rule("data.t.empty_namespaces") == []
