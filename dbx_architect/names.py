"""Identifiers and table names (see docs/README.md, "How to read a key table").

A table in a spec may be short (``sales``), two-part (``silver.sales``) or three-part
(``main.silver.sales``). Every part must be a plain identifier, so a name can be
pasted into SQL and Python without any quoting trick being possible.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import SpecError, short

IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
# Unity Catalog principals are users (e-mail), groups (may contain spaces) or service
# principals (UUIDs). Quotes, backticks and control characters can never be part of one.
PRINCIPAL = re.compile(r"[A-Za-z0-9_.@+\- ]{1,255}\Z")


def check_identifier(value: object, what: str) -> str:
    """Return *value* when it is an identifier, else raise a message naming *what*."""
    if not isinstance(value, str) or not IDENTIFIER.match(value):
        raise SpecError(
            f"{what}: {short(value)} is not a valid identifier "
            "(letters, digits and underscores, not starting with a digit)"
        )
    return value


def check_principal(value: object, what: str) -> str:
    """Return *value* when it can name a Unity Catalog user, group or service principal."""
    if not isinstance(value, str) or not PRINCIPAL.match(value) or value.strip() != value:
        raise SpecError(
            f"{what}: {short(value)} is not a valid principal "
            "(a user e-mail, group or service principal: letters, digits, spaces and _ . @ + -)"
        )
    return value


# Spark SQL's ANSI reserved words: a name part spelled like one is backquoted in generated SQL.
RESERVED = frozenset(
    [
        "all",
        "and",
        "any",
        "array",
        "as",
        "at",
        "authorization",
        "between",
        "both",
        "by",
        "case",
        "cast",
        "check",
        "collate",
        "column",
        "constraint",
        "create",
        "cross",
        "cube",
        "current",
        "current_date",
        "current_time",
        "current_timestamp",
        "current_user",
        "default",
        "delete",
        "describe",
        "distinct",
        "drop",
        "else",
        "end",
        "escape",
        "except",
        "exists",
        "external",
        "false",
        "fetch",
        "filter",
        "for",
        "foreign",
        "from",
        "full",
        "function",
        "global",
        "grant",
        "group",
        "grouping",
        "having",
        "if",
        "in",
        "inner",
        "insert",
        "intersect",
        "interval",
        "into",
        "is",
        "join",
        "lateral",
        "leading",
        "left",
        "like",
        "limit",
        "local",
        "minus",
        "natural",
        "no",
        "not",
        "null",
        "of",
        "on",
        "only",
        "or",
        "order",
        "out",
        "outer",
        "overlaps",
        "partition",
        "position",
        "primary",
        "range",
        "references",
        "revoke",
        "right",
        "rollup",
        "row",
        "rows",
        "select",
        "session_user",
        "set",
        "some",
        "start",
        "table",
        "tablesample",
        "then",
        "time",
        "to",
        "trailing",
        "true",
        "truncate",
        "union",
        "unique",
        "unknown",
        "update",
        "user",
        "using",
        "values",
        "when",
        "where",
        "window",
        "with",
    ]
)


def sql_ident(part: str) -> str:
    """An identifier as it is written in Spark SQL: backquoted only when it is a reserved word."""
    return f"`{part}`" if part.lower() in RESERVED else part


@dataclass(frozen=True)
class TableName:
    """A fully resolved three-part table name."""

    catalog: str
    schema: str
    table: str

    @property
    def dotted(self) -> str:
        """``catalog.schema.table``: safe in SQL and Spark APIs because every part is checked."""
        return ".".join(sql_ident(p) for p in (self.catalog, self.schema, self.table))

    @property
    def schema_dotted(self) -> str:
        return f"{sql_ident(self.catalog)}.{sql_ident(self.schema)}"

    def __str__(self) -> str:
        return self.dotted


def parse_table_name(name: object, what: str, catalog: str, schema: str) -> TableName:
    """Resolve a short, two-part or three-part *name* against *catalog* and *schema*."""
    if not isinstance(name, str) or not name:
        raise SpecError(
            f"{what}: expected a table name like sales, silver.sales or main.silver.sales"
        )
    parts = name.split(".")
    if len(parts) > 3:
        raise SpecError(
            f"{what}: {short(name)} has {len(parts)} parts; "
            "use table, schema.table or catalog.schema.table"
        )
    for part in parts:
        if not IDENTIFIER.match(part):
            inside = f" in {short(name)}" if part != name else ""
            raise SpecError(
                f"{what}: {short(part)}{inside} is not a valid identifier "
                "(letters, digits and underscores, not starting with a digit)"
            )
    if len(parts) == 1:
        return TableName(catalog, schema, parts[0])
    if len(parts) == 2:
        return TableName(catalog, parts[0], parts[1])
    return TableName(*parts)
