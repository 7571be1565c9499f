"""Go's text/template, as strings.render_template runs it: lexer, parser and executor.

OPA executes the template with option missingkey=error on the variables as
it passes them: decoded from JSON with UseNumber, so numbers are json.Number
(a string type: always true in {{if}}, compared as text by eq/lt, printed as
their JSON text) and sets are arrays (`go_data`). Supported: text, comments,
trim markers, {{pipeline}} with fields, variables, parentheses and `|`,
{{if}}/{{else if}}/{{else}}, {{range}} (with $i, $v and {{else}}, {{break}},
{{continue}}), {{with}} (and {{else with}}), and the functions and, or, not,
len, index, eq, ne, lt, le, gt, ge, print, printf, println, html, js,
urlquery. Not supported (a clear error): define/template/block, slice, call.
Parse errors are checked at parse time as Go does, except undefined
variables (found when executed). Errors are `TemplateError`s with Go's
message text.

Values are printed and formatted by Go's fmt in `regolite.builtins.sprintf`.
This module registers no builtins; `strings.render_template` in
`regolite.builtins.strings` calls it.
"""

from __future__ import annotations

import re
import unicodedata
import urllib.parse

from fractions import Fraction

from regolite.builtins import bigfloat, charge_steps
from regolite.builtins.gostrconv import go_quote
from regolite.builtins.sprintf import JSONNumber, go_json_value, go_sprint, go_sprintf


class TemplateError(Exception):
    """A template parse or execution error; its text is Go's error message."""


def go_data(value):
    """JSON data as Go's decoder with UseNumber gives it: numbers become json.Number text."""
    t = type(value)
    if t is dict:
        return {k: go_data(v) for k, v in value.items()}
    if t is list:
        return [go_data(v) for v in value]
    if t is int:
        return JSONNumber(str(value))
    if t is float:
        return JSONNumber(repr(value))
    if t is Fraction:
        return JSONNumber(bigfloat.text(value))
    return value


class GoTemplate:
    """A parsed template: nodes are tuples (see `_parse_list`); `execute` renders it."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = self._lex(text)
        self.pos = 0
        self.range_depth = 0
        self.root = self._parse_list(top=True)

    # lexing: ("text", str, pos) and ("action", [(kind, value, pos)], pos, line) items

    def _lex(self, text: str) -> list:
        items = []
        i = 0
        n = len(text)
        while i < n:
            j = text.find("{{", i)
            if j < 0:
                items.append(("text", text[i:], i))
                break
            k = j + 2
            trim_left = text.startswith("-", k) and k + 1 < n and text[k + 1] in " \t\r\n"
            if trim_left:
                k += 1
            literal = text[i:j]
            if trim_left:
                literal = literal.rstrip(" \t\r\n")
            if literal:
                items.append(("text", literal, i))
            line = text.count("\n", 0, j) + 1
            tokens, i, trim_right = self._lex_action(text, k, line)
            if tokens is not None:
                items.append(("action", tokens, j, line))
            if trim_right:
                while i < n and text[i] in " \t\r\n":
                    i += 1
        return items

    def _lex_action(self, text: str, i: int, line: int):
        ws = i
        while ws < len(text) and text[ws] in " \t\r\n":
            ws += 1
        if text.startswith("/*", ws):
            end = text.find("*/", ws + 2)
            if end < 0:
                raise TemplateError(f"template: template:{line}: unclosed comment")
            end += 2
            trim_right = False
            if text.startswith(" -}}", end):
                end += 4
                trim_right = True
            elif text.startswith("}}", end):
                end += 2
            else:
                raise TemplateError(f"template: template:{line}: comment ends before closing delimiter")
            return None, end, trim_right
        tokens = []
        n = len(text)
        while True:
            if i >= n:
                raise TemplateError(f"template: template:{line}: unclosed action")
            if text.startswith("}}", i):
                return tokens, i + 2, False
            if text.startswith(" -}}", i) or (text[i] in " \t\r\n" and text.startswith("-}}", i + 1)):
                return tokens, i + 4, True
            m = _ACTION_TOKEN.match(text, i)
            if m is None:
                bad = go_sprintf("%#U", [("int", ord(text[i]))])
                raise TemplateError(f"template: template:{line}: bad character {bad}")
            kind = m.lastgroup
            if kind != "ws":
                tokens.append((kind, m.group(), i))
            i = m.end()

    # parsing

    def _error(self, line: int, message: str) -> TemplateError:
        return TemplateError(f"template: template:{line}: {message}")

    def _parse_list(self, top: bool = False):
        """Nodes up to {{end}} or {{else}}; returns (nodes, terminator item) unless `top`."""
        nodes = []
        while self.pos < len(self.tokens):
            item = self.tokens[self.pos]
            self.pos += 1
            if item[0] == "text":
                nodes.append(("text", item[1]))
                continue
            _, tokens, pos, line = item
            if not tokens:
                raise self._error(line, "missing value for command")
            head = tokens[0]
            word = head[1] if head[0] == "ident" else None
            if word in ("end", "else"):
                if top:
                    raise self._error(line, f"unexpected {{{{{word}}}}}")
                return nodes, item
            if word in ("if", "range", "with"):
                nodes.append(self._parse_control(word, tokens[1:], pos, line))
            elif word in ("break", "continue"):
                if not self.range_depth:
                    raise self._error(line, f"{{{{{word}}}}} outside {{{{range}}}}")
                nodes.append((word,))
            elif word in ("define", "template", "block"):
                raise self._error(line, f"{{{{{word}}}}} is not supported by regolite")
            else:
                nodes.append(("action", self._parse_pipeline(tokens, line, decl_ok=True, context="command"), pos))
        if not top:
            raise self._error(self._last_line(), "unexpected EOF")
        return nodes

    def _last_line(self) -> int:
        return self.text.count("\n") + 1

    def _parse_control(self, word: str, tokens: list, pos: int, line: int):
        pipe = self._parse_pipeline(tokens, line, decl_ok=True, range_decl=word == "range", context=word)
        self.range_depth += word == "range"
        body, end = self._parse_list()
        self.range_depth -= word == "range"
        else_body = None
        end_tokens = end[1]
        if end_tokens[0][1] == "else":
            if len(end_tokens) > 1 and end_tokens[1] == ("ident", "if", end_tokens[1][2]) and word == "if":
                # {{else if x}} ... is {{else}}{{if x}} ... {{end}}{{end}} sharing the one {{end}}
                else_body = [self._parse_control("if", end_tokens[2:], end[2], end[3])]
            elif len(end_tokens) > 1 and end_tokens[1][1] == "with" and word == "with":
                else_body = [self._parse_control("with", end_tokens[2:], end[2], end[3])]
            else:
                if len(end_tokens) > 1:
                    raise self._error(end[3], f"unexpected {end_tokens[1][1]!s} in else")
                else_body, end2 = self._parse_list()
                if end2[1][0][1] != "end":
                    raise self._error(end2[3], "expected end; found {{else}}")
        elif len(end_tokens) > 1:
            raise self._error(end[3], "unexpected token in end")
        return (word, pipe, body, else_body, pos)

    def _parse_pipeline(self, tokens: list, line: int, decl_ok: bool = False, range_decl: bool = False,
                        context: str = "command"):
        decls: list = []
        assign = False
        i = 0
        if decl_ok and tokens and tokens[0][0] == "var":
            if len(tokens) > 1 and tokens[1][1] in (":=", "="):
                decls = [tokens[0][1]]
                assign = tokens[1][1] == "="
                i = 2
            elif range_decl and len(tokens) > 3 and tokens[1][1] == "," and tokens[2][0] == "var" \
                    and tokens[3][1] in (":=", "="):
                decls = [tokens[0][1], tokens[2][1]]
                assign = tokens[3][1] == "="
                i = 4
        cmds = []
        cmd: list = []
        while i < len(tokens):
            tok = tokens[i]
            if tok[1] == "|" and tok[0] == "op":
                if not cmd:
                    raise self._error(line, "missing value for command")
                cmds.append(cmd)
                cmd = []
                i += 1
                continue
            operand, i = self._parse_operand(tokens, i, line)
            cmd.append(operand)
        if not cmd:
            raise self._error(line, f"missing value for {context}")
        cmds.append(cmd)
        for c in cmds[1:]:
            if c[0][0] not in ("ident",) and len(c) == 1 and c[0][0] == "const":
                raise self._error(line, f"non executable command in pipeline stage {cmds.index(c) + 1}")
        return (decls, assign, cmds)

    def _parse_operand(self, tokens: list, i: int, line: int):
        kind, value, pos = tokens[i]
        i += 1
        if kind == "field":
            names, i, pos = _chain(tokens, i, pos)
            return ("field", [value[1:], *names], pos), i
        if kind == "var":
            names, i, pos = _chain(tokens, i, pos)
            return ("var", value, names, pos), i
        if kind == "op" and value == ".":
            return ("dot", pos), i
        if kind == "op" and value == "(":
            depth = 1
            j = i
            while j < len(tokens) and depth:
                if tokens[j][0] == "op" and tokens[j][1] in "()":
                    depth += 1 if tokens[j][1] == "(" else -1
                j += 1
            if depth:
                raise self._error(line, "unclosed left paren")
            inner = self._parse_pipeline(tokens[i:j - 1], line, decl_ok=True)
            names, j, pos = _chain(tokens, j, pos)
            return ("pipe", inner, names, pos), j
        if kind == "ident":
            if value in ("true", "false"):
                return ("const", value == "true", pos), i
            if value == "nil":
                return ("nil", pos), i
            if value in _FUNCTIONS:
                return ("ident", value, pos), i
            if value in _UNSUPPORTED:
                raise self._error(line, f"function {value!r} is not supported by regolite")
            raise self._error(line, f"function {go_quote(value)} not defined")
        if kind in ("string", "raw"):
            return ("const", _unquote_go(value, line, self), pos), i
        if kind == "char":
            text = _unquote_go('"' + value[1:-1].replace('"', '\\"') + '"', line, self)
            if len(text) != 1:
                raise self._error(line, f"malformed character constant: {value}")
            return ("const", ord(text), pos), i
        if kind == "number":
            return ("const", _go_number(value, line, self), pos), i
        raise self._error(line, f"unexpected {go_quote(value)} in operand")

    # execution

    def execute(self, data) -> str:
        out: list[str] = []
        self.at = (0, "")
        self.variables = [("$", data)]
        self._walk(self.root, data, out)
        return "".join(out)

    def _exec_error(self, pos: int, context: str, message: str) -> TemplateError:
        before = self.text[:pos].encode()
        line = before.count(b"\n") + 1
        nl = before.rfind(b"\n")
        col = len(before) if nl < 0 else len(before) - nl - 1
        return TemplateError(
            f'template: template:{line}:{col}: executing "template" at <{context}>: {message}'
        )

    def _walk(self, nodes: list, dot, out: list) -> None:
        for node in nodes:
            kind = node[0]
            if kind == "text":
                out.append(node[1])
            elif kind == "action":
                decls = node[1][0]
                value = self._pipeline(node[1], dot)
                if not decls:
                    text = "<no value>" if value is None else go_sprint([go_json_value(value)])
                    if len(text) > 64:
                        charge_steps(len(text) >> 6)  # a step per 64 bytes printed (Go's fmt, in Python)
                    out.append(text)
            elif kind == "if" or kind == "with":
                mark = len(self.variables)
                value = self._pipeline(node[1], dot)
                if _truth(value):
                    self._walk(node[2], value if kind == "with" else dot, out)
                elif node[3] is not None:
                    self._walk(node[3], dot, out)
                del self.variables[mark:]
            elif kind == "range":
                self._range(node, dot, out)
            elif kind == "break":
                raise _Break
            else:
                raise _Continue

    def _range(self, node, dot, out: list) -> None:
        mark = len(self.variables)
        decls = node[1][0]
        value = self._pipeline(node[1], dot)
        if type(value) is list:
            items = list(enumerate(value))
        elif type(value) is dict:
            items = sorted(value.items())
        elif value is None:
            items = []
        elif type(value) is int:  # Go 1.22 ranges over integers
            if len(decls) > 1:
                raise self._exec_error(self.at[0], self.at[1],
                                       f"can't use {value} to iterate over more than one variable")
            items = zip(range(value), range(value))
        else:
            raise self._exec_error(self.at[0], self.at[1], f"range can't iterate over {_go_text(value)}")
        inner = len(self.variables)
        steps = _range_steps(node[2])
        ran = False
        try:
            for index, elem in items:
                charge_steps(steps)
                ran = True
                if decls:
                    self.variables[-1] = (decls[-1], elem)
                if len(decls) > 1:
                    self.variables[-2] = (decls[0], index)
                try:
                    self._walk(node[2], elem, out)
                except _Continue:
                    pass
                del self.variables[inner:]
        except _Break:
            pass
        if not ran and node[3] is not None:
            self._walk(node[3], dot, out)
        del self.variables[mark:]

    def _pipeline(self, pipe, dot):
        decls, assign, cmds = pipe
        value = _MISSING
        for cmd in cmds:
            value = self._command(cmd, dot, value)
        if value is _MISSING:
            value = None
        for name in decls:
            if assign:
                for k in range(len(self.variables) - 1, -1, -1):
                    if self.variables[k][0] == name:
                        self.variables[k] = (name, value)
                        break
                else:
                    raise TemplateError(f'template: template: undefined variable "{name}"')
            else:
                self.variables.append((name, value))
        return value

    def _command(self, cmd: list, dot, final):
        first = cmd[0]
        if first[0] == "ident" and first[1] in ("and", "or") and len(cmd) > 1:
            # and/or evaluate their arguments lazily and stop at the first that decides
            value = None
            for node in cmd[1:]:
                value = self._arg(node, dot)
                if _truth(value) is (first[1] == "or"):
                    return value
            return value if final is _MISSING else final
        if first[0] == "ident":
            args = [self._arg(a, dot) for a in cmd[1:]]
            if final is not _MISSING:
                args.append(final)
            if first[1] == "printf" and len(cmd) > 1:
                self._check_format(cmd[1], args[0])
            return self._call(first[1], args, first[2], _command_text(cmd))
        if len(cmd) > 1 or final is not _MISSING:
            if first[0] == "field" and len(first[1]) > 0:
                receiver = self._fields(dot, first[1][:-1], first[2], _node_text(first), boxed=False)
                if type(receiver) is dict:
                    raise self._exec_error(first[-1], _node_text(first),
                                           f"{first[1][-1]} is not a method but has arguments")
            raise self._exec_error(first[-1], _node_text(first),
                                   f"can't give argument to non-function {_node_text(first)}")
        return self._arg(first, dot)

    def _check_format(self, node, value) -> None:
        """printf's format argument must be a Go string (a json.Number is not)."""
        if node[0] == "const" and type(value) is not str:
            raise self._exec_error(node[-1], _node_text(node), f"expected string; found {_node_text(node)}")
        if type(value) is not str:
            got = "<nil>" if value is None else go_json_value(value)[0]
            raise self._exec_error(node[-1], _node_text(node), f"wrong type for value; expected string; got {got}")

    def _arg(self, node, dot):
        kind = node[0]
        self.at = (node[-1], _node_text(node))
        if kind == "const":
            return node[1]
        if kind == "nil":
            return None
        if kind == "dot":
            return dot
        if kind == "field":
            return self._fields(dot, node[1], node[2], _node_text(node), boxed=False)
        if kind == "var":
            for name, value in reversed(self.variables):
                if name == node[1]:
                    return self._fields(value, node[2], node[3], _node_text(node), boxed=False)
            raise TemplateError(f"template: template:{self.text.count(chr(10), 0, node[3]) + 1}: "
                                 f'undefined variable "{node[1]}"')
        if kind == "pipe":
            return self._fields(self._pipeline(node[1], dot), node[2], node[3], _node_text(node), boxed=False)
        return self._call(node[1], [], node[2], node[1])

    def _fields(self, receiver, names: list, pos: int, context: str, boxed: bool):
        for name in names:
            if type(receiver) is dict:
                if name not in receiver:
                    raise self._exec_error(pos, context, f"map has no entry for key {go_quote(name)}")
                receiver = receiver[name]
                boxed = True
            elif receiver is None:
                message = f"nil pointer evaluating interface {{}}.{name}" if boxed else \
                    f"nil data; no entry for key {go_quote(name)}"
                raise self._exec_error(pos, context, message)
            else:
                typ = "interface {}" if boxed else go_json_value(receiver)[0]
                raise self._exec_error(pos, context, f"can't evaluate field {name} in type {typ}")
        return receiver

    def _call(self, name: str, args: list, pos: int, context: str):
        try:
            return _call_function(name, args)
        except TemplateError as err:
            raise self._exec_error(pos, context, f"error calling {name}: {err}") from None
        except _ArgCountError as err:
            raise self._exec_error(pos, name, str(err)) from None


# --- helpers -----------------------------------------------------------------


class _Break(Exception):
    pass


class _Continue(Exception):
    pass


def _range_steps(body: list) -> int:
    """Steps one iteration of a range takes: one, one per node of its body, one per KiB of its text."""
    return 1 + len(body) + sum(len(node[1]) >> 10 for node in body if node[0] == "text")


_ACTION_TOKEN = re.compile(
    r"""(?P<ws>[ \t\r\n]+)
      | (?P<string>"(?:\\.|[^"\\\n])*")
      | (?P<raw>`[^`]*`)
      | (?P<char>'(?:\\.|[^'\\\n])+')
      | (?P<number>[+-]?(?:0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO][0-7_]+
                         |(?:[0-9][0-9_]*\.?[0-9_]*|\.[0-9][0-9_]*)(?:[eE][+-]?[0-9]+)?))
      | (?P<field>\.[A-Za-z_][A-Za-z0-9_]*)
      | (?P<var>\$[A-Za-z0-9_]*)
      | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
      | (?P<op>:=|=|\||\(|\)|,|\.)
    """,
    re.VERBOSE,
)
_FUNCTIONS = frozenset(("and", "or", "not", "len", "index", "eq", "ne", "lt", "le", "gt", "ge",
                        "print", "printf", "println", "html", "js", "urlquery"))
_UNSUPPORTED = frozenset(("slice", "call"))


_MISSING = object()


class _ArgCountError(Exception):
    pass


def _call_function(name: str, args: list):  # noqa: C901 - one dispatch table
    if name in ("and", "or"):
        if not args:
            raise _ArgCountError(f"wrong number of args for {name}: want at least 1 got 0")
        for a in args:
            if _truth(a) is (name == "or"):
                return a
        return args[-1]
    if name == "not":
        if len(args) != 1:
            raise _ArgCountError(f"wrong number of args for not: want 1 got {len(args)}")
        return not _truth(args[0])
    if name == "len":
        if len(args) != 1:
            raise _ArgCountError(f"wrong number of args for len: want 1 got {len(args)}")
        x = args[0]
        if type(x) in (str, JSONNumber):
            return len(x.encode())
        if type(x) in (list, dict):
            return len(x)
        if x is None:
            raise TemplateError("len of nil pointer")
        raise TemplateError(f"len of type {go_json_value(x)[0]}")
    if name == "index":
        if not args:
            raise _ArgCountError("wrong number of args for index: want at least 1 got 0")
        item = args[0]
        if item is None:
            raise TemplateError("index of untyped nil")
        for ix in args[1:]:
            if type(item) in (list, str, JSONNumber):
                if type(ix) is not int:
                    raise TemplateError("cannot index slice/array with nil" if ix is None else
                                         f"cannot index slice/array with type {go_json_value(ix)[0]}")
                seq = item if type(item) is list else item.encode()
                if ix < 0 or ix >= len(seq):
                    raise TemplateError(f"index out of range: {ix}")
                item = seq[ix]
            elif type(item) is dict:
                if type(ix) not in (str, JSONNumber):
                    raise TemplateError(f"value has type {go_json_value(ix)[0]}; should be string")
                item = item.get(ix)
            elif item is None:
                raise TemplateError("index of nil pointer")
            else:
                raise TemplateError(f"can't index item of type {go_json_value(item)[0]}")
        return item
    if name in ("eq", "ne"):
        if len(args) < 2:
            if name == "ne":
                raise _ArgCountError(f"wrong number of args for ne: want 2 got {len(args)}")
            if not args:
                raise _ArgCountError("wrong number of args for eq: want at least 1 got 0")
            raise TemplateError("missing argument for comparison")
        if name == "ne" and len(args) != 2:
            raise _ArgCountError(f"wrong number of args for ne: want 2 got {len(args)}")
        first = args[0]
        for other in args[1:]:
            if first is None or other is None:
                if first is other:
                    return name == "eq"
            elif _compare(first, other, equality=True) == 0:
                return name == "eq"
        return name == "ne"
    if name in ("lt", "le", "gt", "ge"):
        if len(args) != 2:
            raise _ArgCountError(f"wrong number of args for {name}: want 2 got {len(args)}")
        c = _compare(args[0], args[1], equality=False)
        return {"lt": c < 0, "le": c <= 0, "gt": c > 0, "ge": c >= 0}[name]
    if name in ("html", "js", "urlquery"):
        text = args[0] if len(args) == 1 and type(args[0]) is str else go_sprint([go_json_value(a) for a in args])
        return _ESCAPERS[name](text)
    if name == "printf":
        if not args:
            raise _ArgCountError("wrong number of args for printf: want at least 1 got 0")
        return go_sprintf(str(args[0]), [go_json_value(a) for a in args[1:]])
    return go_sprint([go_json_value(a) for a in args], newline=name == "println")


def _html_escape(text: str) -> str:
    """template.HTMLEscapeString."""
    return text.translate(_HTML_ESCAPES)


_HTML_ESCAPES = {
    0: "\ufffd", ord('"'): "&#34;", ord("'"): "&#39;", ord("&"): "&amp;", ord("<"): "&lt;", ord(">"): "&gt;",
}


def _js_escape(text: str) -> str:
    """template.JSEscapeString."""
    out = []
    for c in text:
        r = ord(c)
        if c in _JS_ESCAPES:
            out.append(_JS_ESCAPES[c])
        elif r < 0x20:
            out.append(f"\\u00{r:02X}")
        elif r >= 0x80 and not (unicodedata.category(c)[0] in "LMNPS" or c == " "):
            out.append(f"\\u{r:04X}")
        else:
            out.append(c)
    return "".join(out)


_JS_ESCAPES = {"\\": "\\\\", "'": "\\'", '"': '\\"', "<": "\\u003C", ">": "\\u003E", "&": "\\u0026", "=": "\\u003D"}
_ESCAPERS = {
    "html": _html_escape,
    "js": _js_escape,
    "urlquery": lambda text: urllib.parse.quote_plus(text, safe=""),
}


def _kind(v) -> str:
    t = type(v)
    if t is str or t is JSONNumber:
        return "string"
    if t is bool:
        return "bool"
    if t is int:
        return "int"
    if t is float:
        return "float"
    return "other"


def _compare(a, b, equality: bool) -> int:
    ka, kb = _kind(a), _kind(b)
    if ka != kb:
        if equality and (a is None or b is None):
            raise TemplateError("incompatible types for comparison")
        raise TemplateError("incompatible types for comparison" if ka != "other" and kb != "other"
                             else "invalid type for comparison")
    if ka == "other" or (ka == "bool" and not equality):
        if equality and ka == "other":
            raise TemplateError(f"non-comparable type {go_sprintf('%s', [go_json_value(a)])}: {go_json_value(a)[0]}")
        raise TemplateError("invalid type for comparison")
    if ka == "string":
        a, b = str(a).encode(), str(b).encode()
    return (a > b) - (a < b)


def _truth(v) -> bool:
    if v is None or v is _MISSING:
        return False
    if type(v) in (str, JSONNumber, list, dict):
        return len(v) > 0
    if type(v) is bool:
        return v
    return v != 0


def _go_text(v) -> str:
    return "<nil>" if v is None else go_sprint([go_json_value(v)])


def _chain(tokens: list, i: int, pos: int) -> tuple[list, int, int]:
    """Field names directly after an operand, the index after them, and the node's position.

    A chained node is placed where its second part starts, as Go's parser does.
    """
    names = []
    if i < len(tokens) and tokens[i][0] == "field" and tokens[i][2] == tokens[i - 1][2] + len(tokens[i - 1][1]):
        pos = tokens[i][2]
    while i < len(tokens) and tokens[i][0] == "field" and tokens[i][2] == tokens[i - 1][2] + len(tokens[i - 1][1]):
        names.append(tokens[i][1][1:])
        i += 1
    return names, i, pos


def _node_text(node) -> str:
    kind = node[0]
    if kind == "field":
        return "".join("." + n for n in node[1])
    if kind == "var":
        return node[1] + "".join("." + n for n in node[2])
    if kind == "dot":
        return "."
    if kind == "nil":
        return "nil"
    if kind == "const":
        v = node[1]
        return go_quote(v) if type(v) is str else ("true" if v is True else "false" if v is False else str(v))
    if kind == "ident":
        return node[1]
    decls, _, cmds = node[1]
    return "(" + " | ".join(_command_text(c) for c in cmds) + ")" + "".join("." + n for n in node[2])


def _command_text(cmd: list) -> str:
    return " ".join(_node_text(n) for n in cmd)


def _unquote_go(literal: str, line: int, template: GoTemplate) -> str:
    if literal[0] == "`":
        return literal[1:-1]
    body = literal[1:-1]
    if "\\" not in body:
        return body
    out = []
    i = 0
    simple = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v",
              "\\": "\\", "'": "'", '"': '"'}
    while i < len(body):
        c = body[i]
        if c != "\\":
            out.append(c)
            i += 1
            continue
        e = body[i + 1]
        if e in simple:
            out.append(simple[e])
            i += 2
        elif e in "xuU01234567":
            size = {"x": 2, "u": 4, "U": 8}.get(e, 3)
            digits = body[i + 2:i + 2 + size] if e in "xuU" else body[i + 1:i + 4]
            try:
                out.append(chr(int(digits, 16 if e in "xuU" else 8)))
            except ValueError:
                raise template._error(line, f"invalid syntax: {literal}") from None
            i += 2 + size if e in "xuU" else 4
        else:
            raise template._error(line, f"invalid syntax: {literal}")
    return "".join(out)


def _go_number(text: str, line: int, template: GoTemplate):
    clean = text.replace("_", "")
    try:
        if re.fullmatch(r"[+-]?(0[xX][0-9a-fA-F]+|0[bB][01]+|0[oO][0-7]+|[0-9]+)", clean):
            sign = -1 if clean.startswith("-") else 1
            body = clean.lstrip("+-")
            if len(body) > 1 and body[0] == "0" and body[1] in "0123456789":
                return sign * int(body, 8)
            return sign * int(body, 0)
        return float(clean)
    except ValueError:
        raise template._error(line, f"illegal number syntax: {go_quote(text)}") from None
