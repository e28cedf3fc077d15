"""Which SQL statements destroy data, and what they destroy (see docs/guard.md).

One classifier serves both layers of the guard: the static check reads SQL found in a cell,
the runtime wrapper reads the text ``SparkSession.sql`` receives. It reads SQL the way Spark
does, then each statement by its first keywords:

Reading.
    ``sql_lexer`` is a port of Spark's own lexer rules (comments that nest, ``--`` comments that
    end at ``\\r`` or continue after a backslash, ``/*+`` hints, escapes, ``ınsert`` = INSERT,
    and NBSP and the other Unicode spaces of Spark 4's ``WS`` rule as whitespace; Spark 3.5
    rejects NBSP, so reading it as whitespace only ever finds more). Statements are split on
    semicolon tokens. No regular expression ever reads the SQL. sqlglot's tokenizer is not used:
    it reads hints and backslash-continued comments differently from Spark, and is too slow.

What counts (kinds, as ``SqlOperation.kind``).
    drop, truncate, delete (with or without WHERE; detail "all rows" without), overwrite
    (INSERT OVERWRITE [TABLE|DIRECTORY], Hive's ``FROM s INSERT OVERWRITE ...``, LOAD DATA ...
    OVERWRITE), replace (CREATE OR REPLACE TABLE, REPLACE TABLE), vacuum (not with its own
    trailing DRY RUN; detail "retain n hours"), restore, alter drop (ALTER TABLE ... DROP ...),
    backfill (INSERT INTO t REPLACE WHERE|USING|ON), update (only an UPDATE whose WHERE names no
    column, so also ``WHERE true``), replace columns, merge delete (MERGE ... WHEN NOT MATCHED BY
    SOURCE ... THEN DELETE), retention (see ``sql_values.retention_problem``: Delta retention
    under 7 days, or ``SET spark.databricks.delta.retentionDurationCheck.enabled`` to anything
    but true), and sql (target None: what runs is only known at run time).

Decisions.
    ``MERGE ... WHEN MATCHED THEN DELETE`` is not destructive here: it deletes exactly the rows
    the source names (an erasure list, a CDC feed), as ``DeltaTable...whenMatchedDelete`` is
    not. ``EXECUTE IMMEDIATE`` of literals (side by side, joined by ``||``, bound parameters) is
    read recursively, detail "EXECUTE IMMEDIATE"; of anything else it is kind "sql". A string
    literal is read under each of Spark's escape rules and every reading counts. SQL scripting
    (``BEGIN ... END``, IF/CASE/WHILE/FOR/LOOP/REPEAT bodies, handlers) is read statement by
    statement. ``IDENTIFIER(...)`` names resolve from literals and *params*; otherwise the
    target is None, detail "target unknown". ``${name}`` in the text is replaced from the Spark
    conf before Spark parses it, so it adds a kind "sql" operation. ``CALL`` runs a procedure,
    which may do anything: kind "sql". ``reflect`` and ``java_method`` are out of scope here:
    they call JVM methods from expressions, which no SQL classifier can judge.

Failing closed.
    Text that cannot be read as Spark would read it (an unterminated string, a comment that does
    not end) raises :class:`SqlParseError` if it holds a word that could destroy data, and so
    does a statement that starts with such a keyword (DROP, TRUNCATE, DELETE, VACUUM, RESTORE,
    REPLACE, UPDATE) or holds one (OVERWRITE, ...) and has a shape the reader does not know.

The pre-filter (:func:`could_be_destructive`) is one pass of ``str.upper`` and substring tests:
text without those words and without ``${`` cannot destroy data, so most SQL costs microseconds
and nothing is imported.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

HOLE = "__dbx_hole_{}__"  # detect.py puts this in place of an f-string hole it cannot resolve
HOLE_MARK = "__dbx_hole_"
# A statement can only destroy data if one of these occurs in its text (upper-cased): every
# destructive statement starts with or holds one of them as a keyword, and the keywords that
# make MERGE, ALTER, SET, LOAD and EXECUTE IMMEDIATE destructive are among them.
SUSPECT_WORDS = (
    "DROP",
    "TRUNCATE",
    "DELETE",
    "OVERWRITE",
    "REPLACE",
    "VACUUM",
    "RESTORE",
    "UPDATE",
    "RETENTION",
    "TBLPROPERTIES",
    "IMMEDIATE",
    "CALL",
    HOLE_MARK.upper(),
)


@dataclass(frozen=True)
class SqlOperation:
    kind: str
    target: str | None  # None: destructive, but the target is only known at run time
    detail: str = ""


class SqlParseError(ValueError):
    """The text looks destructive but is not SQL that can be read."""


def clean_name(name: str) -> str | None:
    """``main.`silver`.sales`` → ``main.silver.sales``; None when a part is a hole."""
    name = name.strip().strip("'\"")
    if HOLE_MARK in name:
        return None
    parts: list[str] = []
    current: list[str] = []
    quoted = False
    for char in name:
        if char == "`":
            quoted = not quoted
        elif char == "." and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return ".".join(part for part in parts if part)


def could_be_destructive(text: str) -> bool:
    """False only for text that cannot destroy data (no suspect word, no ``${...}``)."""
    upper = text.upper()
    return "${" in text or any(word in upper for word in SUSPECT_WORDS)


def classify(
    text: str, params: Mapping[str, Any] | Sequence[Any] | None = None
) -> list[SqlOperation]:
    """The destructive operations in SQL *text* (one or more statements, or a script).

    *params* are ``spark.sql``'s parameters (a mapping for ``:name`` markers, a list for
    ``?``), used to resolve ``IDENTIFIER(:name)`` targets. Raises :class:`SqlParseError` for
    text that looks destructive but cannot be read.
    """
    if not could_be_destructive(text):
        return []
    from .sql_statements import classify_text

    return classify_text(text, params)
