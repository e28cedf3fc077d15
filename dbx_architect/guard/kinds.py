"""What the guard guards, in one place: each kind of destructive operation, and what it leaves.

The README's ``%%guard`` section lists exactly these (tests/test_guard_evasion.py compares).
"""

from __future__ import annotations

KINDS: dict[str, str] = {
    "drop": "`DROP TABLE` / `VIEW` / `SCHEMA` / `DATABASE` / `VOLUME`",
    "truncate": "`TRUNCATE TABLE`",
    "delete": '`DELETE FROM` ("all rows" without `WHERE`), `DeltaTable.delete`',
    "update": "`UPDATE` without `WHERE`, `DeltaTable.update` without a condition",
    "overwrite": "writes in overwrite mode (`mode(...)`, `mode=`, the positional mode of "
    "`saveAsTable` / `save` / `parquet` / `csv` / `json` / `orc` / `xml` / `jdbc`, "
    "`insertInto(t, True)`), `INSERT OVERWRITE`, writer-v2 `overwritePartitions` / "
    "`overwrite(lit(True))`",
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
    "retention": "Delta retention set to zero or the retention check disabled (SQL, "
    "`spark.conf.set`)",
    "sql": "`EXECUTE IMMEDIATE` of a statement built at run time",
    "remove files": "`shutil.rmtree`, `os.remove` / `unlink` / `rmdir`, `Path.unlink` / "
    "`rmdir`, `dbutils.fs.rm`, `!rm` / `%%bash rm` on data paths",
    "move files": "`dbutils.fs.mv`, `shutil.move`, `os.rename` / `replace`, `!mv` onto or "
    "off a data path",
}

NOT_GUARDED: tuple[str, ...] = (
    'appends (`mode("append")`, `INSERT INTO`), `MERGE` without `WHEN NOT MATCHED BY SOURCE '
    "DELETE` (its `WHEN MATCHED ... DELETE` removes only matched rows), `UPDATE ... WHERE`",
    'streaming writes (`writeStream`, `outputMode("complete")`, `foreachBatch` bodies run '
    "later, outside the cell)",
    "code inside UDFs, `mapInPandas` / `applyInPandas` functions and other code Spark runs on "
    "executors",
    "SQL sent through JDBC / ODBC connections, the Databricks SQL connector or the REST API",
    "calls into the JVM through py4j (`spark._jsparkSession.sql(...)`, `_jvm`, `_jdf`) whose "
    "text is built at run time",
    "`DROP TEMP VIEW` / `spark.catalog.dropTempView` (no data), caches, widgets",
    'files written over with `open(path, "w")`, `%%writefile` or pandas',
    "scratch paths (`file:/tmp/...`, local folders that hold no table)",
)
