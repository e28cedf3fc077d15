"""The generated %%bronze code, executed on a real local Spark + Delta session."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import background_job, job_env, run, run_process

pytestmark = pytest.mark.spark
_schemas = itertools.count()


@pytest.fixture
def lake(shell, spark, tmp_path):
    """A shell with ``spark`` in it and a Bronze schema of its own for this test."""
    schema = f"bronze_t{next(_schemas)}"
    shell.push({"spark": spark})
    shell.run_line_magic("dbx_config", f"bronze_schema={schema}")
    (tmp_path / "landing").mkdir()
    return shell, spark, schema, tmp_path / "landing"


def write_csv(folder: Path, name: str, rows: list[tuple]) -> None:
    lines = ["id,store,amount"] + [",".join(str(v) for v in row) for row in rows]
    (folder / name).write_text("\n".join(lines) + "\n")


def expand_and_run(shell, cell: str) -> str:
    result = run(shell, cell)
    assert result.error_in_exec is None, result.error_in_exec
    return shell.replaced.calls[-1][0]


CSV_CELL = """%%bronze sales --run
source: ./landing/
format: csv
schema: id INT, store STRING, amount DOUBLE
"""


def test_dbx_spark_injects_the_session(shell, spark) -> None:
    shell.user_ns.pop("spark", None)
    shell.run_line_magic("dbx_spark", "")
    assert shell.user_ns["spark"] is spark


def test_incremental_append_picks_up_only_new_files(lake, capsys) -> None:
    shell, spark, schema, landing = lake
    table = f"spark_catalog.{schema}.sales"
    write_csv(landing, "part-001.csv", [(1, "A", 10.0), (2, "B", 20.0), (3, "A", 5.5)])
    expand_and_run(shell, CSV_CELL)
    rows = spark.table(table).collect()
    assert len(rows) == 3
    assert all(r["_ingested_at"] is not None for r in rows)
    assert {Path(r["_source_file"]).name for r in rows} == {"part-001.csv"}
    version = spark.sql(f"DESCRIBE HISTORY {table} LIMIT 1").first()["version"]

    expand_and_run(shell, CSV_CELL)
    assert spark.table(table).count() == 3
    assert spark.sql(f"DESCRIBE HISTORY {table} LIMIT 1").first()["version"] == version

    write_csv(landing, "part-002.csv", [(4, "C", 1.0), (5, "C", 2.0)])
    expand_and_run(shell, CSV_CELL)
    new = spark.table(table).where("_source_file LIKE '%part-002.csv'").collect()
    assert sorted(r["id"] for r in new) == [4, 5]
    assert spark.table(table).count() == 5
    assert "2 rows read, 5 rows now" in capsys.readouterr().out


def test_incremental_merge_updates_changed_rows(lake) -> None:
    shell, spark, schema, landing = lake
    table = f"spark_catalog.{schema}.sales"
    cell = CSV_CELL + "keys: [id]\ncluster_by: [id]\n"
    write_csv(landing, "part-001.csv", [(1, "A", 10.0), (2, "B", 20.0), (3, "A", 5.5)])
    expand_and_run(shell, cell)
    write_csv(landing, "part-002.csv", [(2, "B", 99.0), (4, "D", 7.0), (4, "D", 8.0)])
    expand_and_run(shell, cell)
    rows = {r["id"]: r for r in spark.table(table).collect()}
    assert sorted(rows) == [1, 2, 3, 4]
    assert rows[2]["amount"] == 99.0
    assert Path(rows[2]["_source_file"]).name == "part-002.csv"
    assert rows[1]["amount"] == 10.0
    expand_and_run(shell, cell)
    assert spark.table(table).count() == 4


def test_table_is_governed(lake) -> None:
    shell, spark, schema, landing = lake
    table = f"spark_catalog.{schema}.sales"
    write_csv(landing, "part-001.csv", [(1, "A", 10.0)])
    text = expand_and_run(
        shell,
        CSV_CELL + "cluster_by: [store]\ncomment: Till rolls\nproperties: {quality: bronze}\n"
        "owner: data-eng\ntags: {pii: false}\n",
    )
    detail = spark.sql(f"DESCRIBE DETAIL {table}").first()
    assert detail["format"] == "delta"
    assert detail["description"] == "Till rolls"
    assert detail["clusteringColumns"] == ["store"]
    assert detail["properties"]["delta.enableChangeDataFeed"] == "true"
    assert detail["properties"]["quality"] == "bronze"
    columns = [f.name for f in spark.table(table).schema]
    assert columns == ["id", "store", "amount", "_ingested_at", "_source_file"]
    assert f"#   ALTER TABLE {table} SET OWNER TO `data-eng`" in text


def test_partitioned_json_incremental(lake) -> None:
    shell, spark, schema, landing = lake
    lines = [
        json.dumps({"id": i, "store": s, "amount": a}) for i, s, a in [(1, "A", 1.0), (2, "B", 2)]
    ]
    (landing / "a.json").write_text("\n".join(lines) + "\n")
    cell = (
        "%%bronze events --run\nsource: ./landing/\nformat: json\n"
        "schema: id INT, store STRING, amount DOUBLE\npartition_by: [store]\n"
    )
    expand_and_run(shell, cell)
    detail = spark.sql(f"DESCRIBE DETAIL spark_catalog.{schema}.events").first()
    assert detail["partitionColumns"] == ["store"]
    assert spark.table(f"spark_catalog.{schema}.events").count() == 2


def test_full_load_replaces_and_can_be_undone(lake, capsys) -> None:
    shell, spark, schema, landing = lake
    table = f"spark_catalog.{schema}.sales_full"
    write_csv(landing, "part-001.csv", [(1, "A", 10.0), (2, "B", 20.0)])
    cell = "%%bronze sales_full --run\nsource: ./landing/\nformat: csv\nload: full\n"
    expand_and_run(shell, cell)
    write_csv(landing, "part-002.csv", [(3, "C", 1.0)])
    expand_and_run(shell, cell)
    assert spark.table(table).count() == 3
    out = capsys.readouterr().out
    restore = [line for line in out.splitlines() if line.startswith("To undo")][-1]
    spark.sql(restore.split(": ", 1)[1])
    assert spark.table(table).count() == 2


def test_table_source_streams_new_commits(lake) -> None:
    shell, spark, schema, landing = lake
    source = f"spark_catalog.{schema}.raw_feed"
    spark.sql(f"CREATE SCHEMA IF NOT EXISTS spark_catalog.{schema}")
    spark.createDataFrame([(1, "a"), (2, "b")], "id INT, v STRING").write.saveAsTable(source)
    cell = f"%%bronze feed --run\nsource: {schema}.raw_feed\nkeys: [id]\n"
    expand_and_run(shell, cell)
    target = f"spark_catalog.{schema}.feed"
    assert spark.table(target).count() == 2
    assert {r["_source_file"] for r in spark.table(target).collect()} == {source}
    spark.createDataFrame([(3, "c")], "id INT, v STRING").write.insertInto(source)
    expand_and_run(shell, cell)
    assert sorted(r["id"] for r in spark.table(target).collect()) == [1, 2, 3]


@background_job
def fresh_jar_cache_then_restart(folder: Path) -> list[str]:
    """Two processes, one after the other, on the same ./.dbx_architect folder.

    The first starts with an empty jar cache, so it resolves Delta from Maven Central as a
    fresh machine does; the second starts from the jars the first recorded. Their stdouts.
    """
    script = textwrap.dedent(
        """
        import sys
        from dbx_architect.runtime.spark import start_local_spark
        spark = start_local_spark(".dbx_architect", master="local[1]")
        if sys.argv[1] == "write":
            spark.sql("CREATE SCHEMA IF NOT EXISTS bronze")
            spark.sql("CREATE TABLE bronze.kept (id INT) USING DELTA")
            spark.sql("INSERT INTO bronze.kept VALUES (1), (2)")
        else:
            print("rows", spark.table("spark_catalog.bronze.kept").count())
        print("jars", spark.sparkContext.getConf().get("spark.jars.packages", "none"))
        spark.stop()
        """
    )
    folder.mkdir(parents=True, exist_ok=True)
    env = job_env(DBX_ARCHITECT_JARS=str(folder / "jars"))
    outputs = []
    for step in ("write", "read"):
        done = run_process(
            [sys.executable, "-c", script, step],
            timeout=900,
            cwd=folder,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        outputs.append(done.stdout)
    return outputs


@pytest.mark.network
@pytest.mark.background("fresh_jar_cache_then_restart")
def test_fresh_jar_cache_then_tables_survive_a_restart(background) -> None:
    """Delta resolved from Maven Central into an empty cache, then started from its manifest."""
    from dbx_architect.runtime import jars

    outputs = background.result("fresh_jar_cache_then_restart")
    coordinate = jars.delta_coordinate()
    assert f"jars {coordinate}" in outputs[0]  # resolved from Maven Central
    assert "jars none" in outputs[1]  # started from the recorded jars
    folder = background.root / "fresh_jar_cache_then_restart"
    manifest = folder / "jars" / (coordinate.replace(":", "_") + ".txt")
    assert any("delta-spark" in line for line in manifest.read_text().splitlines())
    assert "rows 2" in outputs[1]


def test_parquet_and_delta_path_sources_stream_incrementally(lake) -> None:
    shell, spark, schema, landing = lake
    first = spark.createDataFrame([(1, "a"), (2, "b")], "id INT, v STRING")
    first.write.parquet(str(landing / "pq"))
    cell = "%%bronze pq --run\nsource: ./landing/pq/\nformat: parquet\nschema: id INT, v STRING\n"
    expand_and_run(shell, cell)
    assert spark.table(f"spark_catalog.{schema}.pq").count() == 2

    path = landing / "delta_source"
    first.write.format("delta").save(str(path))
    delta_cell = f"%%bronze mirror --run\nsource: {path}\nformat: delta\n"
    expand_and_run(shell, delta_cell)
    spark.createDataFrame([(3, "c")], "id INT, v STRING").write.format("delta").mode("append").save(
        str(path)
    )
    expand_and_run(shell, delta_cell)
    mirror = spark.table(f"spark_catalog.{schema}.mirror").collect()
    assert sorted(r["id"] for r in mirror) == [1, 2, 3]
    assert {r["_source_file"] for r in mirror} == {str(path)}
