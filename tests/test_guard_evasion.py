"""The evasion corpus through a real shell with ``%guard on``, on real Delta tables and files.

Every destructive cell of tests/guard_evasion_corpus.py must be held by the layer it names,
with nothing changed: no Delta table got a new version (its ``_delta_log`` after each cell,
``DESCRIBE HISTORY`` before and after the corpus), no file on the data path is gone, the
retention check is still on; a cell the static layer held did not run at all (its marker
variable is not set). Benign look-alikes run; at most one of them may be held.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from conftest import run
from guard_evasion_corpus import BENIGN, COMMON, DESTRUCTIVE, Evasion
from IPython.core.error import InputRejected, UsageError

from dbx_architect.guard.core import GuardBlocked

pytestmark = pytest.mark.spark

TARGETS = ("default.ev_orders", "default.ev_events", "default.ev_dim")
SINK = "default.ev_sink"
MADE_BY_BENIGN = ("ev_new", "ev_new_error", "ev_new_v2", "ev_new_builder", "ev_sandbox_y")
RETENTION = "spark.databricks.delta.retentionDurationCheck.enabled"
DEFAULT_FORMAT = "spark.sql.sources.default"
MARKER = "_evasion_marker"
CAPTURED = "shown here because the cell's output was captured"
SESSION_SETTINGS = (
    "spark.sql.shuffle.partitions",
    "spark.sql.sources.parallelPartitionDiscovery.parallelism",
    RETENTION,
)


class LocalFs:
    """``dbutils.fs`` on local files: a path without a scheme is DBFS there, local here."""

    @staticmethod
    def local(path: str) -> str:
        return re.sub(r"^(file|dbfs):", "", path)

    def rm(self, dir: str, recurse: bool = False) -> bool:
        path = self.local(dir)
        if os.path.isdir(path):
            shutil.rmtree(path) if recurse else os.rmdir(path)
        else:
            os.remove(path)
        return True

    def mv(self, from_: str, to: str, recurse: bool = False) -> bool:
        shutil.move(self.local(from_), self.local(to))
        return True

    def cp(self, from_: str, to: str, recurse: bool = False) -> bool:
        shutil.copy(self.local(from_), self.local(to))
        return True

    def ls(self, dir: str) -> list[str]:
        return sorted(os.listdir(self.local(dir)))


class LocalDbutils:
    def __init__(self) -> None:
        self.fs = LocalFs()


@dataclass
class World:
    """The tables, files and names the corpus cells act on."""

    spark: Any
    data: Path  # counts as a data path: inside a .dbx_architect root
    scratch: Path  # does not
    locations: dict[str, Path]  # Delta table -> its folder
    frames: dict[str, Any] = field(default_factory=dict)

    def fill(self, text: str) -> str:
        return text.replace("@DATA@", str(self.data)).replace("@SCRATCH@", str(self.scratch))

    def names(self) -> dict[str, Any]:
        spark = self.spark
        if not self.frames:
            self.frames["df"] = spark.table("default.ev_events")
            self.frames["src"] = spark.createDataFrame([(1, "z")], "id INT, label STRING")
        return {
            "spark": spark,
            **self.frames,
            "dbutils": LocalDbutils(),
            "DATA": str(self.data),
            "SCRATCH": str(self.scratch),
        }

    def state(self) -> tuple[dict[str, int | None], list[str], str]:
        """(latest Delta version per table, files on the data path, the retention check)."""
        versions = {name: _latest(folder) for name, folder in self.locations.items()}
        files = sorted(str(p.relative_to(self.data)) for p in self.data.rglob("*"))
        return versions, files, self.spark.conf.get(RETENTION, "true")

    def history(self) -> dict[str, int]:
        return {
            t: self.spark.sql(f"DESCRIBE HISTORY {t} LIMIT 1").first()["version"] for t in TARGETS
        }


def _latest(folder: Path) -> int | None:
    log = folder / "_delta_log"
    versions = [int(p.stem) for p in log.glob("*.json")] if log.is_dir() else []
    return max(versions) if versions else None


def build(world: World) -> None:
    """(Re)create the tables and files: five rows per table, a few files per folder."""
    spark = world.spark
    rows = spark.createDataFrame([(i, f"r{i}") for i in range(1, 6)], "id INT, label STRING")
    for name in (*TARGETS, SINK):
        spark.sql(f"DROP TABLE IF EXISTS {name}")
        rows.write.format("delta").saveAsTable(name)
        location = spark.sql(f"DESCRIBE DETAIL {name}").first()["location"]
        world.locations[name] = Path(location.removeprefix("file:"))
    shutil.rmtree(world.data, ignore_errors=True)
    rows.write.format("delta").save(str(world.data / "tables" / "ev_path"))
    world.locations["ev_path"] = world.data / "tables" / "ev_path"
    spark.sql("CREATE SCHEMA IF NOT EXISTS ev_schema")
    spark.sql("CREATE TABLE IF NOT EXISTS ev_schema.kept (id INT) USING DELTA")
    world.locations["ev_schema.kept"] = Path(
        spark.sql("DESCRIBE DETAIL ev_schema.kept").first()["location"].removeprefix("file:")
    )
    for relative in ("landing/a.csv", "landing/b.csv", "files/p/part-0.txt", "scratch/x.txt"):
        (world.data / relative).parent.mkdir(parents=True, exist_ok=True)
        (world.data / relative).write_text("id,label\n1,a\n")
    (world.data / "empty").mkdir(exist_ok=True)
    spark.conf.set(RETENTION, "true")
    world.frames.clear()  # DataFrames over the tables just replaced


@pytest.fixture(scope="module")
def world(spark, tmp_path_factory):
    warehouse = Path(spark.conf.get("spark.sql.warehouse.dir").removeprefix("file:"))
    made = World(spark, warehouse.parent / "evasion", tmp_path_factory.mktemp("scratch"), {})
    build(made)
    yield made
    for name in (*TARGETS, SINK, *(f"default.{n}" for n in MADE_BY_BENIGN)):
        spark.sql(f"DROP TABLE IF EXISTS {name}")
    spark.sql("DROP SCHEMA IF EXISTS ev_schema CASCADE")
    shutil.rmtree(made.data, ignore_errors=True)


def sql_magic(line: str, cell: str | None = None) -> Any:
    """``%sql`` / ``%%sql`` as on Databricks: each statement through ``spark.sql``."""
    from IPython import get_ipython
    from sqlglot.tokens import Tokenizer, TokenType

    text = cell if cell is not None else line
    statements, current = [], []
    for token in Tokenizer(dialect="databricks").tokenize(text):
        if token.token_type == TokenType.SEMICOLON:
            statements.append(current)
            current = []
        else:
            current.append(token)
    statements.append(current)
    spark = get_ipython().user_ns["spark"]
    result = None
    for tokens in filter(None, statements):
        result = spark.sql(text[tokens[0].start : tokens[-1].end + 1])
    return result


def fs_magic(line: str) -> Any:
    """``%fs rm [-r] PATH`` / ``%fs mv A B`` / ``%fs ls PATH`` as on Databricks: dbutils.fs."""
    from IPython import get_ipython

    fs = get_ipython().user_ns["dbutils"].fs
    command, *words = line.split()
    paths = [w for w in words if not w.startswith("-")]
    if command == "rm":
        return fs.rm(paths[0], "-r" in words)
    if command == "mv":
        return fs.mv(paths[0], paths[1], "-r" in words)
    return fs.ls(paths[0])


@pytest.fixture
def guarded(shell, world):
    """The shell with the corpus's earlier cells run, %sql and %fs registered."""
    shell.register_magic_function(sql_magic, "line_cell", "sql")
    shell.register_magic_function(fs_magic, "line", "fs")
    shell.push(world.names())
    default = world.spark.conf.get(DEFAULT_FORMAT)
    world.spark.conf.set(DEFAULT_FORMAT, "delta")  # as on Databricks
    yield shell
    run(shell, "%guard off")
    world.spark.conf.set(DEFAULT_FORMAT, default)


def with_marker(cell: str) -> str:
    """The cell with a first line that marks it ran (inside a cell magic that runs Python)."""
    if not cell.startswith("%%"):
        return f"{MARKER} = True\n{cell}"
    first, _, rest = cell.partition("\n")
    if first.split()[0] in ("%%capture", "%%time", "%%guard") and not rest.startswith("%%"):
        return f"{first}\n{MARKER} = True\n{rest}"
    return cell  # %%sql, %%bash: nothing Python to mark; the tables and files tell


def outcome(shell, result, shown: str) -> str | None:
    """Which layer held the cell (static / runtime / notice), or None if nothing did."""
    before, error = result.error_before_exec, result.error_in_exec
    if isinstance(before, InputRejected) and str(before).startswith("%guard"):
        return "static"
    if isinstance(error, UsageError) and str(error).startswith("%%guard"):
        return "static"
    if isinstance(error, GuardBlocked):
        return "runtime"
    inner = shell.magics_manager.registry["GuardMagics"].last_result
    if inner is not None and isinstance(inner.error_in_exec, GuardBlocked):
        return "runtime"
    if CAPTURED in shown and "%guard" in shown:
        return "notice"
    return None


def run_case(shell, world: World, case: Evasion, capsys) -> tuple[str | None, bool, Any]:
    """Run *case* with %guard on; (the layer that held it, whether it ran, its result)."""
    magics = shell.magics_manager.registry["GuardMagics"]
    magics.state.allow.clear()
    magics.last_result = None
    names = set(shell.user_ns)
    run(shell, COMMON)
    if case.setup:
        assert run(shell, world.fill(case.setup)).success, case.setup
    shell.push({k: world.fill(v) if isinstance(v, str) else v for k, v in case.namespace.items()})
    try:
        run(shell, "%guard on")
        capsys.readouterr()
        result = run(shell, with_marker(world.fill(case.cell)))
        out = capsys.readouterr()
        ran = MARKER in shell.user_ns
        return outcome(shell, result, out.out + out.err), ran, result
    finally:
        run(shell, "%guard off")
        for name in set(shell.user_ns) - names:
            del shell.user_ns[name]
        shell.push(world.names())


def test_the_corpus_is_big_enough() -> None:
    assert len(DESTRUCTIVE) >= 120 and len(BENIGN) >= 120
    layers = {case.layer for case in DESTRUCTIVE}
    assert layers == {"static", "runtime", "notice"}


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_every_evasion_is_held_and_changes_nothing(guarded, world, capsys) -> None:
    started = time.perf_counter()
    history = world.history()
    failures = []
    slowest = []
    for case in DESTRUCTIVE:
        before = world.state()
        tick = time.perf_counter()
        layer, ran, result = run_case(guarded, world, case, capsys)
        slowest.append((time.perf_counter() - tick, case.id))
        after = world.state()
        problems = []
        if layer != case.layer:
            error = result.error_before_exec or result.error_in_exec
            problems.append(f"held by {layer}, expected {case.layer} ({error!r:.150})")
        if case.layer == "static" and ran:
            problems.append("its first line ran")
        if after != before:
            problems.append(f"changed: {_difference(before, after)}")
            build(world)
        if problems:
            failures.append(f"{case.id}: {'; '.join(problems)}")
    with capsys.disabled():
        seconds = time.perf_counter() - started
        print(f"\n{len(DESTRUCTIVE)} evasion cells in {seconds:.1f} s")
        print(f"slowest: {sorted(slowest)[-5:]}")
    assert failures == [], "\n".join(failures)
    assert world.history() == history


def test_benign_look_alikes_run(guarded, world, capsys) -> None:
    started = time.perf_counter()
    settings = {key: world.spark.conf.get(key) for key in SESSION_SETTINGS}
    held, failed, slowest = [], [], []
    for case in BENIGN:
        tick = time.perf_counter()
        layer, _, result = run_case(guarded, world, case, capsys)
        slowest.append((round(time.perf_counter() - tick, 2), case.id))
        if layer is not None:
            held.append(f"{case.id} ({layer})")
        elif not result.success:
            error = result.error_before_exec or result.error_in_exec
            failed.append(f"{case.id}: {type(error).__name__}: {str(error)[:300]}")
    with capsys.disabled():
        seconds = time.perf_counter() - started
        print(f"\n{len(BENIGN)} benign cells in {seconds:.1f} s; held: {held}")
        print(f"slowest: {sorted(slowest)[-25:]}")
    for key, value in settings.items():  # a few cells set them, as notebooks do
        world.spark.conf.set(key, value)
    assert len(held) <= 1, held
    assert failed == [], "\n".join(failed)


def _difference(before: tuple, after: tuple) -> str:
    parts = []
    for name in ("versions", "files", "retention check"):
        old, new = before[len(parts)], after[len(parts)]
        parts.append(f"{name} {old} -> {new}" if old != new else "")
    return "; ".join(p for p in parts if p)
