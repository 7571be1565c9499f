"""parse -> format -> parse gives the same tree, for generated and real modules."""

from __future__ import annotations

import dataclasses
import functools
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from regolite import RegoParseError, parse_module
from regolite.format import format_module
from tests.conftest import require_shared
from tests.parser.corpus import gatekeeper_rego_files, gatekeeper_template_sources, opa_fixture_modules


def assert_round_trip(module, label: str = "") -> str:
    """Format `module`, reparse as v1, compare; return the formatted text."""
    text = format_module(module)
    try:
        again = parse_module(text, rego_version="v1")
    except RegoParseError as e:
        raise AssertionError(f"{label}: formatted text does not parse: {e}\n{text}") from None
    assert _strict(again) == _strict(dataclasses.replace(module, rego_version="v1")), f"{label}:\n{text}"
    assert format_module(again) == text, f"{label}: formatting is not idempotent:\n{text}"
    return text


def _strict(module) -> str:
    # The dataclasses' repr leaves out locations but, unlike ==, tells 1 from 1.0 and true.
    return repr(module)


# --- generated modules --------------------------------------------------------------
#
# The strategies build Rego text, not trees: the parser decides what the text
# means and the formatter has to print that back. Each strategy factory is
# cached, as building strategies afresh on every draw made generation slow.

VARS = ("a", "b", "x", "y", "z", "foo", "bar_2", "_tmp", "Ab")
RULES = ("p", "q", "allow", "deny", "r_1")
FUNCS = ("f", "g", "count", "sprintf", "array.concat", "contains", "x.y.z")
KEYWORDS = ("if", "contains", "else", "default", "not", "some", "in", "every", "with", "as", "null", "import")
OPS = ("==", "!=", "<", "<=", ">", ">=", "|", "&", "+", "-", "*", "/", "%", "in")
WITH_TARGETS = ("input", "input.a", "data.b.c", "count", "f", 'input["x-y"]')
# Terms where the formatter has to take care: parentheses a collection or a
# ref head needs, refs on literals, keywords as keys, numbers that are negative.
TRICKY = (
    "(a | b)", "[(a | b), 1]", "{(a | b)}", "{(a | b): 1}", '{"k": (a | b)}', "[(-1) | true]", "{(x + 1) | x = 1}",
    "(-1)", "(-x)", "(x in xs)", "(k, v in xs)", "(a == b)",
    "(1)[0]", "(true).a", "(null)[0]", "[1][0]", '"abc"[0]', "{1}[1]", '{"a": 1}.a', "f(x)[0].y", "set()",
    '$"{x}"[0]', "input.default", 'input["if"]', 'data.x["contains"].y', "x[_]", "(a + b)[0]", "(-1)[0]",
    "1e400", "1e-400", "1e399", "0.0",
)
NEGATIVE = ("-1", "- 2.5", "-(-1)", "- -x", "-x.y", "-0.0", "-1e400", "-1e-400")
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=8)


@functools.cache
@st.composite
def spaces(draw, newline: bool = False) -> str:
    options = ["", " ", "  ", "\t"] + (["\n", " \n\t", "  # note\n"] if newline else [])
    return draw(st.sampled_from(options))


@functools.cache
@st.composite
def strings(draw) -> str:
    """A double-quoted string: escapes, unicode, raw control characters escaped."""
    out = []
    for c in draw(TEXT):
        choice = draw(st.integers(0, 3))
        if c in '"\\' or ord(c) < 0x20 or choice == 0:
            out.append(json.dumps(c, ensure_ascii=bool(choice % 2))[1:-1])
        elif choice == 1 and ord(c) < 0x10000:
            out.append(f"\\u{ord(c):04x}")
        else:
            out.append(c)
    out.extend(draw(st.lists(st.sampled_from(["\\/", "\\n", "\\t", "\\b", "\\f", "\\r"]), max_size=2)))
    return '"' + "".join(out) + '"'


@functools.cache
@st.composite
def raw_strings(draw) -> str:
    return "`" + draw(TEXT).replace("`", "") + "`"


@functools.cache
@st.composite
def numbers(draw) -> str:
    kind = draw(st.integers(0, 3))
    if kind == 0:
        return str(draw(st.integers(0, 10**40)))
    if kind == 1:
        return repr(draw(st.floats(min_value=0, allow_nan=False, allow_infinity=False)))
    if kind == 2:
        exp = draw(st.sampled_from(["e", "E", "e+", "e-", "E-"])) + str(draw(st.integers(0, 30)))
        return f"{draw(st.integers(0, 999))}.{draw(st.integers(0, 999))}{exp}"
    return str(draw(st.integers(0, 9)))


@functools.cache
def scalars() -> st.SearchStrategy[str]:
    return st.one_of(
        numbers(), strings(), raw_strings(), st.sampled_from(["true", "false", "null"]),
    )


@functools.cache
def variables() -> st.SearchStrategy[str]:
    return st.sampled_from(VARS + ("_",))


@functools.cache
@st.composite
def refs(draw, depth: int) -> str:
    head = draw(st.sampled_from(["var", "input", "data", "call", "array", "paren", "string"]))
    if head == "var":
        text = draw(st.sampled_from(VARS))
    elif head in ("input", "data"):
        text = head
    elif head == "call" and depth > 0:
        text = draw(calls(depth - 1))
    elif head == "array" and depth > 0:
        text = draw(arrays(depth - 1))
    elif head == "paren" and depth > 0:
        text = "(" + draw(exprs(depth - 1)) + ")"
    else:
        text = draw(strings())
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.integers(0, 4))
        if kind == 0:
            text += "." + draw(st.sampled_from(VARS + ("_", "default", "if")))
        elif kind == 1:
            text += "[" + draw(strings()) + "]"
        elif kind == 2:
            text += "[" + draw(variables()) + "]"
        elif kind == 3:
            text += '["' + draw(st.sampled_from(KEYWORDS)) + '"]'
        elif depth > 0:
            text += "[" + draw(exprs(depth - 1)) + "]"
        else:
            text += "[" + str(draw(st.integers(-3, 3))) + "]"
    return text


@st.composite
def separated(draw, items: list, allow_trailing: bool = True) -> str:
    """Items joined by commas, perhaps across lines, perhaps with a trailing comma."""
    out = ""
    for i, item in enumerate(items):
        if i:
            out += "," + draw(spaces(newline=True))
        out += item
    if items and allow_trailing and draw(st.booleans()):
        out += ","
    return out


@functools.cache
@st.composite
def calls(draw, depth: int) -> str:
    name = draw(st.sampled_from(FUNCS))
    if depth <= 0:
        args = [draw(st.one_of(variables(), scalars()))]
    else:
        args = draw(st.lists(exprs(depth - 1), max_size=2))
    return name + "(" + draw(separated(args)) + ")"


@functools.cache
@st.composite
def arrays(draw, depth: int) -> str:
    items = draw(st.lists(exprs(depth, bar=False), max_size=3 - depth))
    return "[" + draw(spaces()) + draw(separated(items)) + "]"


@functools.cache
@st.composite
def objects(draw, depth: int) -> str:
    n = draw(st.integers(0, 3 - depth))
    items = [draw(exprs(depth, bar=False)) + draw(spaces()) + ":" + draw(spaces()) + draw(exprs(depth, bar=False))
             for _ in range(n)]
    return "{" + draw(separated(items)) + "}"


@functools.cache
@st.composite
def sets(draw, depth: int) -> str:
    items = draw(st.lists(exprs(depth, bar=False), max_size=3 - depth))
    if not items:
        return "set()"
    return "{" + draw(separated(items)) + "}"


@functools.cache
@st.composite
def comprehensions(draw, depth: int) -> str:
    head = draw(st.one_of(terms(depth), exprs(depth).map(lambda e: "(" + e + ")")))
    body = draw(bodies(depth, inline=draw(st.booleans())))
    kind = draw(st.integers(0, 2))
    if kind == 0:
        return "[" + head + " | " + body + "]"
    if kind == 1:
        return "{" + head + " | " + body + "}"
    return "{" + draw(exprs(depth, bar=False)) + ": " + head + " | " + body + "}"


@functools.cache
@st.composite
def templates(draw) -> str:
    raw = draw(st.booleans())
    out = []
    for _ in range(draw(st.integers(0, 3))):
        if draw(st.booleans()):
            out.append("{" + draw(st.one_of(variables(), refs(0), numbers())) + "}")
        elif raw:
            out.append(draw(st.text(st.sampled_from("ab é\n\"\\"), max_size=4)))
        else:
            pieces = st.sampled_from(["a", " ", "é", "\\{", "\\}", "\\n", '\\"', "\\u00e9"])
            out.append("".join(draw(st.lists(pieces, max_size=4))))
    quote = "`" if raw else '"'
    return "$" + quote + "".join(out) + quote


@functools.cache
def terms(depth: int) -> st.SearchStrategy[str]:
    options = [scalars(), variables(), st.sampled_from(["input", "data"]), st.sampled_from(TRICKY)]
    if depth > 0:
        options += [refs(depth - 1), calls(depth - 1), arrays(depth - 1), objects(depth - 1), sets(depth - 1),
                    comprehensions(depth - 1), templates()]
        options.append(exprs(depth - 1).map(lambda e: "(" + e + ")"))
    return st.one_of(options)


@functools.cache
@st.composite
def unaries(draw, depth: int) -> str:
    text = draw(st.one_of(terms(depth), st.sampled_from(NEGATIVE)))
    for _ in range(draw(st.sampled_from([0, 0, 0, 1, 2]))):
        text = "-" + draw(st.sampled_from(["", " "])) + text
    return text


@functools.cache
@st.composite
def exprs(draw, depth: int, bar: bool = True, member: bool = True) -> str:
    """An expression with infix operators mixed freely: the parser decides the
    meaning, the formatter has to print it back. `bar=False` keeps `|` out of the
    top level (inside `[...]` it would start a comprehension), `member=False`
    keeps `in` out (where the grammar takes a `rel`)."""
    ops = [op for op in OPS if (bar or op != "|") and (member or op != "in")]
    text = draw(unaries(depth))
    for _ in range(draw(st.sampled_from([0, 0, 1, 1, 2, 3]))):
        gap = draw(st.sampled_from([" ", " ", ""]))
        op = draw(st.sampled_from(ops))
        if op == "in":
            gap = " "
        text += gap + op + gap + draw(unaries(depth))
    return text


@functools.cache
@st.composite
def withs(draw, depth: int) -> str:
    out = ""
    for _ in range(draw(st.sampled_from([0, 0, 0, 1, 2]))):
        out += " with " + draw(st.sampled_from(WITH_TARGETS)) + " as " + draw(exprs(depth))
    return out


def _not(expr: str) -> str:
    # after `import rego.v2`, `not {` opens a body
    return "not " + ("(" + expr + ")" if expr.startswith("{") else expr)


@functools.cache
@st.composite
def literals(draw, depth: int, v2: bool = False) -> str:
    kind = draw(st.integers(0, 12 if v2 else 10))
    if kind <= 2:
        return draw(exprs(depth)) + draw(withs(depth))
    if kind == 3:
        lhs = draw(st.one_of(variables(), refs(0), arrays(0)))
        return lhs + draw(st.sampled_from([" := ", " = ", ":=", "="])) + draw(exprs(depth)) + draw(withs(depth))
    if kind == 4:
        negated = draw(st.one_of(exprs(depth), sets(depth), objects(depth)))
        return _not(negated) + draw(withs(depth))
    if kind == 5:
        return "some " + ", ".join(draw(st.lists(variables(), min_size=1, max_size=3)))
    if kind == 6:
        names = draw(st.lists(st.one_of(variables(), arrays(0)), min_size=1, max_size=2))
        return "some " + ", ".join(names) + " in " + draw(exprs(depth, member=False))
    if kind == 7 and depth > 0:
        names = draw(st.lists(variables(), min_size=1, max_size=2))
        domain = draw(exprs(depth - 1, member=False))
        return "every " + ", ".join(names) + " in " + domain + " {" + draw(bodies(depth - 1, v2=v2)) + "}"
    if kind == 8:
        return draw(variables()) + ", " + draw(variables()) + " in " + draw(exprs(depth, member=False))
    if kind == 9:
        return draw(variables()) + " in " + draw(exprs(depth))
    if kind >= 11 and depth > 0:
        return "not {" + draw(bodies(depth - 1, v2=v2)) + "}"
    return draw(terms(depth))


@functools.cache
@st.composite
def bodies(draw, depth: int, inline: bool = False, v2: bool = False) -> str:
    items = draw(st.lists(literals(depth, v2), min_size=1, max_size=4 - depth))
    out = ""
    for i, item in enumerate(items):
        if i:
            sep = draw(st.sampled_from(["; ", ";"] if inline else ["\n\t", "; ", "\n\n\t", "  # c\n\t", ";\n"]))
            if item.startswith("-") and ";" not in sep:
                sep = ";" + sep  # a newline before `-` continues the expression
            out += sep
        out += item
    return out if inline else draw(spaces(newline=True)) + out + draw(spaces(newline=True))


@functools.cache
@st.composite
def rule_refs(draw) -> str:
    text = draw(st.sampled_from(RULES))
    for _ in range(draw(st.sampled_from([0, 0, 1, 2]))):
        text += draw(st.sampled_from([".a", ".b_c", '["x y"]', '["if"]', "[1]", "[x]", "[x]", "[input.k]"]))
    return text


def _strings_only(ref: str) -> bool:
    return not any(part in ref for part in ("[1]", "[x]", "[input.k]"))


@functools.cache
@st.composite
def rule_bodies(draw, v2: bool) -> str:
    if draw(st.integers(0, 3)) == 0:
        literal = draw(literals(1, v2))
        if not literal.startswith("{"):
            return " if " + literal
    return " if {" + draw(bodies(2, v2=v2)) + "}"


@functools.cache
@st.composite
def rules(draw, v2: bool) -> str:
    kind = draw(st.integers(0, 6))
    ref = draw(rule_refs())
    op = draw(st.sampled_from([" := ", " = "]))
    if kind == 0:
        return "default " + ref + op + draw(terms(1))
    if kind == 1:
        name = draw(st.sampled_from(RULES))
        if draw(st.booleans()):
            return name + " contains " + draw(exprs(1))
        return name + " contains " + draw(exprs(1)) + draw(rule_bodies(v2))
    if kind == 2:
        args = draw(st.lists(st.one_of(variables(), terms(1)), min_size=1, max_size=3))
        head = draw(st.sampled_from(["f", "g", "a.f"])) + "(" + draw(separated(args)) + ")"
        if draw(st.booleans()):
            head += op + draw(exprs(1))
        return head + draw(rule_bodies(v2)) + draw(elses(v2, implicit=True))
    if kind == 3 and _strings_only(ref):
        return ref + draw(rule_bodies(v2)) + draw(elses(v2, implicit=True))
    value = "true" if draw(st.booleans()) else draw(exprs(1))
    if kind == 4:
        return ref + op + value
    return ref + op + value + draw(rule_bodies(v2)) + draw(elses(v2, implicit=False))


@functools.cache
@st.composite
def elses(draw, v2: bool, implicit: bool) -> str:
    out = ""
    for _ in range(draw(st.sampled_from([0, 0, 1, 2]))):
        out += draw(st.sampled_from([" ", "\n"])) + "else"
        if not implicit or draw(st.booleans()):
            out += draw(st.sampled_from([" := ", " = "])) + draw(exprs(1))
        if draw(st.booleans()):
            out += draw(rule_bodies(v2))
    return out


@functools.cache
@st.composite
def modules(draw) -> str:
    imports = draw(st.lists(st.sampled_from([
        "import data.lib", "import data.lib.x as y", "import input.req", 'import data.a["b-c"].d',
        "import rego.v1", "import future.keywords.in", "import rego.v2",
    ]), max_size=3))
    v2 = "import rego.v2" in imports
    out = draw(st.sampled_from(["", "# header\n", "\n"]))
    out += "package " + draw(st.sampled_from(["a", "a.b", "x.y_z", 'a["b-c"]', "a.default"]))
    for imp in imports:
        out += draw(st.sampled_from(["\n", "\n\n", "  # c\n"])) + imp
    for rule in draw(st.lists(rules(v2), min_size=1, max_size=3)):
        out += draw(st.sampled_from(["\n", "\n\n", "\n# comment\n"])) + rule
    return out + draw(st.sampled_from(["", "\n", "\n# end"]))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(modules())
def test_generated_modules_round_trip(text):
    try:
        module = parse_module(text)
    except RegoParseError as e:
        raise AssertionError(f"the generator made a module that does not parse: {e}\n{text}") from None
    assert_round_trip(module, "generated")


# --- real modules -----------------------------------------------------------------------


def test_opa_fixture_modules_round_trip():
    root = require_shared("opa-tests")
    count = 0
    for case_id, version, text, _case in opa_fixture_modules(root):
        try:
            module = parse_module(text, case_id, rego_version=version)
        except RegoParseError:
            continue  # cases that expect a parse error
        assert_round_trip(module, case_id)
        count += 1
    assert count > 1000


def test_gatekeeper_library_sources_round_trip():
    root = require_shared("gatekeeper-library")
    files = list(gatekeeper_rego_files(root))
    assert len(files) >= 30
    for path in files:
        module = parse_module(path.read_text(encoding="utf-8"), str(path), rego_version="v0")
        assert_round_trip(module, str(path))


def test_gatekeeper_library_templates_round_trip():
    root = require_shared("gatekeeper-library")
    sources = list(gatekeeper_template_sources(root))
    assert len(sources) >= 30
    for source_id, version, text in sources:
        assert_round_trip(parse_module(text, source_id, rego_version=version), source_id)
