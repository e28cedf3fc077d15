"""Generated code follows the project's own style, and the package's functions stay short.

Every golden is checked with ruff exactly as a person would run it on a notebook cell: formatted
at 100 columns, and clean under the lint rules the package itself uses. Generated cells run in a
notebook, so `spark`, `dbutils` and `display` are given, and a cell may end with a bare expression
to show it (B018). Lines may pass 100 columns only where the text is SQL or a table comment built
from the spec's names, which no formatter can wrap.
"""

from __future__ import annotations

import ast
import io
import json
import subprocess
import tokenize
from pathlib import Path

import pytest

from dbx_architect.formatting import LINE_LENGTH, TARGET_VERSION, ruff_binary

ROOT = Path(__file__).resolve().parent.parent
GOLDENS = sorted((ROOT / "tests" / "golden").rglob("*.py"))
RULES = "E,F,I,B,UP,SIM"
NOTEBOOK_GLOBALS = '["spark", "dbutils", "display"]'
SQL_STARTS = ("ALTER ", "CREATE ", "MERGE ", "COMMENT ", "INSERT ", "SELECT ")

pytestmark = pytest.mark.skipif(ruff_binary() is None, reason="ruff is not installed")


def _ruff(*args: str) -> subprocess.CompletedProcess[str]:
    settings = [f"--line-length={LINE_LENGTH}", f"--target-version={TARGET_VERSION}"]
    return subprocess.run(
        [str(ruff_binary()), *args, "--isolated", *settings, *map(str, GOLDENS)],
        capture_output=True,
        text=True,
        check=False,
    )


def test_there_are_goldens_of_every_magic() -> None:
    assert {p.parent.name for p in GOLDENS} == {
        "bronze",
        "silver",
        "gold",
        "modelzoo",
        "deploy",
        "monitor",
    }


def test_every_golden_is_ruff_formatted() -> None:
    done = _ruff("format", "--check")
    assert done.returncode == 0, done.stdout + done.stderr


def _unwrappable_lines(source: str) -> set[int]:
    """Lines (1-based) holding SQL text or a spec-built table comment, which cannot be wrapped."""
    lines = source.splitlines()
    exempt = {
        number
        for number, line in enumerate(lines, 1)
        if line.lstrip().startswith("#") and line.lstrip("# ").startswith(SQL_STARTS)
    }
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type != tokenize.STRING:
            continue
        if token.start[0] != token.end[0]:  # a SQL block: every line after the opening quotes
            exempt.update(range(token.start[0] + 1, token.end[0] + 1))
            continue
        line = lines[token.start[0] - 1].strip().rstrip(",")
        text = line.split("=", 1)[1] if line.startswith("comment=") else line
        plain = token.string[:1] in "\"'" and text == token.string  # nothing else on the line
        if plain and (token.string[1:].startswith(SQL_STARTS) or line.startswith("comment=")):
            exempt.add(token.start[0])
    return exempt


def test_every_golden_passes_the_lint_rules() -> None:
    done = _ruff(
        "check",
        f"--select={RULES}",
        "--ignore=B018",
        f"--config=builtins = {NOTEBOOK_GLOBALS}",
        "--output-format=json",
    )
    problems = []
    for found in json.loads(done.stdout):
        path, row = Path(found["filename"]), found["location"]["row"]
        if found["code"] == "E501" and row in _unwrappable_lines(path.read_text()):
            continue
        problems.append(f"{path.relative_to(ROOT)}:{row}: {found['code']} {found['message']}")
    assert not problems, "\n".join(problems)


def test_the_exemption_covers_only_sql_and_table_comments() -> None:
    source = (
        "spark.sql(\n    \"ALTER TABLE a.b.c SET TAGS ('x' = 'y')\"\n)\n"
        'print(\n    f"a message that is long"\n)\n'
        "x = 1  # ALTER TABLE in a trailing comment is code's comment, not quoted SQL\n"
        "# CREATE TABLE quoted in a comment line\n"
    )
    assert _unwrappable_lines(source) == {2, 8}


def _function_lengths() -> list[tuple[int, str]]:
    found = []
    for folder in ("dbx_architect", "magics", "widgets"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    length = (node.end_lineno or node.lineno) - node.lineno + 1
                    found.append((length, f"{path.relative_to(ROOT)}:{node.lineno} {node.name}"))
    return found


def test_no_function_in_the_package_reaches_60_lines() -> None:
    lengths = _function_lengths()
    assert len(lengths) > 300  # the walk found the package
    too_long = sorted(item for item in lengths if item[0] >= 60)
    assert not too_long, too_long
