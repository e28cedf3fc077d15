"""The guard's static check on a corpus of real-looking cells, and its messages for bad input."""

from __future__ import annotations

import pytest
from conftest import run
from guard_corpus import BENIGN, DESTRUCTIVE, Case
from IPython.core.error import UsageError
from IPython.core.inputtransformer2 import TransformerManager

from dbx_architect.guard.detect import analyze

_transform = TransformerManager().transform_cell


def found(case: Case) -> set[tuple[str, str]]:
    analysis = analyze(_transform(case.cell), case.namespace)
    assert not analysis.problems, analysis.problems
    return {(op.kind, op.target.lower()) for op in analysis.operations if op.target}


def test_the_corpus_is_big_enough() -> None:
    assert len(DESTRUCTIVE) >= 80 and len(BENIGN) >= 80


@pytest.mark.parametrize("case", DESTRUCTIVE, ids=[c.id for c in DESTRUCTIVE])
def test_every_destructive_cell_is_found(case: Case) -> None:
    assert found(case) == {(kind, target.lower()) for kind, target in case.ops}


@pytest.mark.parametrize("case", BENIGN, ids=[c.id for c in BENIGN])
def test_benign_cells_pass(case: Case) -> None:
    analysis = analyze(_transform(case.cell), case.namespace)
    assert analysis.operations == [] and analysis.problems == []


def test_line_numbers_point_at_the_call() -> None:
    cell = 'x = 1\n\n(df.write\n   .mode("overwrite")\n   .saveAsTable("main.s.t"))\nspark.sql("DROP TABLE a.b")\n'
    lines = [(op.kind, op.line) for op in analyze(cell).operations]
    assert lines == [("overwrite", 3), ("drop", 6)]


BAD = [
    (
        "%%guard\nspark.sql('DROP TABL main.s.t')\n",
        "%%guard: blocked: nothing in this cell ran. It would:\n"
        "  - cannot check line 1: cannot read this DROP statement: DROP TABL main.s.t\n"
        "Fix the SQL, or run it with %guard off.",
    ),
    (
        "%%guard --force\nx = 1\n",
        "%%guard: unknown option '--force'; use %%guard [--confirm NAME[,NAME...]] [--dry-run]",
    ),
    ("%%guard --confirm\nx = 1\n", "%%guard: --confirm needs the names it confirms"),
    (
        "%%guard --confirm main.s.t\nx = 1\n",
        "%%guard: --confirm must name exactly what the cell changes: not in this cell: main.s.t",
    ),
    (
        "%%guard --confirm main.s.x\nspark.sql('TRUNCATE TABLE main.s.t')\n",
        "%%guard: --confirm must name exactly what the cell changes: missing main.s.t; "
        "not in this cell: main.s.x",
    ),
    (
        "%guard maybe",
        "%guard: unknown command 'maybe'; use %guard on | off | status | log | allow [PATTERN] | disallow PATTERN",
    ),
    ("%guard disallow main.*", "%guard disallow: main.* is not allowed now"),
]


@pytest.mark.parametrize(("cell", "message"), BAD, ids=range(len(BAD)))
def test_bad_input_gets_one_clear_message(shell, cell: str, message: str) -> None:
    result = run(shell, cell)
    assert isinstance(result.error_in_exec, UsageError)
    assert str(result.error_in_exec) == message


def test_a_syntax_error_is_pythons_own(shell) -> None:
    result = run(shell, "%%guard\ndf.write.mode('overwrite'.saveAsTable('t')\n")
    assert result.error_in_exec is None  # the magic itself did not fail...
    inner = shell.magics_manager.registry["GuardMagics"]
    assert inner.last_result is None
    run(shell, "%guard on")
    try:
        result = run(shell, "df.write.mode('overwrite'.saveAsTable('t')\n")
        assert isinstance(result.error_before_exec, SyntaxError)  # ...Python reports it
    finally:
        run(shell, "%guard off")


def test_dry_run_shows_the_plan_and_runs_nothing(shell, capsys) -> None:
    run(shell, "%guard allow main.sandbox.*")
    run(
        shell,
        "%%guard --dry-run\nmarker = 1\nspark.sql('DROP TABLE main.sandbox.t')\n"
        "spark.sql('DELETE FROM main.s.t')\n",
    )
    out = capsys.readouterr().out
    assert "marker" not in shell.user_ns
    assert "delete main.s.t (line 3, spark.sql, all rows): needs confirmation" in out
    assert "drop main.sandbox.t (line 2, spark.sql): allowed (%guard allow)" in out
    assert out.rstrip().endswith("Confirm with: %%guard --confirm main.s.t")


def test_a_failing_guard_blocks_and_stays_on(shell, monkeypatch) -> None:
    magics = shell.magics_manager.registry["GuardMagics"]
    run(shell, "%guard on")
    try:
        monkeypatch.setattr(magics.guard, "judge", lambda *a: 1 / 0)
        result = run(shell, "marker = 2")
        assert "the guard failed (ZeroDivisionError" in str(result.error_before_exec)
        assert "marker" not in shell.user_ns
        assert magics.transformer in shell.ast_transformers  # not unregistered
    finally:
        monkeypatch.undo()
        run(shell, "%guard off")
    assert magics.transformer not in shell.ast_transformers
