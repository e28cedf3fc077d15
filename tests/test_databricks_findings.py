"""Findings of the review of Databricks-target code against the documentation (issue 17), each
with the test that would have caught it. No workspace: the rendered cells are read as code."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from dbx_architect.outline import plan_from_text
from dbx_architect.outline.notebook import cells
from dbx_architect.settings import DbxArchitect, Settings

ROOT = Path(__file__).resolve().parent.parent
DATABRICKS_GOLDENS = sorted((ROOT / "tests" / "golden").rglob("*.databricks.py"))
OWNED = [p for p in DATABRICKS_GOLDENS if "SET OWNER" in p.read_text()]
REQUIREMENTS = sorted((ROOT / "examples" / "requirements").glob("*.yaml"))
WRITES = ("MERGE ", ".saveAsTable(", ".toTable(", ".writeTo(", "foreachBatch(")


def _sql_calls(source: str) -> list[tuple[int, str]]:
    """(line, text) of every spark.sql(...) whose argument is a string (f-string parts joined)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and ast.unparse(node.func) == "spark.sql" and node.args:
            found.append((node.lineno, ast.unparse(node.args[0])))
    return found


@pytest.mark.parametrize("path", OWNED, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_ownership_moves_after_every_write_and_only_when_it_changes(path: Path) -> None:
    source = path.read_text()
    owners = [line for line, sql in _sql_calls(source) if "SET OWNER" in sql]
    lines = source.splitlines()
    last_write = max(i for i, text in enumerate(lines, 1) if any(w in text for w in WRITES))
    assert min(owners) > last_write, f"SET OWNER on line {min(owners)}, a write on {last_write}"
    guard = lines[min(owners) - 2].strip()
    assert guard.startswith("if owner_row is None or owner_row["), guard


def _databricks_settings() -> Settings:
    return Settings.from_config(DbxArchitect(), "databricks")


@pytest.mark.parametrize("path", REQUIREMENTS, ids=lambda p: p.stem)
def test_outline_grants_are_usable_and_schema_ownership_moves_last(path: Path) -> None:
    the_plan = plan_from_text(path.read_text(), _databricks_settings())
    sources = [source for kind, source in cells(the_plan, expanded=True) if kind == "code"]
    statements = [sql for source in sources for _, sql in _sql_calls(source)]
    grants = [
        re.match(r"'GRANT (.+) ON (CATALOG|SCHEMA) (\S+) TO `(.+)`'", sql) for sql in statements
    ]
    held = {(m[1], m[2], m[3], m[4]) for m in grants if m}
    assert held, "the example names readers or an ML group"
    for privilege, kind, name, who in held:
        if kind == "SCHEMA" and privilege != "USE SCHEMA":
            assert ("USE SCHEMA", "SCHEMA", name, who) in held or privilege == "ALL PRIVILEGES"
            catalog = name.split(".")[0]
            assert ("USE CATALOG", "CATALOG", catalog, who) in held, (privilege, name, who)
    owner_cells = [i for i, source in enumerate(sources) if "ALTER SCHEMA {schema} OWNER" in source]
    writing = [i for i, source in enumerate(sources) if any(w in source for w in WRITES)]
    assert owner_cells and min(owner_cells) > max(writing)
