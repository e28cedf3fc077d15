"""%%guard and %guard on on local Spark + Delta: blocked means unchanged; confirmed, undoable."""

from __future__ import annotations

import itertools
import re

import pytest
from conftest import run
from IPython.core.error import UsageError

pytestmark = pytest.mark.spark
_ids = itertools.count()


@pytest.fixture
def table(shell, spark):
    """A fresh Delta table with 5 rows (two versions: create, insert)."""
    name = f"default.guarded_{next(_ids)}"
    spark.sql(f"CREATE TABLE {name} (id INT, label STRING) USING DELTA")
    spark.sql(f"INSERT INTO {name} VALUES (1, 'a'), (2, 'b'), (3, 'c'), (4, 'd'), (5, 'e')")
    shell.push({"spark": spark, "name": name})
    yield name
    spark.sql(f"DROP TABLE IF EXISTS {name}")


def state(spark, name: str) -> tuple[int, int]:
    """(row count, latest Delta version)."""
    version = spark.sql(f"DESCRIBE HISTORY {name} LIMIT 1").first()["version"]
    return spark.table(name).count(), version


OVERWRITE = "spark.range(2).selectExpr('CAST(id AS INT) AS id', \"'z' AS label\")" + (
    '.write.format("delta").mode("overwrite").saveAsTable("{name}")'
)


def test_blocked_overwrite_leaves_the_table_unchanged(shell, spark, table, capsys) -> None:
    before = state(spark, table)
    result = run(shell, f"%%guard\nmarker = 'ran'\n{OVERWRITE.format(name=table)}\n")
    assert isinstance(result.error_in_exec, UsageError)
    message = str(result.error_in_exec)
    assert f"overwrite {table} (line 2, DataFrameWriter.saveAsTable)" in message
    assert message.endswith(f"%%guard --confirm {table}")
    assert "marker" not in shell.user_ns  # nothing in the cell ran, not even the harmless line
    assert state(spark, table) == before


def test_confirmed_overwrite_runs_and_its_restore_line_undoes_it(
    shell, spark, table, capsys
) -> None:
    before = state(spark, table)
    rows_before = sorted(spark.table(table).collect())
    result = run(shell, f"%%guard --confirm {table}\n{OVERWRITE.format(name=table)}\n")
    assert result.error_in_exec is None
    assert spark.table(table).count() == 2
    out = capsys.readouterr().out
    restore = re.search(r"RESTORE TABLE \S+ TO VERSION AS OF \d+", out).group(0)
    assert restore == f"RESTORE TABLE {table} TO VERSION AS OF {before[1]}"

    run(shell, "%guard log")
    assert restore in capsys.readouterr().out

    # The rollback line is itself destructive: it goes through the guard like anything else.
    blocked = run(shell, f'%%guard\nspark.sql("{restore}")\n')
    assert isinstance(blocked.error_in_exec, UsageError)
    assert f"restore {table}" in str(blocked.error_in_exec)
    assert run(shell, f'%%guard --confirm {table}\nspark.sql("{restore}")\n').error_in_exec is None
    assert sorted(spark.table(table).collect()) == rows_before


def test_confirm_must_name_exactly_the_targets(shell, spark, table) -> None:
    cell = f'{OVERWRITE.format(name=table)}\nspark.sql("TRUNCATE TABLE {table}_other")\n'
    result = run(shell, f"%%guard --confirm {table},default.nothing_here\n{cell}")
    assert str(result.error_in_exec) == (
        "%%guard: --confirm must name exactly what the cell changes: missing "
        f"{table}_other; not in this cell: default.nothing_here"
    )
    assert spark.table(table).count() == 5


def test_runtime_layer_stops_a_query_built_by_a_function(shell, spark, table, capsys) -> None:
    shell.push({"build": lambda t: "DROP" + " TABLE " + t})
    result = run(shell, "%%guard\nspark.sql(build(name))\n")
    assert result.error_in_exec is None  # the %%guard cell itself ran the check...
    error = shell.magics_manager.registry["GuardMagics"].last_result.error_in_exec
    assert error is not None and "stopped drop" in str(error)  # ...and the call was stopped
    assert spark.catalog.tableExists(table)
    run(shell, "%%guard --dry-run\nspark.sql(build(name))\n")
    assert "checked when it runs" in capsys.readouterr().out


def test_guard_on_checks_every_cell_until_off(shell, spark, table) -> None:
    run(shell, "%guard on")
    try:
        before = state(spark, table)
        result = run(shell, 'spark.sql(f"DELETE FROM {name}")')
        assert result.error_before_exec is not None  # InputRejected: the cell never started
        assert "delete " + table in str(result.error_before_exec)
        assert state(spark, table) == before
        # A query only known at run time is stopped by the runtime layer.
        shell.push({"query": "DROP TABLE " + table})
        result = run(shell, "q = query\nspark.sql(q if True else '')")
        assert "stopped drop" in str(result.error_in_exec)
        assert spark.catalog.tableExists(table)
        # Safe cells run as usual, including appends and reads of tables named like commands.
        assert run(
            shell, 'spark.table(name).write.format("delta").mode("append").saveAsTable(name)'
        ).success
        assert state(spark, table)[0] == 10
        # Allow-lists let a sandbox through without confirmation.
        run(shell, "%guard allow default.guarded_*")
        assert run(shell, 'spark.sql(f"DELETE FROM {name} WHERE id > 3")').success
        assert spark.table(table).count() == 6
    finally:
        run(shell, "%guard off")
    assert run(shell, 'spark.sql(f"DELETE FROM {name} WHERE id = 1")').success
    from pyspark.sql import SparkSession

    assert SparkSession.sql.__name__ == "sql" and not hasattr(SparkSession.sql, "__wrapped__")


def test_a_full_bronze_load_passes_the_same_guard(shell, spark, tmp_path, capsys) -> None:
    (tmp_path / "stores.csv").write_text("store,region\nnorth,N\nsouth,S\n")
    shell.push({"spark": spark})
    run(shell, "%guard on")
    try:
        result = run(
            shell, f"%%bronze stores_{next(_ids)} --run\nsource: ./stores.csv\nload: full\n"
        )
        message = str(result.error_in_exec)
        assert "expanded in place, not run" in message
        confirm = message.splitlines()[-1]
        assert confirm.startswith("%%guard --confirm spark_catalog.bronze.stores_")
        target = confirm.split()[-1]
        assert not spark.catalog.tableExists(target)
        expanded = shell.replaced.calls[-1][0]
        assert run(shell, f"{confirm}\n{expanded}").success
        assert shell.magics_manager.registry["GuardMagics"].last_result.success
        assert spark.table(target).count() == 2
        assert "no rollback" in capsys.readouterr().out  # the table did not exist before
    finally:
        run(shell, "%guard off")


@pytest.fixture
def vacuum_settings(spark):
    """VACUUM lists files with Spark's default of 10,000 tasks: 2 are plenty for 5 rows."""
    settings = {
        "spark.databricks.delta.retentionDurationCheck.enabled": "false",
        "spark.sql.sources.parallelPartitionDiscovery.parallelism": "2",
    }
    before = {key: spark.conf.get(key) for key in settings}
    for key, value in settings.items():
        spark.conf.set(key, value)
    yield
    for key, value in before.items():
        spark.conf.set(key, value)


def test_vacuum_warns_when_it_would_break_a_receipt(
    shell, spark, table, capsys, vacuum_settings
) -> None:
    run(shell, f"%%guard --confirm {table}\n{OVERWRITE.format(name=table)}\n")
    capsys.readouterr()
    assert run(
        shell, f'%%guard --confirm {table}\nspark.sql("VACUUM {table} RETAIN 0 HOURS")\n'
    ).success
    out = capsys.readouterr().out
    assert f"VACUUM {table} keeps 0 hours of history" in out
    assert "no longer works" in out


def test_the_confirm_button_runs_the_held_cell(shell, spark, table, monkeypatch) -> None:
    magics = shell.magics_manager.registry["GuardMagics"]
    monkeypatch.setattr(shell, "kernel", object(), raising=False)  # as in a front end
    result = run(shell, '%%guard\nspark.sql(f"DELETE FROM {name} WHERE id <= 2")\n')
    assert isinstance(result.error_in_exec, UsageError)
    button = magics.last_offer
    assert button is not None and table in button.description
    assert spark.table(table).count() == 5
    button.click()
    assert spark.table(table).count() == 3
    assert button.disabled


def test_confirming_a_target_the_check_cannot_name(shell, spark, table, capsys) -> None:
    """Fail closed: held until named; then exactly the named table changes, with a receipt."""
    shell.push({"names": lambda: [table, f"{table}_not_named"]})
    cell = 'for t in names():\n    spark.sql(f"DELETE FROM {t} WHERE id > 3")\n'
    before = state(spark, table)
    held = run(shell, f"%%guard\n{cell}")
    assert "delete (target unknown) (line 2, spark.sql)" in str(held.error_in_exec)
    assert state(spark, table) == before
    assert run(shell, f"%%guard --confirm {table}\n{cell}").error_in_exec is None
    stopped = shell.magics_manager.registry["GuardMagics"].last_result.error_in_exec
    assert f"stopped delete {table}_not_named (SparkSession.sql)" in str(stopped)
    assert spark.table(table).count() == 3
    out = capsys.readouterr().out
    assert f"RESTORE TABLE {table} TO VERSION AS OF {before[1]}" in out


def test_an_update_of_every_row_is_held_and_gets_a_receipt(shell, spark, table, capsys) -> None:
    before = state(spark, table)
    labels = sorted(r.label for r in spark.table(table).collect())
    cell = f"spark.sql(\"UPDATE {table} SET label = 'gone'\")\n"
    held = run(shell, f"%%guard\n{cell}")
    assert f"update {table} (line 1, spark.sql, all rows)" in str(held.error_in_exec)
    assert state(spark, table) == before
    assert run(shell, f"%%guard --confirm {table}\n{cell}").error_in_exec is None
    assert {r.label for r in spark.table(table).collect()} == {"gone"}
    restore = f"RESTORE TABLE {table} TO VERSION AS OF {before[1]}"
    assert restore in capsys.readouterr().out
    assert run(shell, f'%%guard --confirm {table}\nspark.sql("{restore}")\n').error_in_exec is None
    assert sorted(r.label for r in spark.table(table).collect()) == labels
