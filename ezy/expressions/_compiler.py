"""JSONata compiled to Python: jsonata-python's parsed AST turned into one Python function.

The parser is the interpreter's own (`jsonata.Jsonata(source).ast`); this module only
generates code. The generated code mirrors `Jsonata._eval` with its dispatch resolved once,
calls the interpreter's own operators and built-in functions (see `_compiler_runtime`), and
adds straight-line code for plain paths and the commonest calls. Whenever a record takes a
shape the generated code does not model, or evaluation fails in any way, that record is
handed to the interpreter, so the answer (or the `ExpressionError` and its message) is the
interpreter's by construction; `tests/expressions/test_differential.py` checks the rest.

Compiled: paths of names (mapping over arrays, flattening, the singleton rule), index and
filter predicates, `$` and `$$`, string/number/boolean/null literals, `+ - * / %`, `= != <
<= > >= in`, `and`/`or`, `? :`, `&`, unary minus, object constructors with literal keys,
array constructors, blocks whose statements bind variables (`$x := ...`, each name bound
once), and calls of a fixed list of built-ins (`SAFE_FUNCTIONS`), `$map`/`$filter` taking
an inline `function($v, $i) {...}`.

Left to the interpreter, whole expression (with the evaluation budgets it enforces):
everything that can run away or is rare in mappings -- the range operator `..`, regex
literals and every regex function (`$match`, and `$replace`/`$split`/`$contains` with a
regex), user-defined functions bound to names (the only way to recurse), `$pad`, `$eval`,
`$reduce`, `$sort` and order-by, wildcards and descendants (`*`, `**`), parent `%`,
positional and context bindings (`#$i`, `@$v`), grouping `{...}` after a path, `[]`
(keep-array), transforms (`|...|`), partial application, and any function not in
`SAFE_FUNCTIONS`. Also left to it: whatever would make per-item work grow with the whole
input -- `$$` or an outer variable inside a predicate, a later path step or a function body
(`a.$$.a`, `a[$ in $all]`), a function body reading its context (`function($v) { a }`) or
the whole array (a third parameter), calling a built-in with no argument, and a `$join`
separator or `$replace` pattern/replacement that is not a string literal.

So the generated code has no recursion and no loop except over the record's own arrays, each
item seeing only itself: its time and the size of what it builds are proportional to the
record and the expression, and the budgets are the interpreter's business alone.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from typing import Any

import jsonata
from jsonata.jexception import JException

from ezy.expressions import _compiler_runtime as rt

SAFE_FUNCTIONS = frozenset(
    {
        "string",
        "number",
        "boolean",
        "not",
        "trim",
        "uppercase",
        "lowercase",
        "substring",
        "substringBefore",
        "substringAfter",
        "split",
        "join",
        "replace",
        "contains",
        "length",
        "round",
        "floor",
        "ceil",
        "abs",
        "sum",
        "count",
        "max",
        "min",
        "average",
        "exists",
        "now",
        "millis",
        "toMillis",
        "fromMillis",
        "lookup",
        "keys",
        "map",
        "filter",
    }
)
_HIGHER_ORDER = frozenset({"map", "filter"})
# Arguments that must be string literals: from the record, they would multiply two sizes
# from the input (`$join(a, b)` repeats `b` between each of `a`'s items).
_LITERAL_ARGUMENTS = {"join": (1,), "replace": (1, 2)}
# Attributes that switch on interpreter machinery this compiler does not reproduce.
_REFUSED_ATTRIBUTES = (
    "ancestor",
    "focus",
    "group",
    "index",
    "keep_array",
    "keep_singleton_array",
    "seeking_parent",
    "tuple",
    "signature",
    "slot",
    "update",
    "delete",
)
_BINARY = {"+", "-", "*", "/", "%", "=", "!=", "<", "<=", ">", ">=", "&", "in", "and", "or"}
_RUNTIME_NAMES = (
    "JList",
    "NULL",
    "MISSING",
    "Deopt",
    "boolize",
    "lookup",
    "mangle",
    "numeric",
    "equality",
    "comparison",
    "includes",
    "concat",
    "negate",
    "stages",
    "path",
    "array",
    "obj",
    "call",
    "lambda_",
    "now",
    "now_ms",
    "f_string",
    "f_trim",
    "f_number",
    "f_split",
    "f_count",
    "f_exists",
    "PLAIN_INT",
    "output",
    "PLAIN",
)


class Unsupported(Exception):
    """The expression uses something this compiler leaves to the interpreter."""


Symbol = Any  # jsonata.parser.Parser.Symbol; untyped upstream


def parse(source: str) -> Symbol:
    """The interpreter's processed AST; raises `JException` on a syntax error."""
    return jsonata.Jsonata(source).ast


def generate_function(sources: Iterable[tuple[str, Symbol]]) -> Callable[[Any], dict[str, Any] | None]:
    """One function computing every (name, ast) into a dict, in order; undefined is None.

    Raises `Unsupported` if any expression is not compiled. The function returns None for a
    record the compiled code does not model; callers then evaluate it field by field.
    """
    module = _Module()
    lines = ["def fields(root):", "  try:", "    if type(root) is not dict:", "        return None"]
    items = []
    for name, ast in sources:
        code = module.top(ast)
        if not _plain_result(ast):
            value = module.fresh("o")
            code = f"{value} if type({value} := {code}) in PLAIN else output({value})"
        items.append(f"{name!r}: {code}")
    lines += module.prelude
    if module.uses_time:
        lines.append("    ts = now_ms()")
    # One dict display: cheaper than a store per field.
    lines.append("    return {" + ", ".join(items) + "}")
    lines += ["  except Exception:", "    return None"]
    function: Callable[[Any], dict[str, Any] | None] = module.build(lines, "fields")
    return function


def _plain_result(ast: Symbol) -> bool:
    """A call of $string, $trim, $number, $split, $count or $exists: its value is a string,
    a finite number, a boolean, a plain list of strings or undefined, which the output step
    would leave as it is."""
    if ast.type != "function" or ast.predicate or ast.procedure.type != "variable":
        return False
    return (str(ast.procedure.value), len(ast.arguments or ())) in rt.FAST


def generate_expression(ast: Symbol) -> Callable[[Any], Any]:
    """One function for one expression; undefined is None. Raises `Unsupported`."""
    module = _Module()
    code = module.top(ast)
    lines = [
        "def expression(root):",
        "    if type(root) is not dict:",
        "        raise Deopt",
        *module.prelude,
    ]
    if module.uses_time:
        lines.append("    ts = now_ms()")
    if _plain_result(ast):
        lines.append(f"    return {code}")
    else:
        lines += [f"    v = {code}", "    return v if type(v) in PLAIN else output(v)"]
    function: Callable[[Any], Any] = module.build(lines, "expression")
    return function


class _Module:
    """The source of one generated module: helper functions first, then the entry point."""

    def __init__(self) -> None:
        self.helpers: list[str] = []
        self.constants: dict[str, Any] = {}
        self.names = itertools.count()
        self.uses_time = False
        self.prelude: list[str] = []
        self.prefixes: dict[tuple[tuple[str, tuple[int, ...]], ...], str] = {}

    def prefix(self, steps: list[Symbol]) -> str:
        """A variable holding the object at the end of `steps` from the record (names and
        literal indexes over objects and arrays), or MISSING when the walk meets anything
        else; computed in the entry point's prelude."""
        key = tuple(
            (str(step.value), tuple(int(stage.expr.value) for stage in step.stages or ())) for step in steps
        )
        if key not in self.prefixes:
            name = self.fresh("q")
            lines = []
            for number, (field, indexes) in enumerate(key):
                if number == 0:
                    lines.append(f"{name} = root.get({field!r})")
                else:
                    lines.append(f"{name} = {name}.get({field!r}) if type({name}) is dict else MISSING")
                for index in indexes:
                    length = f"len({name}) > {index}" if index >= 0 else f"len({name}) >= {-index}"
                    lines.append(
                        f"{name} = {name}[{index}] if type({name}) is list and {length} else MISSING"
                    )
            lines.append(f"{name} = {name} if type({name}) is dict else MISSING")
            self.prelude += [f"    {line}" for line in lines]
            self.prefixes[key] = name
        return self.prefixes[key]

    def fresh(self, prefix: str) -> str:
        return f"{prefix}{next(self.names)}"

    def constant(self, value: Any) -> str:
        name = self.fresh("k")
        self.constants[name] = value
        return name

    def top(self, ast: Symbol) -> str:
        _check_names(ast)
        return _Compiler(self).expression(ast, "root", {"$": "root"})

    def build(self, lines: list[str], entry: str) -> Any:
        source = "\n".join([*self.helpers, *lines]) + "\n"
        namespace: dict[str, Any] = {name: getattr(rt, name) for name in _RUNTIME_NAMES}
        namespace.update(self.constants)
        try:
            code = compile(source, "<jsonata-compiled>", "exec")
        except (SyntaxError, RecursionError, MemoryError) as exc:  # too deep for Python's parser
            raise Unsupported(f"generated code does not compile: {exc}") from None
        exec(code, namespace)
        return namespace[entry]


def _check_names(ast: Symbol) -> None:
    """Each variable bound once, and never a built-in's name: then Python's lexical scopes
    give the same answers as the interpreter's frames."""
    seen: set[str] = set()
    for node in _walk(ast):
        names = []
        if node.type == "bind":
            names.append(str(node.lhs.value))
        if node.type == "lambda":
            names.extend(str(argument.value) for argument in node.arguments or ())
        for name in names:
            if name in seen or name in ("", "$") or jsonata.Jsonata.static_frame.lookup(name) is not None:
                raise Unsupported(f"variable ${name} bound twice or shadowing")
            seen.add(name)


def _walk(node: Any) -> Iterable[Symbol]:
    if isinstance(node, list | tuple):
        for item in node:
            yield from _walk(item)
        return
    if not hasattr(node, "type"):
        return
    yield node
    for attribute in (
        "steps",
        "stages",
        "predicate",
        "expr",
        "lhs",
        "rhs",
        "expression",
        "expressions",
        "lhs_object",
        "condition",
        "then",
        "_else",
        "procedure",
        "arguments",
        "body",
    ):
        value = getattr(node, attribute, None)
        if value is not None:
            yield from _walk(value)


class _Compiler:
    def __init__(self, module: _Module) -> None:
        self.module = module

    # -- every node: its own value, then predicates, then the singleton rule -------------
    def expression(self, node: Symbol, ctx: str, scope: dict[str, str]) -> str:
        for attribute in _REFUSED_ATTRIBUTES:
            if getattr(node, attribute, None):
                raise Unsupported(f"{node.type} with {attribute}")
        if node.consarray and not (node.type == "unary" and node.value == "["):
            raise Unsupported("array constructor as a path step")
        kind = node.type
        if kind == "path":
            code = self.path(node, ctx, scope)
        elif kind == "name":
            code = f"mangle(lookup({_need(ctx)}, {str(node.value)!r}))"
        elif kind in ("string", "number", "value"):
            code = self.literal(node)
        elif kind == "binary":
            code = self.binary(node, ctx, scope)
        elif kind == "unary":
            code = self.unary(node, ctx, scope)
        elif kind == "condition":
            then = self.expression(node.then, ctx, scope)
            other = "None" if node._else is None else self.expression(node._else, ctx, scope)
            code = f"({then} if boolize({self.expression(node.condition, ctx, scope)}) else {other})"
        elif kind == "block":
            code = self.block(node, ctx, scope)
        elif kind == "variable":
            code = self.variable(node, ctx, scope)
        elif kind == "function":
            # With predicates, `_eval` filters the call's raw result and applies the
            # singleton rule after them only.
            code = self.function(node, ctx, scope, raw=bool(node.predicate))
        elif kind == "lambda" and node.thunk and not node.arguments:
            # A tail call in a function body: the trampoline in `Jsonata.apply` returns the
            # callee's result as it is, without the singleton rule.
            if node.body.type != "function" or node.body.predicate:
                raise Unsupported("tail call")
            code = self.function(node.body, ctx, scope, raw=True)
        else:
            raise Unsupported(f"{kind} expressions")
        if node.predicate:
            code = f"mangle(stages({code}, {self.filters(node.predicate)}))"
        return code

    def literal(self, node: Symbol) -> str:
        value = node.value
        if value is None:
            return "NULL"
        if isinstance(value, bool | str) or (isinstance(value, int | float) and value == value):
            return repr(value) if not isinstance(value, float) else self.module.constant(value)
        raise Unsupported("literal")

    def variable(self, node: Symbol, ctx: str, scope: dict[str, str]) -> str:
        name = str(node.value)
        if name == "":
            return _need(ctx)
        if name in scope:
            return scope[name]
        raise Unsupported(f"${name} is not bound before its use")

    # -- paths --------------------------------------------------------------------------
    def path(self, node: Symbol, ctx: str, scope: dict[str, str]) -> str:
        steps = node.steps
        if steps[0].consarray:
            raise Unsupported("array constructor as the first step")
        relative = steps[0].type != "variable"
        if relative and all(self.plain_step(step) for step in steps):
            ctx = _need(ctx)
            return self.inline_path(steps, ctx, f"{self.fast_path(steps)}({ctx})")
        # A path from a named variable reads its input once, whatever it is: no context needed.
        start = "None" if not relative and steps[0].value not in ("", None) else _need(ctx)
        return f"mangle(path({start}, {relative}, {self.steps(steps, scope)}))"

    @staticmethod
    def plain_step(step: Symbol) -> bool:
        if step.type != "name" or any(getattr(step, a, None) for a in (*_REFUSED_ATTRIBUTES, "predicate")):
            return False
        return all(
            stage.type == "filter" and stage.expr.type == "number" and not stage.expr.predicate
            for stage in step.stages or ()
        )

    def steps(self, steps: list[Symbol], scope: dict[str, str]) -> str:
        parts = []
        for number, step in enumerate(steps):
            if step.type == "sort" or any(getattr(step, a, None) for a in _REFUSED_ATTRIBUTES):
                raise Unsupported(f"{step.type} step")
            ctx = self.module.fresh("c")
            # Later steps run once per item: they see the item only (see _PER_ITEM).
            body = self.expression(step, ctx, scope if number == 0 else _PER_ITEM)
            filters = self.filters(step.stages or ())
            parts.append(f"((lambda {ctx}: {body}), {filters})")
        return "(" + ", ".join(parts) + ",)"

    def filters(self, stages: Iterable[Symbol]) -> str:
        parts = []
        for stage in stages:
            if stage.type != "filter":
                raise Unsupported(f"{stage.type} stage")
            expr = stage.expr
            if expr.type == "number" and not expr.predicate:
                parts.append(repr(int(expr.value)))
            else:
                ctx = self.module.fresh("c")
                parts.append(f"(lambda {ctx}: {self.expression(expr, ctx, _PER_ITEM)})")
        return "(" + "".join(f"{part}, " for part in parts) + ")"

    def inline_path(self, steps: list[Symbol], ctx: str, otherwise: str) -> str:
        """The commonest case inline: objects all the way, indexes in range, a value at the
        end that is not null; any other case (null included) is the helper's to answer."""
        tests = []
        current = ctx
        known_object = ctx == "root"  # the entry point has already checked the record
        if ctx == "root" and len(steps) > 1:
            # The record's prefixes (`variants[0]`) are walked once per record, not per field.
            current = self.module.prefix(steps[:-1])
            tests.append(f"{current} is not MISSING")
            steps = steps[-1:]
        for step in steps:
            if not known_object:
                tests.append(f"type({current}) is dict")
            known_object = False
            value = self.module.fresh("t")
            tests.append(f"({value} := {current}.get({str(step.value)!r})) is not None")
            current = value
            for stage in step.stages or ():
                index = int(stage.expr.value)
                item = self.module.fresh("t")
                length = f"len({current}) > {index}" if index >= 0 else f"len({current}) >= {-index}"
                tests += [f"type({current}) is list", length, f"({item} := {current}[{index}]) is not None"]
                current = item
        return f"({current} if {' and '.join(tests)} else {otherwise})"

    def fast_path(self, steps: list[Symbol]) -> str:
        """Straight-line code for names and literal indexes over objects; anything else
        (an array to map over, a constructed array) goes to the general `path`."""
        name = self.module.fresh("p")
        general = self.module.constant(tuple(self.plain_step_function(step) for step in steps))
        lines = [f"def {name}(c):", "    v = c"]
        for number, step in enumerate(steps):
            last = number == len(steps) - 1
            lines += [
                "    if type(v) is dict:",
                f"        v = v.get({str(step.value)!r}, MISSING)",
                "        if v is MISSING:",
                "            return None",
                "        if v is None:",
                "            v = NULL",
                "    elif isinstance(v, (list, dict)):",
                f"        return mangle(path(c, True, {general}))",
                "    else:",
                "        return None",
            ]
            for stage in step.stages or ():
                index = int(stage.expr.value)
                lines += [
                    "    if isinstance(v, list):",
                    "        if type(v) is not list:",
                    f"            return mangle(path(c, True, {general}))",
                    f"        i = {index} if {index} >= 0 else len(v) + {index}",
                    "        if 0 <= i < len(v):",
                    "            v = v[i]",
                    "            if v is None:",
                    "                v = NULL",
                    "        else:",
                    "            return None",
                ]
                if index not in (0, -1):
                    lines += ["    else:", "        return None"]
            if last:
                lines.append("    return v")
        self.module.helpers.append("\n".join(lines))
        return name

    def plain_step_function(self, step: Symbol) -> tuple[Callable[[Any], Any], tuple[int, ...]]:
        key = str(step.value)
        indexes = tuple(int(stage.expr.value) for stage in step.stages or ())
        return (lambda c: rt.mangle(rt.lookup(c, key))), indexes

    # -- operators and constructors ------------------------------------------------------
    def binary(self, node: Symbol, ctx: str, scope: dict[str, str]) -> str:
        op = str(node.value)
        if op not in _BINARY:
            raise Unsupported(f"operator {op}")
        lhs = self.expression(node.lhs, ctx, scope)
        rhs = self.expression(node.rhs, ctx, scope)
        if op == "and":
            return f"(boolize({lhs}) and boolize({rhs}))"
        if op == "or":
            return f"(boolize({lhs}) or boolize({rhs}))"
        if op in ("+", "-", "*", "/", "%"):
            return f"numeric({lhs}, {rhs}, {op!r})"
        if op in ("=", "!="):
            return f"equality({lhs}, {rhs}, {op!r})"
        if op == "&":
            return f"concat({lhs}, {rhs})"
        if op == "in":
            return f"includes({lhs}, {rhs})"
        return f"comparison({lhs}, {rhs}, {op!r})"

    def unary(self, node: Symbol, ctx: str, scope: dict[str, str]) -> str:
        op = str(node.value)
        if op == "-":
            return f"negate({self.expression(node.expression, ctx, scope)})"
        if op == "[":
            items = [
                f"({str(item.value) == '['}, {self.expression(item, ctx, scope)})"
                for item in node.expressions
            ]
            return f"array(({''.join(i + ', ' for i in items)}), {bool(node.consarray)})"
        if op == "{":
            outer = _need(ctx)
            pairs = []
            keys = set()
            for key, value in node.lhs_object:
                if key.type != "string" or key.predicate or key.value in keys:
                    raise Unsupported("object key that is not a distinct literal string")
                keys.add(key.value)
                inner = self.module.fresh("c")
                pairs.append(
                    f"({str(key.value)!r}, (lambda {inner}: {self.expression(value, inner, scope)}))"
                )
            return f"obj({outer}, ({''.join(p + ', ' for p in pairs)}))"
        raise Unsupported(f"unary {op}")

    def block(self, node: Symbol, ctx: str, scope: dict[str, str]) -> str:
        inner = dict(scope)
        parts = []
        for statement in node.expressions or ():
            if statement.type == "bind":
                if statement.lhs.type != "variable" or statement.predicate:
                    raise Unsupported("binding")
                value = self.expression(statement.rhs, ctx, inner)
                python_name = self.module.fresh("v_")
                inner[str(statement.lhs.value)] = python_name
                parts.append(f"({python_name} := {value})")
            else:
                parts.append(self.expression(statement, ctx, inner))
        if not parts:
            return "None"
        return f"({', '.join(parts)},)[-1]"

    # -- function calls -----------------------------------------------------------------
    def function(self, node: Symbol, ctx: str, scope: dict[str, str], raw: bool = False) -> str:
        """A call; `raw`: its result as the function returns it, without the singleton rule."""
        procedure = node.procedure
        name = str(procedure.value)
        if procedure.type != "variable" or procedure.predicate or name not in SAFE_FUNCTIONS:
            raise Unsupported(f"function {name}")
        arguments = node.arguments or []
        if any(argument.type == "operator" for argument in arguments):
            raise Unsupported("partial application")
        if name in _HIGHER_ORDER:
            return self.higher_order(name, arguments, ctx, scope, raw)
        args = [self.expression(argument, ctx, scope) for argument in arguments]
        if any(argument.type == "lambda" for argument in arguments):
            raise Unsupported("function argument")
        for index in _LITERAL_ARGUMENTS.get(name, ()):
            if index < len(arguments) and (arguments[index].type != "string" or arguments[index].predicate):
                raise Unsupported(f"${name} with a computed argument {index + 1}")
        if not ctx and not args:
            raise Unsupported("a call in a function body that would read the outer context")
        ctx = ctx or scope[_OUTER]
        if name in ("now", "millis"):
            self.module.uses_time = True
            if name == "millis":
                if args:
                    raise Unsupported("$millis with arguments")
                return "ts"
            return f"now(ts, [{', '.join(args)}], {ctx})"
        fast = None if raw else rt.FAST.get((name, len(args)))
        if fast is not None:
            return self.inline_call(name, arguments, args, ctx) or f"{fast}({', '.join(args)}, {ctx})"
        function = self.module.constant(rt.native(name))
        return _mangled(f"call({function}, [{', '.join(args)}], {ctx})", raw)

    def inline_call(self, name: str, arguments: list[Symbol], args: list[str], ctx: str) -> str | None:
        """The string case of the commonest calls without a call; the runtime's `f_*` has
        the same test and handles every other type."""
        value = self.module.fresh("t")
        if name == "string":
            kind = self.module.fresh("k")
            small = f"{kind} is int and -PLAIN_INT < {value} < PLAIN_INT"
            return (
                f"({value} if ({kind} := type({value} := {args[0]})) is str"
                f" else str({value}) if {small} else f_string({value}, {ctx}))"
            )
        if name == "trim":
            test = f"type({value} := {args[0]}) is str and {value}.isascii() and {value}.isprintable()"
            return f"(' '.join({value}.split()) if {test} else f_trim({value}, {ctx}))"
        if name == "count":
            return f"(len({value}) if type({value} := {args[0]}) is list else f_count({value}, {ctx}))"
        if name == "exists":
            return f"(({value} := {args[0]}) is not None)"  # a name, never a literal, before `is`
        if name == "number":
            number, whole = self.module.fresh("n"), self.module.fresh("w")
            # float() refuses the interpreter's "0x"/"0B"/"0O" forms: the record then raises
            # here and goes to the interpreter, which reads them.
            test = f"type({value} := {args[0]}) is str and ({number} := float({value})) - {number} == 0"
            converted = f"({whole} if ({whole} := int({number})) == {number} else {number})"
            return f"({converted} if {test} else f_number({value}, {ctx}))"
        separator = arguments[-1]
        if name == "split" and separator.type == "string" and separator.value and not separator.predicate:
            sep = repr(separator.value)
            test = f"type({value} := {args[0]}) is str"
            return f"({value}.split({sep}, -1) if {test} else f_split({value}, {sep}, {ctx}))"
        return None

    def higher_order(
        self, name: str, arguments: list[Symbol], ctx: str, scope: dict[str, str], raw: bool
    ) -> str:
        if len(arguments) != 2 or arguments[1].type != "lambda":
            raise Unsupported(f"${name} without an inline function")
        lambda_node = arguments[1]
        if lambda_node.signature or lambda_node.thunk or lambda_node.predicate:
            raise Unsupported("function with a signature")
        if len(lambda_node.arguments or ()) > 2:
            raise Unsupported("a function reading the whole array per item")
        outer = ctx or scope[_OUTER]
        inner = {_OUTER: outer}
        params = []
        for argument in lambda_node.arguments or ():
            python_name = self.module.fresh("v_")
            inner[str(argument.value)] = python_name
            params.append(f"{python_name}=None")
        # The body runs once per item with the definition's context: it may read its
        # parameters only, or the work would grow with the square of the array.
        body = self.expression(lambda_node.body, "", inner)
        array = self.expression(arguments[0], ctx, scope)
        function = self.module.constant(rt.native(name))
        return _mangled(
            f"call({function}, [{array}, lambda_(lambda {', '.join(params)}: {body})], {outer})", raw
        )


# Per-item scopes (path steps after the first, predicates, function bodies) see neither `$$`
# nor variables bound outside them: otherwise each item could read the whole record again and
# time or size would grow with the square of the input (`a.$$.a`), which only the
# interpreter's budgets bound. In function bodies the context is hidden too (it is the
# definition's, not the item's); `_OUTER` keeps it for the built-ins' signature checks.
_PER_ITEM: dict[str, str] = {}
_OUTER = "@outer"


def _need(ctx: str) -> str:
    if not ctx:
        raise Unsupported("the outer context read in a function body")
    return ctx


def _mangled(code: str, raw: bool) -> str:
    return code if raw else f"mangle({code})"


def try_parse(source: str) -> Symbol | None:
    try:
        return parse(source)
    except (JException, RecursionError, ValueError):
        return None
