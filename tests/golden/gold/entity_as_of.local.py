# %%gold entity_as_of
# kind: entity
# entity: main.silver.customers
# keys: customer_id
# events:
#   - {table: orders, time_col: ordered_at, numeric: [amount], name: order}
# windows: [30]
# as_of: 2026-06-30
# cluster_by: [customer_id]

from pyspark.sql import functions as F

target_table = "spark_catalog.gold.entity_as_of"

spark.sql("CREATE SCHEMA IF NOT EXISTS spark_catalog.gold")

customers_df = spark.table("main.silver.customers")

# One cut-off per entity: 2026-06-30. Features count only events strictly before it.
cutoffs = customers_df.select(
    F.col("customer_id"),
    F.to_date(F.lit("2026-06-30")).alias("cutoff_date"),
)

# A row without a key or a cut-off cannot be placed in time (nor MERGEd): left out, and counted.
placed = F.col("customer_id").isNotNull() & F.col("cutoff_date").isNotNull()
unplaced = cutoffs.where(~placed).count()
if unplaced:
    print(f"{unplaced} rows without customer_id or a cut-off date left out")
cutoffs = cutoffs.where(placed)
cutoff_keys = cutoffs.select("customer_id", "cutoff_date")
gold = cutoffs

# Windows: an event is in in_window[N] when it happened in the N days before the cut-off.
event_time, cutoff = F.col("_event_time"), F.col("cutoff_date")
in_window = {
    days: (event_time < cutoff) & (event_time >= F.date_sub(cutoff, days)) for days in [30]
}

# order: the events strictly before each cut-off, aggregated per customer_id and cut-off.
orders_df = spark.table("spark_catalog.silver.orders").select(
    F.col("customer_id"),
    F.col("ordered_at").cast("timestamp").alias("_event_time"),
    F.col("amount"),
)
aggregated = (
    cutoff_keys.join(orders_df, "customer_id")
    .where(event_time < cutoff)
    .groupBy("customer_id", "cutoff_date")
    .agg(
        F.sum(F.when(in_window[30], 1).otherwise(0)).alias("order_count_30d"),
        F.sum(F.when(in_window[30], F.col("amount"))).alias("order_amount_sum_30d"),
        F.avg(F.when(in_window[30], F.col("amount"))).alias("order_amount_mean_30d"),
        F.datediff(cutoff, F.max(event_time)).alias("order_recency_days"),
    )
)
gold = gold.join(aggregated, ["customer_id", "cutoff_date"], "left")

# No event in a window: counts are 0; sums, means and recency stay null (nothing to measure).
gold = gold.fillna(0, subset=["order_count_30d"])

gold = gold.cache()  # computed once for the key check and the MERGE

# One row per (customer_id, cut-off): the entity table or the labels must not repeat a key.
repeated = gold.groupBy("customer_id", "cutoff_date").count().where("count > 1").first()
if repeated is not None:
    key, cutoff_day, rows = repeated
    raise ValueError(
        f"{target_table}: {rows} rows for the key {key!r} at the cut-off {cutoff_day}; "
        "the entity table or the labels repeat a key"
    )

# Liquid clustering on customer_id: data skipping for filters and MERGE on these columns, and the
# keys can change later without rewriting the table.
# The first run creates the table from the rows (one write, nothing to compare with). Later runs
# MERGE on the keys (customer_id, cutoff_date): recomputed rows replace the old ones only when
# something changed, so running this cell twice changes nothing.
gold.createOrReplaceTempView("_gold_entity_as_of_batch")
if not spark.catalog.tableExists(target_table):
    spark.sql("""
CREATE TABLE spark_catalog.gold.entity_as_of
USING DELTA
CLUSTER BY (customer_id)
COMMENT 'Features of main.silver.customers per customer_id as of 2026-06-30.'
TBLPROPERTIES (
  'delta.enableChangeDataFeed' = 'true'
)
AS SELECT * FROM _gold_entity_as_of_batch
""")
    rows_now = spark.table(target_table).count()
    inserted, updated = rows_now, 0
else:
    changed = " OR ".join(f"NOT (t.`{name}` <=> s.`{name}`)" for name in gold.columns)
    merged = spark.sql(f"""
MERGE WITH SCHEMA EVOLUTION INTO spark_catalog.gold.entity_as_of AS t
USING _gold_entity_as_of_batch AS s
ON t.customer_id <=> s.customer_id AND t.cutoff_date <=> s.cutoff_date
WHEN MATCHED AND ({changed}) THEN UPDATE SET *
WHEN NOT MATCHED THEN INSERT *
""").first()
    inserted, updated = merged["num_inserted_rows"], merged["num_updated_rows"]
    rows_now = spark.table(target_table).count()
print(f"{target_table}: {inserted} rows inserted, {updated} updated, {rows_now} rows now")

# On Unity Catalog a feature table declares its primary key; on Databricks this cell runs:
#   ALTER TABLE spark_catalog.gold.entity_as_of ADD CONSTRAINT entity_as_of_pk PRIMARY KEY (customer_id, cutoff_date TIMESERIES)

gold.unpersist()

# The feature specification, rewritten on every run: each feature's source, window (days) and
# aggregate, and what it holds when there is nothing to aggregate.
feature_spec_table = "spark_catalog.gold.entity_as_of_feature_spec"
null_policy = {
    "count": "0 when no event in the window",
    "sum": "null when no event in the window",
    "mean": "null when no event in the window",
    "recency": "null when no event before the cut-off",
}
feature_spec = [
    ["order_count_30d", "spark_catalog.silver.orders", 30, "count"],
    ["order_amount_sum_30d", "spark_catalog.silver.orders", 30, "sum"],
    ["order_amount_mean_30d", "spark_catalog.silver.orders", 30, "mean"],
    ["order_recency_days", "spark_catalog.silver.orders", None, "recency"],
]
feature_spec = [[*row, null_policy[row[3]]] for row in feature_spec]
spark.sql("""
CREATE TABLE IF NOT EXISTS spark_catalog.gold.entity_as_of_feature_spec (feature STRING, source STRING, window_days INT, aggregate STRING, null_policy STRING)
USING DELTA
COMMENT 'Feature specification of spark_catalog.gold.entity_as_of: counts are 0 when no event falls in the window; sums, means and recency are null then.'
""")
spark.createDataFrame(
    feature_spec,
    "feature STRING, source STRING, window_days INT, aggregate STRING, null_policy STRING",
).write.insertInto(feature_spec_table, overwrite=True)
print(f"{feature_spec_table}: {len(feature_spec)} features described")
