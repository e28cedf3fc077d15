"""Every SQL statement a generated cell runs, parsed with sqlglot's ``databricks`` dialect.

A statement is read from the first argument of a ``.sql(...)`` call (``spark.sql``,
``batch.sparkSession.sql``): a string constant, or an f-string whose ``{...}`` holes become
placeholder identifiers. Each statement must parse, and be of a kind in :data:`KINDS` (each
with the Databricks page that documents it). The kind is read from sqlglot's tree; where the
dialect has no grammar for a Databricks statement (sqlglot falls back to a ``Command``, or
fails), it is read from sqlglot's tokens against a whole-statement pattern in
:data:`COMMANDS`, or rewritten on tokens as in :data:`GAPS` and the rest parsed again.
"""

from __future__ import annotations

import ast
import logging
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

DOCS = "https://docs.databricks.com/aws/en/sql/language-manual/"
# Statement kind -> the Databricks page that documents it.
KINDS = {
    "CREATE SCHEMA": DOCS + "sql-ref-syntax-ddl-create-schema",
    "CREATE TABLE": DOCS + "sql-ref-syntax-ddl-create-table-using",
    "CREATE TABLE CLUSTER BY": DOCS + "sql-ref-syntax-ddl-cluster-by",
    "CREATE VIEW": DOCS + "sql-ref-syntax-ddl-create-view",
    "CREATE VOLUME": DOCS + "sql-ref-syntax-ddl-create-volume",
    "ALTER TABLE SET OWNER": DOCS + "sql-ref-syntax-ddl-alter-table",
    "ALTER TABLE SET TAGS": DOCS + "sql-ref-syntax-ddl-alter-table",
    "ALTER TABLE SET TBLPROPERTIES": DOCS + "sql-ref-syntax-ddl-tblproperties",
    "ALTER TABLE ADD CONSTRAINT": DOCS + "sql-ref-syntax-ddl-alter-table-add-constraint",
    "ALTER TABLE ADD COLUMNS": DOCS + "sql-ref-syntax-ddl-alter-table-manage-column",
    "ALTER TABLE ALTER COLUMN": DOCS + "sql-ref-syntax-ddl-alter-table-manage-column",
    "ALTER TABLE ALTER COLUMN SET TAGS": DOCS + "sql-ref-syntax-ddl-alter-table-manage-column",
    "ALTER SCHEMA OWNER": DOCS + "sql-ref-syntax-ddl-alter-schema",
    "MERGE INTO": DOCS + "delta-merge-into",
    "MERGE WITH SCHEMA EVOLUTION": DOCS + "delta-merge-into",
    "INSERT": DOCS + "sql-ref-syntax-dml-insert-into",
    "SELECT": DOCS + "sql-ref-syntax-qry-select",
    "DESCRIBE HISTORY": DOCS + "delta-describe-history",
    "DESCRIBE DETAIL": DOCS + "delta-describe-detail",
    "DESCRIBE TABLE": DOCS + "sql-ref-syntax-aux-describe-table",
    "DESCRIBE SCHEMA": DOCS + "sql-ref-syntax-aux-describe-schema",
    "GRANT": DOCS + "security-grant",
}
# Unity Catalog privileges (GRANT's first words), from the privileges page.
PRIVILEGES = {
    "ALL PRIVILEGES", "APPLY TAG", "BROWSE", "CREATE FUNCTION", "CREATE MATERIALIZED VIEW",
    "CREATE MODEL", "CREATE SCHEMA", "CREATE TABLE", "CREATE VOLUME", "EXECUTE", "MANAGE",
    "MODIFY", "READ VOLUME", "REFRESH", "SELECT", "USE CATALOG", "USE SCHEMA", "WRITE VOLUME",
}  # fmt: skip
PRIVILEGES_URL = (
    "https://docs.databricks.com/aws/en/data-governance/unity-catalog/manage-privileges/privileges"
)
# Whole-statement token patterns for statements sqlglot reads only as a ``Command``. Words are
# keywords; <name> a dotted name; <principal> a quoted identifier; <tags> ('k' = 'v', ...);
# <string> a string; <words> privileges up to ON; a tuple is optional.
COMMANDS: dict[str, tuple[tuple[Any, ...], ...]] = {
    "CREATE VOLUME": (
        ("CREATE", "VOLUME", ("IF", "NOT", "EXISTS"), "<name>", ("COMMENT", "<string>")),
    ),
    "ALTER TABLE SET OWNER": (
        ("ALTER", "TABLE", "<name>", ("SET",), "OWNER", "TO", "<principal>"),
    ),
    "ALTER SCHEMA OWNER": (("ALTER", "SCHEMA", "<name>", ("SET",), "OWNER", "TO", "<principal>"),),
    "ALTER TABLE ALTER COLUMN SET TAGS": (
        ("ALTER", "TABLE", "<name>", "ALTER", ("COLUMN",), "<name>", "SET", "TAGS", "<tags>"),
    ),
    "GRANT": (("GRANT", "<words>", "ON", "<securable>", "<name>", "TO", "<principal>"),),
}
SECURABLES = {"CATALOG", "SCHEMA", "TABLE", "VOLUME", "FUNCTION", "MODEL"}
# sqlglot's databricks dialect fails on these documented forms: (kind, first words, words cut
# before parsing again, the statement class the rest must parse as).
GAPS = (
    ("MERGE WITH SCHEMA EVOLUTION", ("MERGE", "WITH"), ("WITH", "SCHEMA", "EVOLUTION"), "Merge"),
    ("DESCRIBE HISTORY", ("DESCRIBE", "HISTORY"), ("LIMIT", "<number>"), "Describe"),
    ("DESCRIBE DETAIL", ("DESCRIBE", "DETAIL"), ("DETAIL",), "Describe"),
)
HOLE = "hole_{}"  # an f-string's {...} becomes hole_1, hole_2, ...
HOLE_TYPE = "STRING"  # ... or, where the parser wants a type there, this type


@dataclass(frozen=True)
class Statement:
    """One statement as run: its text, the cell line it starts on, and its kind (or None)."""

    line: int
    text: str
    kind: str | None
    error: str | None = None


def sql_texts(tree: ast.Module) -> Iterator[tuple[int, str]]:
    """(line, text) of the first argument of every ``.sql(...)`` call that is a literal."""
    for node in ast.walk(tree):
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "sql"
            and node.args
        ):
            continue
        text = literal_text(node.args[0])
        if text is not None:
            yield node.args[0].lineno, text


def literal_text(node: ast.expr) -> str | None:
    """A string constant, or an f-string with each hole replaced by a placeholder identifier."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if not isinstance(node, ast.JoinedStr):
        return None
    parts, holes = [], 0
    for value in node.values:
        if isinstance(value, ast.Constant):
            parts.append(str(value.value))
        else:
            holes += 1
            parts.append(HOLE.format(holes))
    return "".join(parts)


def statements(line: int, text: str) -> list[Statement]:
    """Each statement of *text* (starting at cell *line*) with its kind, or its parse error."""
    import sqlglot
    from sqlglot.errors import ParseError

    try:
        with _quiet():
            trees = [t for t in sqlglot.parse(text, read="databricks") if t is not None]
    except ParseError as err:
        gap = _gap(text)
        if gap is not None:
            return [Statement(line, text, gap)]
        first = err.errors[0] if err.errors else {}
        typed = _hole_as_type(text, str(first.get("highlight") or ""))
        if typed is not None:  # a hole where a type goes: CAST(x AS {target_type})
            return [replace(s, text=text) for s in statements(line, typed)]
        at = line + max(int(first.get("line") or 1) - 1, 0)
        description = str(first.get("description") or err).split(" <Token")[0]
        description = description.removesuffix(" but got")  # the token is named below
        near = f" at {first['highlight']!r}" if first.get("highlight") else ""
        message = f"SQL does not parse (databricks dialect): {description}{near}"
        return [Statement(at, text, None, message)]
    return [Statement(line, text if len(trees) == 1 else tree.sql("databricks"), kind_of(tree))
            for tree in trees]  # fmt: skip


def _hole_as_type(text: str, hole: str) -> str | None:
    """*text* with the placeholder *hole* (where the parser wanted a type) made a type."""
    if not (hole.startswith("hole_") and hole[5:].isdigit()):
        return None
    at = [t for t in _tokens(text) if t.text == hole]
    for token in reversed(at):
        text = text[: token.start] + HOLE_TYPE + text[token.end + 1 :]
    return text if at else None


def expression_error(text: str) -> str | None:
    """Why *text* (a column expression: ``F.expr``, ``where``, ``selectExpr``) does not parse
    as one SQL expression, or None."""
    import sqlglot
    from sqlglot import exp
    from sqlglot.errors import ParseError

    try:
        with _quiet():
            trees = sqlglot.parse(text, read="databricks")
    except ParseError as err:
        first = err.errors[0] if err.errors else {}
        description = str(first.get("description") or err).split(" <Token")[0]
        return f"SQL expression does not parse (databricks dialect): {description}"
    if len(trees) != 1 or isinstance(trees[0], exp.Command | exp.Query) or trees[0] is None:
        return f"not one SQL expression: {text[:60]}"
    return None


def kind_of(tree: Any) -> str | None:
    """The statement kind read from sqlglot's tree (tokens for a ``Command``)."""
    from sqlglot import exp

    if isinstance(tree, exp.Command):
        return _command_kind(f"{tree.this} {tree.expression}")
    if isinstance(tree, exp.Create):
        kind = f"CREATE {tree.args.get('kind')}"
        clustered = tree.find(exp.ClusterProperty) is not None
        return kind + " CLUSTER BY" if clustered else kind
    if isinstance(tree, exp.Alter):
        return _alter_kind(tree)
    if isinstance(tree, exp.Describe):
        style = str(tree.args.get("style") or "").upper()
        if style == "HISTORY":
            return "DESCRIBE HISTORY"
        return f"DESCRIBE {str(tree.args.get('kind') or 'TABLE').upper()}"
    if isinstance(tree, exp.Grant):
        granted = {str(p.this).upper() for p in tree.args.get("privileges") or []}
        return "GRANT" if granted <= PRIVILEGES else None
    if isinstance(tree, exp.Merge):
        return "MERGE INTO"
    if isinstance(tree, exp.Insert):
        return "INSERT"
    if isinstance(tree, exp.Query):
        return "SELECT"
    return None


def _alter_kind(tree: Any) -> str | None:
    from sqlglot import exp

    actions = tree.args.get("actions") or []
    if len(actions) != 1 or str(tree.args.get("kind")).upper() != "TABLE":
        return None
    action = actions[0]
    if isinstance(action, exp.AlterSet):
        return "ALTER TABLE SET TAGS" if action.args.get("tag") else "ALTER TABLE SET TBLPROPERTIES"
    names = {
        exp.AddConstraint: "ALTER TABLE ADD CONSTRAINT",
        exp.AlterColumn: "ALTER TABLE ALTER COLUMN",
        exp.Schema: "ALTER TABLE ADD COLUMNS",
    }
    return names.get(type(action))


def _tokens(text: str) -> list[Any]:
    from sqlglot.dialects.databricks import Databricks

    return list(Databricks().tokenize(text))


def _command_kind(text: str) -> str | None:
    tokens = _tokens(text)
    for kind, patterns in COMMANDS.items():
        if any(_match(pattern, tokens, 0) == len(tokens) for pattern in patterns):
            return kind
    return None


def _match(pattern: tuple[Any, ...], tokens: list[Any], at: int) -> int | None:
    """The index after *pattern* matched from tokens[at], or None."""
    for item in pattern:
        if isinstance(item, tuple):  # optional
            end = _match(item, tokens, at)
            at = at if end is None else end
            continue
        end = _item(item, tokens, at)
        if end is None:
            return None
        at = end
    return at


def _item(item: str, tokens: list[Any], at: int) -> int | None:
    from sqlglot.tokens import TokenType

    if at >= len(tokens):
        return None
    token = tokens[at]
    if item == "<name>":
        return _name(tokens, at)
    if item == "<principal>":
        return at + 1 if token.token_type == TokenType.IDENTIFIER else None
    if item == "<string>":
        return at + 1 if token.token_type == TokenType.STRING else None
    if item == "<number>":
        return at + 1 if token.token_type == TokenType.NUMBER else None
    if item == "<securable>":
        return at + 1 if token.text.upper() in SECURABLES else None
    if item == "<tags>":
        return _tags(tokens, at)
    if item == "<words>":
        return _privileges(tokens, at)
    quoted = token.token_type in (TokenType.IDENTIFIER, TokenType.STRING)
    return at + 1 if not quoted and token.text.upper() == item else None


def _name(tokens: list[Any], at: int) -> int | None:
    from sqlglot.tokens import TokenType

    parts = (TokenType.VAR, TokenType.IDENTIFIER)
    if at >= len(tokens) or tokens[at].token_type not in parts:
        return None
    at += 1
    while at + 1 < len(tokens) and tokens[at].token_type == TokenType.DOT:
        if tokens[at + 1].token_type not in parts:
            return None
        at += 2
    return at


def _tags(tokens: list[Any], at: int) -> int | None:
    from sqlglot.tokens import TokenType

    kinds = [t.token_type for t in tokens[at:]]
    if not kinds or kinds[0] != TokenType.L_PAREN:
        return None
    i = 1
    pair = [TokenType.STRING, TokenType.EQ, TokenType.STRING]
    while kinds[i : i + 3] == pair:
        i += 3
        if i < len(kinds) and kinds[i] == TokenType.COMMA:
            i += 1
            continue
        return at + i + 1 if i < len(kinds) and kinds[i] == TokenType.R_PAREN else None
    return None


def _privileges(tokens: list[Any], at: int) -> int | None:
    from sqlglot.tokens import TokenType

    words: list[str] = []
    granted: list[str] = []
    while at < len(tokens) and tokens[at].text.upper() != "ON":
        if tokens[at].token_type == TokenType.COMMA:
            granted.append(" ".join(words))
            words = []
        else:
            words.append(tokens[at].text.upper())
        at += 1
    granted.append(" ".join(words))
    return at if all(p in PRIVILEGES for p in granted) else None


def _gap(text: str) -> str | None:
    """The kind of a documented statement sqlglot fails on, once its rest parses."""
    import sqlglot
    from sqlglot.errors import ParseError

    tokens = _tokens(text)
    words = [t.text.upper() for t in tokens]
    for kind, head, cut, expected in GAPS:
        if tuple(words[: len(head)]) != head:
            continue
        start = next((i for i in range(len(tokens)) if _match(cut, tokens, i)), None)
        if start is None:
            continue
        end = _match(cut, tokens, start) or start
        rest = text[: tokens[start].start] + " " + text[tokens[end - 1].end + 1 :]
        try:
            with _quiet():
                tree = sqlglot.parse_one(rest, read="databricks")
        except ParseError:
            return None
        return kind if type(tree).__name__ == expected else None
    return None


class _quiet:
    """sqlglot logs a warning for each statement it reads as a ``Command``; kinds say it."""

    def __enter__(self) -> None:
        self.logger = logging.getLogger("sqlglot")
        self.level = self.logger.level
        self.logger.setLevel(logging.ERROR)

    def __exit__(self, *exc: object) -> None:
        self.logger.setLevel(self.level)
