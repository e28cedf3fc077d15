"""Databricks-target code checked without a workspace (see docs/databricks-checks.md).

:func:`check_cell` reads the text of one generated cell and returns its findings:

- every SQL statement it runs parses with sqlglot's ``databricks`` dialect and is of a kind
  Databricks documents (:mod:`.sql`);
- every call into mlflow, databricks.sdk, pyspark.sql, pyspark.ml and delta.tables that can
  be typed statically binds to the installed library's signature (:mod:`.calls`);
- reader and writer option names are in the documented list (:mod:`.options`).

It imports sqlglot, pyspark, mlflow and databricks-sdk: tests and tools use it, the extension
never does.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

__all__ = ["Finding", "check_cell", "parse_cell", "sql_statements"]


@dataclass(frozen=True)
class Finding:
    """One problem: the cell it is in, the line (1-based, in the cell's text), what is wrong."""

    cell: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.cell}:{self.line}: {self.message}"


def parse_cell(text: str) -> ast.Module:
    """The cell as Python; IPython lines (``%magic``, ``!shell``) are blanked, keeping lines."""
    lines = ["" if line.lstrip().startswith(("%", "!")) else line for line in text.splitlines()]
    return ast.parse("\n".join(lines))


def sql_statements(text: str) -> list[tuple[int, str, str | None, str | None]]:
    """(line, statement, kind, parse error) of every SQL statement the cell runs."""
    from .sql import sql_texts, statements

    return [
        (s.line, s.text, s.kind, s.error)
        for line, sql in sql_texts(parse_cell(text))
        for s in statements(line, sql)
    ]


def check_cell(text: str, cell: str = "<cell>") -> list[Finding]:
    """Every finding in one generated cell, ordered by line."""
    from .walker import Walker

    tree = parse_cell(text)
    findings = []
    for line, statement, kind, error in sql_statements(text):
        if error:
            findings.append(Finding(cell, line, error))
        elif kind is None:
            first = statement.split("\n")[0][:60]
            message = f"SQL statement of a kind not in the Databricks list: {first}"
            findings.append(Finding(cell, line, message))
    findings += [Finding(cell, line, message) for line, message in Walker(tree).problems]
    return sorted(findings, key=lambda f: (f.line, f.message))
