"""SQL pieces that reach generated code: string literals and column lists parsed by sqlglot."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .errors import SpecError, short
from .names import IDENTIFIER

if TYPE_CHECKING:  # sqlglot is imported on first use, not at %load_ext
    from sqlglot import expressions as exp


def sql_string(value: str) -> str:
    """A Spark SQL string literal for *value*: backslashes and quotes escaped, and characters
    that are not printable (NUL, line breaks, U+2028...) written as Spark's ``\\uXXXX`` escapes,
    so the literal is one printable line wherever it lands (a comment, a Python string)."""
    text = value.replace("\\", "\\\\").replace("'", "\\'")
    if not text.isprintable():
        text = "".join(
            ch if ch.isprintable() else "".join(f"\\u{unit:04x}" for unit in _utf16(ch))
            for ch in text
        )
    return f"'{text}'"


def _utf16(ch: str) -> list[int]:
    """The UTF-16 code units of *ch* (a surrogate pair above U+FFFF, as Java strings hold it)."""
    data = ch.encode("utf-16-be", "surrogatepass")
    return [int.from_bytes(data[i : i + 2], "big") for i in range(0, len(data), 2)]


@dataclass(frozen=True)
class Column:
    """One column of an explicit schema, as Spark DDL pieces that are safe to paste."""

    name: str
    type: str
    not_null: bool = False
    comment: str | None = None

    @property
    def ddl(self) -> str:
        text = f"{self.name} {self.type}"
        if self.not_null:
            text += " NOT NULL"
        if self.comment is not None:
            text += f" COMMENT {sql_string(self.comment)}"
        return text


def _parse(sql: str, problem: str) -> list[exp.Expr | None]:
    """Parse Spark SQL with sqlglot, its warnings quiet; *problem* is the message on failure."""
    import logging

    import sqlglot

    logging.getLogger("sqlglot").setLevel(logging.ERROR)
    try:
        return sqlglot.parse(sql, read="spark")
    except sqlglot.errors.SqlglotError as err:
        raise SpecError(problem) from err


def parse_schema(ddl: str, key: str = "schema") -> tuple[Column, ...]:
    """Parse a Spark DDL column list (``id INT, amount DECIMAL(10,2)``) with sqlglot.

    Only plain columns survive: a name that is an identifier, a known type, and at most
    ``NOT NULL`` and ``COMMENT``. Anything else (a second statement, a default
    expression, an unknown type) is refused, so the schema cannot smuggle SQL in.
    """
    from sqlglot import expressions as exp

    statements = _parse(
        f"CREATE TABLE _t ({ddl})",
        f"{key}: {short(ddl)} is not a Spark DDL column list like 'id INT, name STRING'",
    )
    if len(statements) != 1 or not isinstance(statements[0], exp.Create):
        raise SpecError(f"{key}: {short(ddl)} must be one column list, like 'id INT, name STRING'")
    columns = []
    for node in statements[0].this.expressions:
        columns.append(_column(node, ddl, key))
    if not columns:
        raise SpecError(f"{key}: {short(ddl)} has no columns")
    names = [c.name.lower() for c in columns]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise SpecError(f"{key}: column {short(dupes[0])} is listed twice")
    return tuple(columns)


def _column(node: exp.Expr, ddl: str, key: str) -> Column:
    from sqlglot import expressions as exp

    if not isinstance(node, exp.ColumnDef) or not isinstance(node.args.get("kind"), exp.DataType):
        raise SpecError(
            f"{key}: {short(ddl)}: every item must be 'name TYPE', got {short(node.sql())}"
        )
    name = node.name
    if not IDENTIFIER.match(name):
        raise SpecError(f"{key}: column {short(name)} is not a valid identifier")
    kind = node.args["kind"]
    not_null, comment = False, None
    for constraint in node.args.get("constraints") or []:
        inner = constraint.args.get("kind")
        if isinstance(inner, exp.NotNullColumnConstraint) and not inner.args.get("allow_null"):
            not_null = True
        elif isinstance(inner, exp.CommentColumnConstraint):
            comment = inner.this.name
        else:
            raise SpecError(
                f"{key}: column {short(name)}: only NOT NULL and COMMENT are allowed, "
                f"got {short(constraint.sql('spark'))}"
            )
    return Column(name, kind.sql(dialect="spark"), not_null, comment)


# Functions a rule, feature or aggregate may not call: they reach into the JVM (reflect,
# java_method) or out of the table (secrets, HTTP), which no data-quality rule needs.
FORBIDDEN_FUNCTIONS = frozenset(
    {"reflect", "try_reflect", "java_method", "secret", "try_secret", "http_request"}
)
BOOLEAN_FUNCTIONS = frozenset(
    {
        "isnull",
        "isnotnull",
        "isnan",
        "startswith",
        "endswith",
        "contains",
        "arraycontains",
        "arraysoverlap",
        "exists",
        "forall",
        "regexplike",
        "rlike",
        "ilike",
        "like",
    }
)


def _function_name(node: object, normalized: bool = True) -> str:
    """A function's name as typed (``java_method``); normalized, without underscores."""
    from sqlglot import expressions as exp

    assert isinstance(node, exp.Func)
    name = (node.name if isinstance(node, exp.Anonymous) else node.sql_name()).lower()
    return name.replace("_", "") if normalized else name


def parse_expression(text: str, key: str) -> exp.Expr:
    """Parse one Spark SQL expression; refuse statements, several expressions and subqueries."""
    from sqlglot import expressions as exp

    statements = _parse(f"SELECT {text}", f"{key}: {short(text)} is not a Spark SQL expression")
    parsed = statements[0] if len(statements) == 1 else None
    if (
        not isinstance(parsed, exp.Select)
        or len(parsed.expressions) != 1
        or parsed.args.get("from_", parsed.args.get("from"))
    ):
        raise SpecError(f"{key}: {short(text)} must be one SQL expression")
    node = parsed.expressions[0]
    if node.find(exp.Subquery, exp.Select, exp.Query) is not None:
        raise SpecError(f"{key}: {short(text)}: subqueries are not allowed here")
    forbidden = {f.replace("_", "") for f in FORBIDDEN_FUNCTIONS}
    for function in node.find_all(exp.Func):
        if _function_name(function) in forbidden:
            raise SpecError(
                f"{key}: {short(text)} calls {_function_name(function, False)}, which is not "
                "allowed in a spec (it reaches outside the table)"
            )
    return node


def expression_sql(text: str, key: str) -> str:
    """One Spark SQL expression, written again from its syntax tree.

    What reaches the generated code is sqlglot's rendering of the parsed tree, never the text
    as typed, so a comment or a trailing fragment cannot change the statement it lands in.
    """
    from sqlglot import expressions as exp

    node = parse_expression(text, key)
    assert isinstance(node, exp.Expression)
    return node.sql(dialect="spark", comments=False)


def boolean_sql(text: str, key: str) -> str:
    """A rule must be a predicate: a comparison, IN, BETWEEN, IS, LIKE, AND/OR/NOT, ..."""
    from sqlglot import expressions as exp

    node = parse_expression(text, key)
    while isinstance(node, exp.Paren):
        node = node.this
    if isinstance(node, exp.Predicate | exp.Connector | exp.Not | exp.Boolean) or (
        isinstance(node, exp.Func) and _function_name(node) in BOOLEAN_FUNCTIONS
    ):
        return expression_sql(text, key)
    raise SpecError(
        f"{key}: {short(text)} is not a boolean SQL expression "
        "(write a condition, e.g. amount >= 0)"
    )


def aggregate_sql(text: str, key: str) -> str:
    """An aggregate must call an aggregate function (sum, avg, count, ...)."""
    from sqlglot import expressions as exp

    node = parse_expression(text, key)
    assert isinstance(node, exp.Expression)
    if node.find(exp.AggFunc) is None:
        raise SpecError(
            f"{key}: {short(text)} is not an aggregate (use sum, avg, count, min, max, ...)"
        )
    return expression_sql(text, key)


def referenced_columns(text: str, key: str) -> list[str]:
    """The column names an expression reads (lambda variables excluded)."""
    from sqlglot import expressions as exp

    node = parse_expression(text, key)
    lambda_vars = {ident.name for lam in node.find_all(exp.Lambda) for ident in lam.expressions}
    names = [c.name for c in node.find_all(exp.Column) if c.name not in lambda_vars]
    return list(dict.fromkeys(names))


def parse_type(text: str, key: str) -> str:
    """A Spark type (``INT``, ``DECIMAL(10,2)``, ``ARRAY<STRING>``), normalised."""
    from sqlglot import expressions as exp

    not_a_type = f"{key}: {short(text)} is not a Spark type (e.g. INT, DOUBLE, DATE)"
    statements = _parse(f"CAST(x AS {text})", not_a_type)
    parsed = statements[0] if len(statements) == 1 else None
    target = parsed.args.get("to") if isinstance(parsed, exp.Cast) else None
    if not isinstance(target, exp.DataType) or target.this == exp.DataType.Type.USERDEFINED:
        raise SpecError(not_a_type)
    return target.sql(dialect="spark")
