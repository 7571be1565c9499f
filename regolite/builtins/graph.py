"""Graph builtins: graph.reachable and graph.reachable_paths.

A graph is an object from node to its neighbours (an array or a set). Only
nodes that are keys of the graph are reached: a start node or neighbour
that is not a key is left out of `graph.reachable`, and ends a path in
`graph.reachable_paths`. (`walk`, also in OPA's graph category, lives in
`objects.py` with the other document traversals.)
"""

from __future__ import annotations

from collections import deque

from regolite.builtins import builtin
from regolite.builtins.signature import ANY, array_of, object_of, one_of, set_of
from regolite.values import UNDEFINED, RegoSet, object_get

GRAPH = ("graph",)

_NODES = one_of(set_of(ANY), array_of(ANY))
_GRAPH = object_of(ANY, _NODES)


@builtin("graph.reachable", args=(_GRAPH, _NODES), result=set_of(ANY), categories=GRAPH)
def graph_reachable(graph, initial):
    """The nodes reachable from `initial` (breadth first), the start nodes included."""
    queue = deque(_nodes(initial))
    reached = RegoSet()
    while queue:
        node = queue.popleft()
        if node in reached:
            continue
        edges = _edges(graph, node)
        if edges is UNDEFINED:
            continue
        reached.add(node)
        for neighbour in edges:
            if neighbour not in reached:
                queue.append(neighbour)
    return reached


@builtin(
    "graph.reachable_paths",
    args=(_GRAPH, _NODES),
    result=set_of(array_of(ANY)),
    categories=GRAPH,
)
def graph_reachable_paths(graph, initial):
    """Every maximal path from a start node: it ends at a node without neighbours, a node that is
    not in the graph, or before a node already on the path (a cycle)."""
    paths = RegoSet()
    for node in _nodes(initial):
        if _edges(graph, node) is not UNDEFINED:
            _extend_paths(graph, [node], paths)
    return paths


def _nodes(nodes) -> list:
    return nodes.sorted() if type(nodes) is RegoSet else list(nodes)


def _edges(graph: dict, node):
    """The node's neighbours in OPA's order ([] when the value is not a collection), or UNDEFINED."""
    edges = object_get(graph, node)
    if edges is UNDEFINED:
        return UNDEFINED
    if type(edges) is RegoSet:
        return edges.sorted()
    if type(edges) is list:
        return edges
    return []


def _extend_paths(graph: dict, path: list, paths: RegoSet) -> None:
    edges = _edges(graph, path[-1])
    if edges is UNDEFINED or not edges:
        paths.add(path)
        return
    on_path = RegoSet(path)
    for neighbour in edges:
        if neighbour in on_path:
            paths.add(path)
        else:
            _extend_paths(graph, path + [neighbour], paths)
