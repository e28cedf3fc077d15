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
target_exists = spark.catalog.tableExists(target_table)
if target_exists:
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

# Data quality. Each check is a SQL condition a good row meets; each becomes one boolean
# column `_failed_<name>` of one pass over the rows.
checks = {
    "id_present": ("quarantine", "id IS NOT NULL"),
}
flags = {f"_failed_{name}": ~F.expr(condition) for name, (_, condition) in checks.items()}
checked = df.withColumns(flags)


def failed_any(actions):
    """True for a row that fails at least one check with one of these actions."""
    failed = F.lit(False)
    for name, (action, _) in checks.items():
        if action in actions:
            failed = failed | F.col(f"_failed_{name}")
    return failed


def failed_names():
    """The names of the checks a row fails (built only for the rows that are kept aside)."""
    return F.array_compact(F.array(*[F.when(F.col(f"_failed_{name}"), name) for name in checks]))


checked = checked.cache()  # computed once for the counts, the quarantine and the MERGE

counts = checked.agg(
    F.count(F.lit(1)).alias("rows_in"),
    *[F.count_if(f"_failed_{name}").alias(name) for name in checks],
    F.count_if(failed_any({"quarantine"})).alias("quarantined"),
    F.count_if(failed_any({"drop", "quarantine"})).alias("removed"),
).first()
counts = {name: value or 0 for name, value in counts.asDict().items()}

# Quarantine: failing rows are kept for a person to look at, with the checks they failed.
quarantine = checked.where(failed_any({"quarantine"})).select(
    *df.columns,
    failed_names().alias("_failed_expectations"),
    F.current_timestamp().alias("_quarantined_at"),
    F.sha2(F.to_json(F.struct(*df.columns)), 256).alias("_row_hash"),
)
# The first write creates the table (with its comment and Change Data Feed): no empty commit.
quarantine_writer = (
    quarantine.write.format("delta")
    .mode("append")
    .option("delta.enableChangeDataFeed", "true")
    .option(
        "comment",
        f"Rows of {target_table} that failed a quarantine check, with the names of the checks.",
    )
)
# Each Bronze version is quarantined once: Delta skips a write whose (txnAppId, txnVersion)
# it has already committed, so re-running after a failure adds nothing twice.
quarantine_writer = quarantine_writer.option("txnAppId", f"{target_table} quarantine")
quarantine_writer.option("txnVersion", source_version).saveAsTable(quarantine_table)
kept = checked.where(~failed_any({"drop", "quarantine"})).drop(*flags)

# One row per key: the latest by _ingested_at wins.
latest_first = Window.partitionBy("id").orderBy(F.col("_ingested_at").desc())


def latest_per_key(df):
    return (
        df.withColumn("_rank", F.row_number().over(latest_first)).where("_rank = 1").drop("_rank")
    )


silver = latest_per_key(kept)

# No partitioning or clustering: under about 1 TB Delta's file statistics skip data well enough;
# add cluster_by when queries filter on a few columns.
silver.createOrReplaceTempView("_silver_sales_batch")
if target_exists:
    # MERGE on the keys: a new key is inserted; a known key is updated only when the row is at
    # least as new and something changed, so running this cell twice changes nothing.
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
        f"ALTER TABLE {target_table} "
        f"SET TBLPROPERTIES ('silver.source_version' = '{source_version}')"
    )
else:
    # The first run creates the table from its rows, with the Bronze version reached: one commit.
    spark.sql(f"""
CREATE TABLE spark_catalog.silver.sales
USING DELTA
COMMENT 'Cleaned, checked and deduplicated records of spark_catalog.bronze.sales.'
TBLPROPERTIES (
  'delta.enableChangeDataFeed' = 'true',
  'silver.source_version' = '{source_version}'
)
AS SELECT * FROM _silver_sales_batch
""")
    written = spark.sql(f"DESCRIBE HISTORY {target_table} LIMIT 1").first()["operationMetrics"]
    merged = {
        "numSourceRows": written["numOutputRows"],
        "numTargetRowsInserted": written["numOutputRows"],
    }

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
