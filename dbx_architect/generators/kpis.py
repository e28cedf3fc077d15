"""Business KPIs of ``%%modelzoo``: one SQL aggregate over the scored rows, checked once.

A KPI is written in SQL (Spark's dialect) over the scored rows: the table's columns plus
``label`` (the target), ``prediction`` and, for classification, ``probability`` (of the
positive class). sqlglot parses it at expansion time; only an allow-list of expressions passes
(arithmetic, comparisons, CASE/IF, a few scalar functions and the aggregates sum, avg, count,
min and max; no query, window or unknown function). The checked tree is then written twice: as
Spark SQL for ``engine: spark``, and as one numpy expression over a pandas frame ``rows`` for
``engine: sklearn``, so the generated code evaluates it without this package installed.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..errors import SpecError, did_you_mean, short

SCORED = ("label", "prediction", "probability")
AGGREGATES = ("sum", "avg", "count", "min", "max")
FUNCTIONS = ("abs", "coalesce", "greatest", "least", "if")
MAX_LENGTH = 2000
MAX_DEPTH = 40  # Python's parser takes 200 nested brackets; the numpy code nests more than SQL


@dataclass(frozen=True)
class Kpi:
    name: str
    text: str  # as the spec wrote it
    sql: str  # Spark SQL
    numpy: str  # a Python expression over the pandas frame `rows`
    columns: tuple[str, ...]  # the table columns it reads
    uses_probability: bool
    lower_is_better: bool


@dataclass(frozen=True)
class _Part:
    code: str
    kind: str  # number | bool | text | any (a column or NULL: its type is known at run time)
    aggregated: bool  # holds an aggregate


class _Translator:
    """The checked tree as numpy over ``rows``; every problem is one SpecError line."""

    def __init__(self, where: str, classification: bool, columns: list[str] | None) -> None:
        self.where = where
        self.classification = classification
        self.table = {c.lower(): c for c in columns} if columns is not None else None
        self.read: dict[str, None] = {}
        self.probability = False
        self.inside = False  # inside an aggregate
        self.row_wise = False  # the aggregate's argument reads a column

    def fail(self, message: str) -> SpecError:
        return SpecError(f"{self.where}: {message}")

    def expect(self, part: _Part, kind: str, what: str) -> _Part:
        if part.kind not in (kind, "any"):
            raise self.fail(f"{what} takes a {'condition' if kind == 'bool' else kind}")
        return part

    def node(self, node: Any) -> _Part:
        from sqlglot import exp

        handlers: dict[type, Callable[[Any], _Part]] = {
            exp.Paren: lambda n: self.node(n.this),
            exp.Column: self.column,
            exp.Literal: self.literal,
            exp.Boolean: lambda n: _Part(repr(bool(n.this)), "bool", False),
            exp.Null: lambda n: _Part("np.nan", "any", False),
            exp.Neg: lambda n: self.unary(n, "-", "number"),
            exp.Not: lambda n: self.call("np.logical_not", [n.this], "bool", "bool", "not"),
            exp.Is: self.is_null,
            exp.In: self.is_in,
            exp.Case: self.case,
            exp.If: lambda n: self.choice([(n.this, n.args.get("true"))], n.args.get("false")),
            exp.Coalesce: self.coalesce,
            exp.Abs: lambda n: self.call("np.abs", [n.this], "number", "number", "abs"),
            exp.Greatest: lambda n: self.fold("np.fmax", n, "greatest"),
            exp.Least: lambda n: self.fold("np.fmin", n, "least"),
        }
        binary = {
            exp.Add: ("+", "number", "number"),
            exp.Sub: ("-", "number", "number"),
            exp.Mul: ("*", "number", "number"),
            exp.EQ: ("==", None, "bool"),
            exp.NEQ: ("!=", None, "bool"),
            exp.GT: (">", None, "bool"),
            exp.GTE: (">=", None, "bool"),
            exp.LT: ("<", None, "bool"),
            exp.LTE: ("<=", None, "bool"),
        }
        calls = {exp.Div: "np.divide", exp.And: "np.logical_and", exp.Or: "np.logical_or"}
        aggregates = {exp.Sum: "sum", exp.Avg: "avg", exp.Count: "count"}
        aggregates.update({exp.Min: "min", exp.Max: "max"})
        kind = type(node)
        if kind in handlers:
            return handlers[kind](node)
        if kind in binary:
            return self.binary(node, *binary[kind])
        if kind in calls:
            operand = "number" if kind is exp.Div else "bool"
            result = operand
            return self.call(calls[kind], [node.this, node.expression], operand, result, node.key)
        if kind in aggregates:
            return self.aggregate(node, aggregates[kind])
        raise self.fail(self.refusal(node))

    def refusal(self, node: Any) -> str:
        from sqlglot import exp

        if isinstance(node, exp.Query | exp.Subquery):
            return "a KPI is one expression over the scored rows, not a query"
        if isinstance(node, exp.Window):
            return "window functions are not allowed; a KPI is one aggregate over the rows"
        if isinstance(node, exp.Anonymous | exp.Func):
            name = node.name if isinstance(node, exp.Anonymous) else node.sql_name()
            allowed = ", ".join((*AGGREGATES, *FUNCTIONS, "case"))
            return f"unknown function {short(name.lower())}; a KPI may use {allowed}"
        return f"{short(node.sql())} is not allowed in a KPI"

    def column(self, node: Any) -> _Part:
        if node.table:
            raise self.fail(f"{short(node.sql())}: name columns without a table")
        name = node.name
        if not self.inside:
            raise self.fail(f"column {short(name)} is outside an aggregate (e.g. sum({name}))")
        self.row_wise = True
        if name.lower() in SCORED:
            if name.lower() == "probability":
                if not self.classification:
                    raise self.fail("probability is for classification (the positive class)")
                self.probability = True
            return _Part(f"rows[{name.lower()!r}]", "any", False)
        if self.table is not None:
            if name.lower() not in self.table:
                hint = did_you_mean(name, list(self.table.values()))
                known = ", ".join([*self.table.values(), *SCORED])
                raise self.fail(f"column {short(name)} is not in the table{hint}; columns: {known}")
            name = self.table[name.lower()]
        self.read[name] = None
        return _Part(f"rows[{name!r}]", "any", False)

    def literal(self, node: Any) -> _Part:
        if node.is_string:
            return _Part(repr(str(node.this)), "text", False)
        try:
            value = float(node.this)
        except ValueError:
            raise self.fail(f"{short(node.this)} is not a number") from None
        if not abs(value) < 1e300:
            raise self.fail(f"{short(node.this)} is too large a number")
        number = int(node.this) if node.this.isdigit() and len(node.this) < 16 else value
        return _Part(repr(number), "number", False)

    def unary(self, node: Any, operator: str, kind: str) -> _Part:
        part = self.expect(self.node(node.this), kind, operator)
        return _Part(f"({operator}{part.code})", kind, part.aggregated)

    def binary(self, node: Any, operator: str, operand: str | None, result: str) -> _Part:
        left, right = self.node(node.this), self.node(node.expression)
        for part in (left, right):
            if operand:
                self.expect(part, operand, operator)
            elif part.kind == "bool":
                raise self.fail(f"{operator} compares values, not conditions")
        code = f"({left.code} {operator} {right.code})"
        return _Part(code, result, left.aggregated or right.aggregated)

    def call(self, function: str, args: list[Any], operand: str, result: str, what: str) -> _Part:
        parts = [self.expect(self.node(a), operand, what) for a in args]
        code = f"{function}({', '.join(p.code for p in parts)})"
        return _Part(code, result, any(p.aggregated for p in parts))

    def fold(self, function: str, node: Any, what: str) -> _Part:
        parts = [self.expect(self.node(a), "number", what) for a in [node.this, *node.expressions]]
        code = parts[0].code
        for part in parts[1:]:
            code = f"{function}({code}, {part.code})"
        return _Part(code, "number", any(p.aggregated for p in parts))

    def is_null(self, node: Any) -> _Part:
        from sqlglot import exp

        if not isinstance(node.expression, exp.Null):
            raise self.fail(f"{short(node.sql())}: IS takes NULL (IS NULL, IS NOT NULL)")
        part = self.node(node.this)
        return _Part(f"pd.isna({part.code})", "bool", part.aggregated)

    def is_in(self, node: Any) -> _Part:
        if node.args.get("query") or node.args.get("unnest") or not node.expressions:
            raise self.fail("IN takes a list of values, e.g. x IN (1, 2)")
        part = self.node(node.this)
        values = [self.node(v) for v in node.expressions]
        if any(v.kind not in ("number", "text") for v in values):
            raise self.fail("IN takes a list of numbers or texts")
        listed = ", ".join(v.code for v in values)
        return _Part(f"np.isin({part.code}, [{listed}])", "bool", part.aggregated)

    def case(self, node: Any) -> _Part:
        if node.this is not None:
            raise self.fail("write CASE WHEN condition THEN value (not CASE x WHEN ...)")
        branches = [(i.this, i.args.get("true")) for i in node.args["ifs"]]
        return self.choice(branches, node.args.get("default"))

    def choice(self, branches: list[tuple[Any, Any]], default: Any) -> _Part:
        values = [self.node(default)] if default is not None else []
        code = values[0].code if values else "np.nan"
        tests = []
        for condition, value in reversed(branches):
            tests.append(self.expect(self.node(condition), "bool", "WHEN"))
            values.append(self.node(value))
            code = f"np.where({tests[-1].code}, {values[-1].code}, {code})"
        kinds = {p.kind for p in values} - {"any"}
        kind = kinds.pop() if len(kinds) == 1 else "any"
        return _Part(code, kind, any(p.aggregated for p in [*tests, *values]))

    def coalesce(self, node: Any) -> _Part:
        parts = [self.node(a) for a in [node.this, *node.expressions]]
        code = parts[-1].code
        for part in reversed(parts[:-1]):
            code = f"np.where(pd.notna({part.code}), {part.code}, {code})"
        kinds = {p.kind for p in parts} - {"any"}
        kind = kinds.pop() if len(kinds) == 1 else "any"
        return _Part(code, kind, any(p.aggregated for p in parts))

    def aggregate(self, node: Any, name: str) -> _Part:
        from sqlglot import exp

        if self.inside:
            raise self.fail(f"{name}(...) inside another aggregate: aggregates do not nest")
        if isinstance(node.this, exp.Distinct):
            raise self.fail(f"{name}(DISTINCT ...) is not supported in a KPI")
        if isinstance(node.this, exp.Star):
            if name != "count":
                raise self.fail(f"{name}(*): only count takes *")
            return _Part("len(rows)", "number", True)
        if node.this is None or getattr(node, "expressions", None):
            raise self.fail(f"{name} takes one value")
        self.inside, self.row_wise = True, False
        try:
            part = self.node(node.this)
        finally:
            self.inside = False
        if name == "count":
            return _Part(f"np.count_nonzero(pd.notna({part.code}))", "number", True)
        self.expect(part, "number", name)
        values = part.code if self.row_wise else f"np.full(len(rows), {part.code})"
        function = {"sum": "nansum", "avg": "nanmean", "min": "nanmin", "max": "nanmax"}[name]
        return _Part(f"np.{function}({values})", "number", True)


def _depth(tree: Any) -> int:
    """How deep *tree* nests (without recursion, whatever its depth)."""
    deepest, stack = 0, [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in node.iter_expressions())
    return deepest


def parse_kpi(
    name: str, text: str, goal: str, classification: bool, columns: list[str] | None
) -> Kpi:
    """KPI *name* checked and translated; *columns* are the table's when known (else None)."""
    import sqlglot
    from sqlglot.errors import SqlglotError

    where = f"kpis.{name}"
    if len(text) > MAX_LENGTH:
        raise SpecError(f"{where}: a KPI is at most {MAX_LENGTH} characters")
    try:
        trees = sqlglot.parse(text, read="databricks")
    except (SqlglotError, RecursionError) as err:
        first = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise SpecError(f"{where}: not valid SQL ({short(first, 80)})") from None
    found = [t for t in trees if t is not None]
    if len(found) != 1:
        raise SpecError(f"{where}: give one SQL expression, e.g. sum(prediction)")
    tree = found[0]
    if _depth(tree) > MAX_DEPTH:
        raise SpecError(f"{where}: the expression nests more than {MAX_DEPTH} levels deep")
    translator = _Translator(where, classification, columns)
    part = translator.node(tree)
    if not part.aggregated or part.kind not in ("number", "any"):
        raise SpecError(f"{where}: a KPI is a number aggregated over the rows, e.g. sum(...)")
    try:
        numpy = ast.unparse(ast.parse(part.code, mode="eval"))  # without redundant brackets
    except (SyntaxError, RecursionError, MemoryError):  # Python's parser nests 200 deep at most
        raise SpecError(f"{where}: too many branches or arguments for one KPI") from None
    return Kpi(
        name=name,
        text=text,
        sql=tree.sql(dialect="spark", identify=True),
        numpy=numpy,
        columns=tuple(translator.read),
        uses_probability=translator.probability,
        lower_is_better=goal == "min",
    )
