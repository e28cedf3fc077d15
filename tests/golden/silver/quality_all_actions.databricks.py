# %%silver quality_all_actions
# from: sales
# keys: [store, item, day]
# expect:
#   - {name: units_in_range, range: {units: [0, 10000]}, action: quarantine}
#   - {name: known_store, in: {store: [north, south, east]}, action: drop}
#   - {name: positive_price, rule: price > 0}
#   - {name: one_row_per_key, unique: [store, item, day], action: warn}
#   - {name: has_day, not_null: [day], action: fail}

from pyspark.sql import functions as F
from pyspark.sql.window import Window

source_table = "main.bronze.sales"
target_table = "main.silver.quality_all_actions"
quarantine_table = "main.silver.quality_all_actions_quarantine"

spark.sql("CREATE SCHEMA IF NOT EXISTS main.silver")

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
    "units_in_range": ("quarantine", "(units IS NULL OR units BETWEEN 0 AND 10000)"),
    "known_store": ("drop", "(store IS NULL OR store IN ('north', 'south', 'east'))"),
    "positive_price": ("warn", "coalesce((price > 0), false)"),
    "one_row_per_key": ("warn", "count(1) OVER (PARTITION BY store, item, day) = 1"),
    "has_day": ("fail", "day IS NOT NULL"),
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


class ExpectationsFailed(Exception):
    """A `fail` check found bad rows: nothing was written."""


failures = {
    name: counts[name] for name, (action, _) in checks.items() if action == "fail" and counts[name]
}
if failures:
    failing = checked.where(failed_any({"fail"})).select(
        *df.columns, failed_names().alias("_failed")
    )
    examples = failing.limit(5).collect()
    raise ExpectationsFailed(
        f"{target_table} was not written: "
        + ", ".join(
            f"{name} failed on {rows} of {counts['rows_in']} rows"
            for name, rows in failures.items()
        )
        + "\nExamples:\n"
        + "\n".join(f"  {row.asDict()}" for row in examples)
    )

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
latest_first = Window.partitionBy("store", "item", "day").orderBy(F.col("_ingested_at").desc())


def latest_per_key(df):
    return (
        df.withColumn("_rank", F.row_number().over(latest_first)).where("_rank = 1").drop("_rank")
    )


silver = latest_per_key(kept)

# No partitioning or clustering: under about 1 TB Delta's file statistics skip data well enough;
# add cluster_by when queries filter on a few columns.
silver.createOrReplaceTempView("_silver_quality_all_actions_batch")
if target_exists:
    # MERGE on the keys: a new key is inserted; a known key is updated only when the row is at
    # least as new and something changed, so running this cell twice changes nothing.
    changed = " OR ".join(f"NOT (t.`{name}` <=> s.`{name}`)" for name in silver.columns)
    spark.sql(f"""
MERGE WITH SCHEMA EVOLUTION INTO main.silver.quality_all_actions AS t
USING _silver_quality_all_actions_batch AS s
ON t.store <=> s.store AND t.item <=> s.item AND t.day <=> s.day
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
CREATE TABLE main.silver.quality_all_actions
USING DELTA
COMMENT 'Cleaned, checked and deduplicated records of main.bronze.sales.'
TBLPROPERTIES (
  'delta.enableChangeDataFeed' = 'true',
  'silver.source_version' = '{source_version}'
)
AS SELECT * FROM _silver_quality_all_actions_batch
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
