"""The guard's static check on a corpus of real-looking cells, and its messages for bad input."""

from __future__ import annotations

import pytest
from conftest import run
from guard_corpus import BENIGN, DESTRUCTIVE, Case
from hypothesis import given, settings
from hypothesis import strategies as st
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
    # Nothing to confirm; at most calls the runtime layer judges when they run.
    assert [op for op in analysis.operations if not op.pending] == []
    assert analysis.problems == []


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
    (
        "%guard on now",
        "%guard on: unexpected 'now'; use %guard on | off | status | log | allow [PATTERN] | disallow PATTERN",
    ),
    (
        "%guard off please",
        "%guard off: unexpected 'please'; use %guard on | off | status | log | allow [PATTERN] | disallow PATTERN",
    ),
    (
        "%guard disallow",
        "%guard disallow: name the pattern to remove; use %guard on | off | status | log | allow [PATTERN] | disallow PATTERN",
    ),
    (
        '%%guard\nfor t in spark.catalog.listTables("main.s"):\n    spark.sql(f"DROP TABLE main.s.{t.name}")\nspark.sql("DELETE FROM main.s.log")\n',
        "%%guard: blocked: nothing in this cell ran. It would:\n"
        "  - drop (target unknown) (line 2, spark.sql)\n"
        "  - delete main.s.log (line 3, spark.sql, all rows)\n"
        "The guard cannot name what line 2 changes before the cell runs: write the tables or paths in place of NAME; while the cell runs, only the named ones may change.\n"
        "To run it, change the first line to:\n"
        "%%guard --confirm main.s.log,NAME[,NAME...]",
    ),
    (
        "%%guard --confirm main.s.a\nspark.sql(f\"DROP TABLE {pick()}\")\nspark.sql('DELETE FROM main.s.log')\n",
        "%%guard: --confirm must name exactly what the cell changes: missing main.s.log",
    ),
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
        monkeypatch.setattr(magics.state, "judge", lambda *a: 1 / 0)
        result = run(shell, "marker = 2")
        assert "the guard failed (ZeroDivisionError" in str(result.error_before_exec)
        assert "marker" not in shell.user_ns
        assert magics.transformer in shell.ast_transformers  # not unregistered
    finally:
        monkeypatch.undo()
        run(shell, "%guard off")
    assert magics.transformer not in shell.ast_transformers


def test_confirming_unknown_targets_lets_exactly_those_through(shell, tmp_path) -> None:
    """Two tables' folders under a data root, removed in a loop over a function's result."""
    root = tmp_path / ".dbx_architect"
    tables = [root / "a", root / "b"]
    for table in tables:
        (table / "_delta_log").mkdir(parents=True)
    shell.push({"root": str(root), "names": lambda: ["a", "b"]})
    cell = "import os, shutil\nfor n in names():\n    shutil.rmtree(os.path.join(root, n))\n"
    result = run(shell, f"%%guard\n{cell}")
    assert "remove files (target unknown) (line 3, shutil.rmtree)" in str(result.error_in_exec)
    assert all(t.exists() for t in tables)
    assert run(shell, f"%%guard --confirm {tables[0]}\n{cell}").error_in_exec is None
    inner = shell.magics_manager.registry["GuardMagics"].last_result.error_in_exec
    assert f"stopped remove files {tables[1]} (shutil.rmtree)" in str(inner)
    assert not tables[0].exists() and tables[1].exists()


def test_allow_patterns_match_normalised_paths(shell, capsys) -> None:
    run(shell, "%guard allow dbfs:/tmp/* Main.Sandbox.*")
    out = capsys.readouterr().out
    assert out.strip() == "allowed without confirmation: dbfs:/tmp/*, main.sandbox.*"
    run(
        shell,
        "%%guard --dry-run\nimport shutil\nshutil.rmtree('dbfs:/tmp/../mnt/prod')\n"
        "shutil.rmtree('dbfs:/tmp/./a/../b')\nspark.sql('DROP TABLE MAIN.sandbox.T')\n"
        "shutil.rmtree('dbfs:/TMP/x')\n",
    )
    out = capsys.readouterr().out
    assert "remove files dbfs:/mnt/prod (line 2, shutil.rmtree): needs confirmation" in out
    assert "remove files dbfs:/tmp/b (line 3, shutil.rmtree): allowed" in out
    assert "drop MAIN.sandbox.T (line 4, spark.sql): allowed" in out
    assert "remove files dbfs:/TMP/x (line 5, shutil.rmtree): needs confirmation" in out


def test_a_block_inside_capture_is_still_shown(shell, tmp_path, capsys) -> None:
    table = tmp_path / "t"
    (table / "_delta_log").mkdir(parents=True)
    shell.push({"where": lambda: str(table)})
    run(shell, "%guard on")
    try:
        # Read before the capture starts: the whole cell is held, and IPython shows why.
        result = run(shell, "%%capture\nmarker = 1\nspark.sql('DROP TABLE main.s.t')\n")
        assert str(result.error_before_exec).startswith("%guard: blocked")
        assert "marker" not in shell.user_ns
        # Stopped inside the capture: the capture swallows the error, the guard repeats it.
        capsys.readouterr()
        result = run(shell, "%%capture\nimport shutil\nshutil.rmtree(where())\n")
        assert result.error_in_exec is None and table.exists()
        err = capsys.readouterr().err
        assert f"%guard: stopped remove files {table} (shutil.rmtree)" in err
        assert "shown here because the cell's output was captured" in err
        # Nothing is repeated for a stop the user saw.
        result = run(shell, "import shutil\nshutil.rmtree(where())\n")
        assert "stopped remove files" in str(result.error_in_exec)
        assert "shown here" not in capsys.readouterr().err
    finally:
        run(shell, "%guard off")


def test_off_and_unload_put_the_originals_back(shell) -> None:
    import os
    import shutil
    from pathlib import Path

    originals = (os.remove, os.unlink, shutil.rmtree, Path.unlink, shell.system)
    run(shell, "from shutil import rmtree as wipe")
    run(shell, "%guard on")
    assert shutil.rmtree is not originals[2] and shutil.rmtree.__wrapped__ is originals[2]
    assert shell.user_ns["wipe"] is shutil.rmtree  # bound before the guard: rebound
    run(shell, "%guard off")
    assert (os.remove, os.unlink, shutil.rmtree, Path.unlink, shell.system) == originals
    assert shell.user_ns["wipe"] is originals[2]
    run(shell, "%guard on")
    run(shell, "%unload_ext dbx_architect")
    assert (os.remove, os.unlink, shutil.rmtree, Path.unlink, shell.system) == originals
    run(shell, "%load_ext dbx_architect")


def _readme_section() -> str:
    from conftest import ROOT

    text = (ROOT / "README.md").read_text()
    return text[text.index("## `%%guard`") : text.index("## Forms")]


def test_the_readme_lists_exactly_the_guarded_kinds() -> None:
    import re

    from dbx_architect.guard.kinds import KINDS, NOT_GUARDED

    section = _readme_section()
    guarded = section[section.index("What the guard holds") : section.index("Not guarded:")]
    assert dict(re.findall(r"^- `([^`]+)`: (.+)$", guarded, re.M)) == KINDS
    rest = section[section.index("Not guarded:") : section.index("Two layers.")]
    assert re.findall(r"^- (.+)$", rest, re.M) == list(NOT_GUARDED)


def test_the_corpora_find_every_kind_and_no_other() -> None:
    """Every kind the static check reports is listed; the evasion corpus exercises each."""
    from guard_evasion_corpus import DESTRUCTIVE as EVASIONS

    from dbx_architect.guard.kinds import KINDS

    seen = set()
    for case in EVASIONS:
        cell = case.cell.replace("@DATA@", "/Volumes/main/evasion").replace("@SCRATCH@", "/tmp/s")
        namespace = {
            k: v.replace("@DATA@", "/Volumes/main/evasion") if isinstance(v, str) else v
            for k, v in case.namespace.items()
        }
        seen |= {
            op.kind for op in analyze(_transform(cell), namespace).operations if not op.pending
        }
    corpus = {kind for case in DESTRUCTIVE for kind, _ in case.ops}
    assert corpus <= set(KINDS)
    assert seen == set(KINDS)


def test_the_confirmation_a_stop_suggests_lets_the_call_run(shell, tmp_path) -> None:
    table = tmp_path / "t"
    (table / "_delta_log").mkdir(parents=True)
    shell.push({"where": lambda: str(table)})
    magics = shell.magics_manager.registry["GuardMagics"]
    cell = "import shutil\nshutil.rmtree(where())\n"
    assert run(shell, f"%%guard\n{cell}").error_in_exec is None  # nothing to confirm before...
    stop = str(magics.last_result.error_in_exec)  # ...the runtime layer stopped the call
    suggested = stop.split("first line: ")[1]
    assert suggested == f"%%guard --confirm {table}" and table.exists()
    assert run(shell, f"{suggested}\n{cell}").error_in_exec is None
    assert magics.last_result.success and not table.exists()


STATEMENTS = {
    "DROP TABLE main.s.t": "drop",
    "DELETE FROM main.s.t WHERE 1 = 1": "delete",
    "TRUNCATE TABLE main.s.t": "truncate",
    "INSERT OVERWRITE main.s.t SELECT 1": "overwrite",
    "VACUUM main.s.t RETAIN 0 HOURS": "vacuum",
    "UPDATE main.s.t SET a = 1": "update",
}


def _spelled(part: str, how: int, index: int, cell: list[str], namespace: dict) -> str:
    """One piece of a query as Python: a literal, a variable of this or an earlier cell..."""
    name = f"p{index}"
    if how == 1:
        namespace[name] = part
        return name
    if how == 2:
        cell.append(f"{name} = {part!r}")
        return name
    if how == 3:
        namespace[name] = part
        return f'f"{{{name}}}"'
    if how == 4:
        namespace[name] = part
        return f'"{{}}".format({name})'
    if how == 5:
        return f'"%s" % ({part!r},)'
    if how == 6:
        return f'"".join([{part!r}])'
    return repr(part)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(sorted(STATEMENTS)), st.data())
def test_a_query_built_from_pieces_is_still_read(statement: str, data) -> None:
    cuts = sorted(data.draw(st.sets(st.integers(1, len(statement) - 1), max_size=4)))
    pieces = [statement[a:b] for a, b in zip([0, *cuts], [*cuts, len(statement)], strict=True)]
    cell: list[str] = []
    namespace: dict = {}
    ways = data.draw(st.lists(st.integers(0, 6), min_size=len(pieces), max_size=len(pieces)))
    spelled = [
        _spelled(p, w, i, cell, namespace)
        for i, (p, w) in enumerate(zip(pieces, ways, strict=True))
    ]
    unknown = data.draw(st.none() | st.integers(0, len(pieces) - 1))
    if unknown is not None:  # one piece only known at run time
        spelled[unknown] = "piece()"
    cell.append(f"spark.sql({' + '.join(spelled)})")
    operations = analyze("\n".join(cell), namespace).operations
    if unknown is None:  # every piece known: the operation and its target, exactly
        assert [(op.kind, op.target) for op in operations] == [(STATEMENTS[statement], "main.s.t")]
    else:  # something is always reported: blocked (target unknown) or judged when it runs
        assert operations and all(op.target in (None, "main.s.t") for op in operations)
