"""Which SQL statements destroy data, and what they destroy (SPEC section 8).

sqlglot (Databricks dialect) parses each statement; statements it keeps as an opaque command
(VACUUM, RESTORE, REPLACE TABLE, ...) are classified by their leading keywords. sqlglot is
imported only when the text holds a keyword that could be destructive, so the common case (a
SELECT) costs one regular expression.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

# A statement can only be destructive if one of these words occurs in it.
SUSPECT = re.compile(r"\b(drop|truncate|delete|overwrite|replace|vacuum|restore)\b", re.IGNORECASE)
HOLE = "__dbx_hole_{}__"  # stands for an f-string hole that could not be resolved
_HOLE = re.compile(r"__dbx_hole_\d+__")
_PART = r"(?:`[^`]+`|[\w$]+)"
_NAME = rf"({_PART}(?:\.{_PART})*|'[^']*'|\"[^\"]*\")"  # a dotted name or a quoted path
_KEYWORD_RULES = (
    ("vacuum", re.compile(rf"^vacuum\s+(?:table\s+)?(?:delta\.)?{_NAME}", re.IGNORECASE)),
    ("restore", re.compile(rf"^restore\s+(?:table\s+)?(?:delta\.)?{_NAME}", re.IGNORECASE)),
    ("replace", re.compile(rf"^(?:create\s+or\s+)?replace\s+table\s+{_NAME}", re.IGNORECASE)),
    (
        "drop",
        re.compile(
            rf"^drop\s+(?:table|view|schema|database|volume)\s+(?:if\s+exists\s+)?{_NAME}",
            re.IGNORECASE,
        ),
    ),
    ("truncate", re.compile(rf"^truncate\s+table\s+{_NAME}", re.IGNORECASE)),
    ("delete", re.compile(rf"^delete\s+from\s+{_NAME}", re.IGNORECASE)),
    ("overwrite", re.compile(rf"^insert\s+overwrite\s+(?:table\s+)?{_NAME}", re.IGNORECASE)),
    ("alter drop", re.compile(rf"^alter\s+table\s+{_NAME}\s+drop\b", re.IGNORECASE)),
)
_COMMENTS = re.compile(r"--[^\n]*|/\*.*?\*/", re.DOTALL)


@dataclass(frozen=True)
class SqlOperation:
    kind: str
    target: str | None  # None: the name holds a part only known at run time
    detail: str = ""


class SqlParseError(ValueError):
    """The text looks destructive but is not SQL that can be read."""


def clean_name(name: str) -> str | None:
    """``main.`silver`.sales`` → ``main.silver.sales``; None when a part is a hole."""
    name = name.strip().strip("'\"")
    if _HOLE.search(name):
        return None
    return ".".join(part.strip("`") for part in _split_dotted(name))


def _split_dotted(name: str) -> list[str]:
    return re.findall(r"`[^`]+`|[^.]+", name)


def classify(text: str) -> list[SqlOperation]:
    """The destructive operations in SQL *text* (one or more statements)."""
    if not SUSPECT.search(text):
        return []
    operations = []
    for statement in _statements(text):
        operations += _classify_statement(statement)
    return operations


def _statements(text: str) -> list[str]:
    """Split on semicolons outside quotes and comments (sqlglot's tokenizer knows where)."""
    from sqlglot.tokens import Tokenizer, TokenType

    try:
        tokens = Tokenizer(dialect="databricks").tokenize(text)
    except Exception:  # the tokenizer refuses some unterminated strings: one statement then
        return [text]
    statements, start = [], 0
    for token in tokens:
        if token.token_type == TokenType.SEMICOLON:
            statements.append(text[start : token.start])
            start = token.end + 1
    statements.append(text[start:])
    return [s for s in statements if _COMMENTS.sub("", s).strip()]


def _classify_statement(statement: str) -> list[SqlOperation]:
    if not SUSPECT.search(_COMMENTS.sub("", statement)):
        return []
    import sqlglot
    from sqlglot import exp

    logger = logging.getLogger("sqlglot")
    level = logger.level
    logger.setLevel(logging.ERROR)  # "falling back to parsing as a Command" is expected here
    try:
        tree = sqlglot.parse_one(statement, read="databricks")
    except Exception:
        tree = None
    finally:
        logger.setLevel(level)
    if tree is None or isinstance(tree, exp.Command):
        return _by_keyword(statement)
    if isinstance(tree, exp.Drop):
        return [SqlOperation("drop", _table(t)) for t in tree.args.get("tables") or []]
    if isinstance(tree, exp.TruncateTable):
        return [SqlOperation("truncate", _table(t)) for t in tree.expressions]
    if isinstance(tree, exp.Delete):
        all_rows = not tree.args.get("where")
        return [SqlOperation("delete", _table(tree.this), "all rows" if all_rows else "")]
    if isinstance(tree, exp.Insert):
        if tree.args.get("where") is not None:  # INSERT INTO t REPLACE WHERE ...
            return [SqlOperation("backfill", _table(tree.this), "REPLACE WHERE")]
        if tree.args.get("overwrite"):
            return [SqlOperation("overwrite", _table(tree.this))]
        return []
    if isinstance(tree, exp.Create):
        if tree.args.get("replace") and str(tree.args.get("kind", "")).upper() == "TABLE":
            return [SqlOperation("replace", _table(tree.this))]
        return []
    if isinstance(tree, exp.Alter):
        actions = tree.args.get("actions") or []
        if any(isinstance(a, (exp.Drop, exp.DropPartition)) for a in actions):
            return [SqlOperation("alter drop", _table(tree.this))]
        return []
    return []


def _table(node) -> str | None:
    from sqlglot import exp

    table = node.find(exp.Table) if not isinstance(node, exp.Table) else node
    if table is None:
        return None
    parts = [p.name for p in table.parts]
    return clean_name(".".join(f"`{p}`" if "." in p else p for p in parts))


def _by_keyword(statement: str) -> list[SqlOperation]:
    text = " ".join(_COMMENTS.sub(" ", statement).split())
    for kind, rule in _KEYWORD_RULES:
        match = rule.match(text)
        if match:
            detail = ""
            if kind == "vacuum":
                if re.search(r"\bdry\s+run\b", text, re.IGNORECASE):
                    return []
                retain = re.search(r"\bretain\s+([\d.]+)\s+hours?\b", text, re.IGNORECASE)
                detail = f"retain {retain.group(1)} hours" if retain else ""
            return [SqlOperation(kind, clean_name(match.group(1)), detail)]
    head = text.split(" ", 1)[0].lower()
    if head in {"drop", "truncate", "delete", "vacuum", "restore", "replace"}:
        raise SqlParseError(f"cannot read this {head.upper()} statement: {text[:60]}")
    return []
