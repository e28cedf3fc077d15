from pyspark.sql import functions as F
from pyspark.sql.window import Window

source_table = "spark_catalog.bronze.sales"
target_table = "spark_catalog.silver.sales"
quarantine_table = "spark_catalog.silver.sales_quarantine"

spark.sql("CREATE SCHEMA IF NOT EXISTS spark_catalog.silver")

# Read only what Bronze committed since the last run (its Change Data Feed); the version
# Silver has reached is kept in the table property "silver.source_version".
source_version = spark.sql(f"DESCRIBE HISTORY {source_table} LIMIT 1").first()["version"]
done_version = -1
if spark.catalog.tableExists(target_table):
    done_properties = spark.sql(f"DESCRIBE DETAIL {target_table}").first()["properties"]
    done_version = int(done_properties.get("silver.source_version", -1))
if done_version < 0:
    raw = spark.sql(f"SELECT * FROM {source_table} VERSION AS OF {source_version}")
elif done_version >= source_version:
    raw = spark.read.table(source_table).limit(0)
else:
    raw = (
        spark.read.option("readChangeFeed", "true")
        .option("startingVersion", done_version + 1)
        .option("endingVersion", source_version)
        .table(source_table)
        .where("_change_type IN ('insert', 'update_postimage')")
        .drop("_change_type", "_commit_version", "_commit_timestamp")
    )

df = raw

# Data quality. Each check is a SQL condition a good row meets; all of them are evaluated
# as columns of one pass, and `_failed` lists the checks a row fails.
checks = {
    "id_present": ("quarantine", "id IS NOT NULL"),
}
checked = df.withColumn(
    "_failed",
    F.filter(
        F.array(
            *[F.when(~F.expr(condition), F.lit(name)) for name, (_, condition) in checks.items()]
        ),
        lambda name: name.isNotNull(),
    ),
)


def failed_any(actions):
    """True for a row that fails at least one check with one of these actions."""
    names = [name for name, (action, _) in checks.items() if action in actions]
    if not names:
        return F.lit(False)
    return F.arrays_overlap("_failed", F.array(*[F.lit(name) for name in names]))


checked = checked.cache()  # computed once for the counts, the quarantine and the MERGE

counts = checked.agg(
    F.count(F.lit(1)).alias("rows_in"),
    *[F.sum(F.array_contains("_failed", name).cast("long")).alias(name) for name in checks],
    F.sum(failed_any({"quarantine"}).cast("long")).alias("quarantined"),
    F.sum(failed_any({"drop", "quarantine"}).cast("long")).alias("removed"),
).first()
counts = {name: value or 0 for name, value in counts.asDict().items()}

# Quarantine: failing rows are kept for a person to look at, with the checks they failed.
quarantine = checked.where(failed_any({"quarantine"})).select(
    *df.columns,
    F.col("_failed").alias("_failed_expectations"),
    F.current_timestamp().alias("_quarantined_at"),
    F.sha2(F.to_json(F.struct(*df.columns)), 256).alias("_row_hash"),
)
columns = ",\n  ".join(
    f"`{field.name}` {field.dataType.simpleString()}" for field in quarantine.schema
)
spark.sql(f"""
CREATE TABLE IF NOT EXISTS spark_catalog.silver.sales_quarantine (
  {columns}
)
USING DELTA
COMMENT 'Rows of spark_catalog.silver.sales that failed a quarantine check, with the names of the checks.'
TBLPROPERTIES (
  'delta.enableChangeDataFeed' = 'true'
)
""")
# Each Bronze version is quarantined once: Delta skips a write whose (txnAppId, txnVersion)
# it has already committed, so re-running after a failure adds nothing twice.
(
    quarantine.write.format("delta")
    .mode("append")
    .option("txnAppId", f"{target_table} quarantine")
    .option("txnVersion", source_version)
    .saveAsTable(quarantine_table)
)
kept = checked.where(~failed_any({"drop", "quarantine"})).drop("_failed")

# One row per key: the latest by _ingested_at wins.
latest_first = Window.partitionBy("id").orderBy(F.col("_ingested_at").desc())


def latest_per_key(df):
    return (
        df.withColumn("_rank", F.row_number().over(latest_first)).where("_rank = 1").drop("_rank")
    )


silver = latest_per_key(kept)

# No partitioning or clustering: under about 1 TB Delta's file statistics skip data well enough;
# add cluster_by when queries filter on a few columns.
columns = ",\n  ".join(f"`{field.name}` {field.dataType.simpleString()}" for field in silver.schema)
spark.sql(f"""
CREATE TABLE IF NOT EXISTS spark_catalog.silver.sales (
  {columns}
)
USING DELTA
COMMENT 'Cleaned, checked and deduplicated records of spark_catalog.bronze.sales.'
TBLPROPERTIES (
  'delta.enableChangeDataFeed' = 'true'
)
""")

# MERGE on the keys: a new key is inserted; a known key is updated only when the row is at
# least as new and something changed, so running this cell twice changes nothing.
silver.createOrReplaceTempView("_silver_sales_batch")
changed = " OR ".join(f"NOT (t.`{name}` <=> s.`{name}`)" for name in silver.columns)
spark.sql(f"""
MERGE WITH SCHEMA EVOLUTION INTO spark_catalog.silver.sales AS t
USING _silver_sales_batch AS s
ON t.id <=> s.id
WHEN MATCHED AND (s._ingested_at >= t._ingested_at OR t._ingested_at IS NULL)
  AND ({changed}) THEN UPDATE SET *
WHEN NOT MATCHED THEN INSERT *
""")
last_commit = spark.sql(f"DESCRIBE HISTORY {target_table} LIMIT 1").first()
merged = last_commit["operationMetrics"] if last_commit["operation"] == "MERGE" else {}
spark.sql(
    f"ALTER TABLE {target_table} SET TBLPROPERTIES ('silver.source_version' = '{source_version}')"
)

# What happened, as a small DataFrame: rows in, rows per check, rows written.
quality_summary = spark.createDataFrame(
    [
        ("rows read", None, counts["rows_in"]),
        *[(name, action, counts[name]) for name, (action, _) in checks.items()],
        ("rows quarantined", "quarantine", counts["quarantined"]),
        ("rows removed", None, counts["removed"]),
        ("rows inserted", None, int(merged.get("numTargetRowsInserted", 0))),
        ("rows updated", None, int(merged.get("numTargetRowsUpdated", 0))),
    ],
    "check STRING, action STRING, rows LONG",
)
checked.unpersist()
print(f"{target_table}: Bronze version {source_version}")
quality_summary.show(truncate=False)
