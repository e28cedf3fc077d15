"""What the guard guards, in one place: each kind of destructive operation, and what it leaves.

The README's ``%%guard`` section lists exactly these (tests/test_guard_static.py compares).
"""

from __future__ import annotations

KINDS: dict[str, str] = {
    "drop": "`DROP TABLE` / `VIEW` / `SCHEMA` / `DATABASE` / `VOLUME`",
    "truncate": "`TRUNCATE TABLE`",
    "delete": '`DELETE FROM`, with or without `WHERE` ("all rows" without), `DeltaTable.delete`',
    "update": "`UPDATE` without `WHERE` (or with one that names no column: `WHERE true`), "
    "`DeltaTable.update` without a condition",
    "overwrite": "writes in overwrite mode (`mode(...)`, `mode=`, the positional mode of "
    "`saveAsTable` / `save` / `parquet` / `csv` / `json` / `orc` / `xml` / `jdbc`, "
    "`insertInto(t, True)`), `INSERT OVERWRITE [DIRECTORY]`, `LOAD DATA ... OVERWRITE`, "
    "writer-v2 `overwritePartitions` / `overwrite(lit(True))`",
    "backfill": "`replaceWhere` writes, `INSERT INTO ... REPLACE WHERE`, writer-v2 "
    "`overwrite(condition)`",
    "replace": "`CREATE OR REPLACE TABLE`, `REPLACE TABLE`, writer-v2 `createOrReplace` / "
    "`replace`, Delta's `createOrReplace` / `replace` builders, `DeltaTable.clone(..., "
    "replace=True)`",
    "replace columns": "`ALTER TABLE ... REPLACE COLUMNS`",
    "alter drop": "`ALTER TABLE ... DROP COLUMN` / `PARTITION`",
    "merge delete": "`MERGE ... WHEN NOT MATCHED BY SOURCE THEN DELETE`, Delta's "
    "`whenNotMatchedBySourceDelete()`",
    "vacuum": "`VACUUM` (not `DRY RUN`), `DeltaTable.vacuum`",
    "restore": "`RESTORE TABLE`, `DeltaTable.restoreToVersion` / `restoreToTimestamp`",
    "retention": "Delta's file or log retention set under 7 days (`TBLPROPERTIES`, session "
    "defaults), or its retention check turned off (`SET`, `spark.conf.set`)",
    "sql": "what only the run decides: `EXECUTE IMMEDIATE` of a statement built then, `CALL` "
    "of a procedure, `${var}` substitution from the Spark conf",
    "remove files": "`shutil.rmtree`, `os.remove` / `unlink` / `rmdir`, `Path.unlink` / "
    "`rmdir`, `dbutils.fs.rm`, `!rm` / `%%bash rm` / `os.system` / `subprocess` on data paths",
    "move files": "`dbutils.fs.mv`, `shutil.move`, `os.rename` / `replace`, `!mv` onto or "
    "off a data path",
}

NOT_GUARDED: tuple[str, ...] = (
    'appends (`mode("append")`, `INSERT INTO`), `MERGE` without `WHEN NOT MATCHED BY SOURCE '
    "DELETE` (its `WHEN MATCHED ... DELETE` removes only the rows the source names), "
    "`UPDATE ... WHERE column ...`",
    'streaming writes (`writeStream`, `outputMode("complete")`; `foreachBatch` bodies run '
    "later, outside the cell)",
    "code inside UDFs, `mapInPandas` / `applyInPandas` functions and other code Spark runs on "
    "executors; `reflect` / `java_method` in SQL expressions",
    "SQL sent through JDBC / ODBC connections, the Databricks SQL connector or the REST API",
    "calls into the JVM through py4j (`spark._jsparkSession.sql(...)`, `_jvm`, `_jdf`) whose "
    "text is built at run time",
    "shell commands built at run time and run through `os.system` / `subprocess` (the static "
    "check reads them when their text is known)",
    "`spark.catalog.dropTempView` / `dropGlobalTempView` (no data), caches, widgets",
    'files written over with `open(path, "w")`, `%%writefile`, pandas or `dbutils.fs.put(..., '
    "overwrite=True)`",
    "notebooks run elsewhere by `dbutils.notebook.run` (`%run` runs here: the runtime layer "
    "judges its calls)",
    "scratch paths (`file:/tmp/...`, local folders that hold no table)",
)
