# %%silver full_load_shaped
# from: raw.orders
# load: full
# keys: [order_id]
# order_by: [updated_at]
# select: [order_id, customer, amount, updated_at]
# rename: {customer: customer_id}
# casts: {amount: "DECIMAL(10,2)", updated_at: timestamp}
# clean: {trim: [customer_id], lower: [customer_id], fill: {amount: 0}, drop_nulls: [order_id]}
# partition_by: [customer_id]
# comment: One row per order, latest update wins
# owner: data-eng
# tags: {domain: sales}

from pyspark.sql import functions as F
from pyspark.sql.window import Window

source_table = "main.raw.orders"
target_table = "main.silver.full_load_shaped"

spark.sql("CREATE SCHEMA IF NOT EXISTS main.silver")

# Read all of Bronze, as of one version (so the run sees a consistent snapshot).
source_version = spark.sql(f"DESCRIBE HISTORY {source_table} LIMIT 1").first()["version"]
raw = spark.sql(f"SELECT * FROM {source_table} VERSION AS OF {source_version}")
target_exists = spark.catalog.tableExists(target_table)

df = raw
df = df.select("order_id", "customer", "amount", "updated_at")
df = df.withColumnsRenamed({"customer": "customer_id"})
df = df.withColumns(
    {
        "amount": F.col("amount").cast("DECIMAL(10, 2)"),
        "updated_at": F.col("updated_at").cast("TIMESTAMP"),
    }
)
df = df.withColumns({"customer_id": F.trim("customer_id")})
df = df.withColumns({"customer_id": F.lower("customer_id")})
df = df.fillna({"amount": 0})

# Data quality. Each check is a SQL condition a good row meets; each becomes one boolean
# column `_failed_<name>` of one pass over the rows.
checks = {
    "clean_drop_nulls": ("drop", "order_id IS NOT NULL"),
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
kept = checked.where(~failed_any({"drop", "quarantine"})).drop(*flags)

# One row per key: the latest by updated_at wins.
latest_first = Window.partitionBy("order_id").orderBy(F.col("updated_at").desc())


def latest_per_key(df):
    return (
        df.withColumn("_rank", F.row_number().over(latest_first)).where("_rank = 1").drop("_rank")
    )


silver = latest_per_key(kept)

# Partitioned by customer_id: keep these low-cardinality (well under 10,000 values) so each
# partition stays at 1 GB or more.
silver.createOrReplaceTempView("_silver_full_load_shaped_batch")
if target_exists:
    # MERGE on the keys: a new key is inserted; a known key is updated only when the row is at
    # least as new and something changed, so running this cell twice changes nothing.
    changed = " OR ".join(f"NOT (t.`{name}` <=> s.`{name}`)" for name in silver.columns)
    spark.sql(f"""
MERGE WITH SCHEMA EVOLUTION INTO main.silver.full_load_shaped AS t
USING _silver_full_load_shaped_batch AS s
ON t.order_id <=> s.order_id
WHEN MATCHED AND (s.updated_at >= t.updated_at OR t.updated_at IS NULL)
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
CREATE TABLE main.silver.full_load_shaped
USING DELTA
PARTITIONED BY (customer_id)
COMMENT 'One row per order, latest update wins'
TBLPROPERTIES (
  'delta.enableChangeDataFeed' = 'true',
  'silver.source_version' = '{source_version}'
)
AS SELECT * FROM _silver_full_load_shaped_batch
""")
    written = spark.sql(f"DESCRIBE HISTORY {target_table} LIMIT 1").first()["operationMetrics"]
    merged = {
        "numSourceRows": written["numOutputRows"],
        "numTargetRowsInserted": written["numOutputRows"],
    }
spark.sql("ALTER TABLE main.silver.full_load_shaped SET TAGS ('domain' = 'sales')")

# What happened, as a small DataFrame: rows in, rows per check, rows written.
quality_summary = spark.createDataFrame(
    [
        ("rows read", None, counts["rows_in"]),
        *[(name, action, counts[name]) for name, (action, _) in checks.items()],
        ("rows removed", None, counts["removed"]),
        ("rows inserted", None, int(merged.get("numTargetRowsInserted", 0))),
        ("rows updated", None, int(merged.get("numTargetRowsUpdated", 0))),
    ],
    "check STRING, action STRING, rows LONG",
)
checked.unpersist()
print(f"{target_table}: Bronze version {source_version}")
quality_summary.show(truncate=False)

# Ownership moves last, once: from now on whoever re-runs this cell needs its rights through a
# group (a member of data-eng, or a group granted MODIFY on the table).
owner_row = spark.sql(f"DESCRIBE TABLE EXTENDED {target_table}").where("col_name = 'Owner'").first()
if owner_row is None or owner_row["data_type"] != "data-eng":
    spark.sql("ALTER TABLE main.silver.full_load_shaped SET OWNER TO `data-eng`")
