"""graph.py: graph.reachable and graph.reachable_paths."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from regolite.builtins import OperandTypeError
from regolite.values import RegoSet, make_object
from tests.builtin_helpers import S, call


ORG = {
    "ceo": [],
    "human_resources": ["ceo"],
    "staffing": ["human_resources"],
    "internships": ["staffing"],
    "marketing": S("ceo"),
}


@pytest.mark.parametrize(
    "graph, initial, want",
    [
        (ORG, S("internships"), S("internships", "staffing", "human_resources", "ceo")),
        (ORG, ["marketing"], S("marketing", "ceo")),
        (ORG, S("ceo", "marketing"), S("ceo", "marketing")),
        (ORG, S(), S()),
        ({"a": ["b"], "b": ["c"], "c": ["a"]}, ["a"], S("a", "b", "c")),  # cycles end
        ({"a": ["b"]}, ["a"], S("a")),  # b is not a node of the graph
        ({"a": ["b"]}, ["x"], S()),
        ({"a": "b"}, ["a"], S("a")),  # a non-collection value: no edges
        (make_object([(1, [2]), (2, S(3)), (3, [])]), S(1), S(1, 2, 3)),
    ],
)
def test_reachable(graph, initial, want):
    assert call("graph.reachable", graph, initial) == want


@pytest.mark.parametrize(
    "graph, initial, want",
    [
        ({"a": ["b"], "b": ["c"], "c": []}, ["a"], S(["a", "b", "c"])),
        ({"a": ["b", "c"], "b": [], "c": ["d"], "d": []}, S("a"), S(["a", "b"], ["a", "c", "d"])),
        ({"a": ["b"], "b": ["c"], "c": ["a"]}, ["a"], S(["a", "b", "c"])),  # stop before repeating a node
        ({"a": ["b"]}, ["a"], S(["a", "b"])),  # b is not in the graph: the path ends there
        ({"a": []}, ["a"], S(["a"])),
        ({"a": []}, ["x"], S()),
        (ORG, S("internships", "marketing"),
         S(["internships", "staffing", "human_resources", "ceo"], ["marketing", "ceo"])),
        ({"a": ["b", "c"], "b": ["d"], "c": ["d"], "d": []}, ["a"], S(["a", "b", "d"], ["a", "c", "d"])),
    ],
)
def test_reachable_paths(graph, initial, want):
    assert call("graph.reachable_paths", graph, initial) == want


def test_errors():
    for name in ("graph.reachable", "graph.reachable_paths"):
        with pytest.raises(OperandTypeError) as info:
            call(name, [], ["a"])
        assert info.value.message == "operand 1 must be object but got array"
        with pytest.raises(OperandTypeError) as info:
            call(name, {}, "a")
        assert info.value.message == "operand 2 must be one of {set, array} but got string"


graphs = st.dictionaries(st.integers(0, 6), st.lists(st.integers(0, 6), max_size=3), max_size=7)


@given(graphs, st.lists(st.integers(0, 6), max_size=3))
def test_reachable_is_closed_and_paths_agree(graph, initial):
    reached = call("graph.reachable", graph, initial)
    for node in reached:
        assert node in graph
        for neighbour in graph[node]:
            assert neighbour in reached or neighbour not in graph
    assert all(node in reached for node in initial if node in graph)
    on_paths = RegoSet()
    for path in call("graph.reachable_paths", graph, initial):
        assert len(set(path)) == len(path)
        for a, b in zip(path, path[1:]):
            assert b in graph[a]
        for node in path:
            if node in graph:
                on_paths.add(node)
    assert on_paths == reached
