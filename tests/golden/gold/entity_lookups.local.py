# %%gold entity_lookups
# kind: entity
# entity: accounts
# keys: [account_id]
# attributes: [plan]
# lookups:
#   - {table: plans, on: plan, columns: [price_per_seat, tier]}
#   - {table: crm.regions, on: region_code, key: code, columns: [country], prefix: region}
# events:
#   - {table: usage_events, time_col: event_time, numeric: [minutes]}
# windows: [30]

from pyspark.sql import functions as F

target_table = "spark_catalog.gold.entity_lookups"

spark.sql("CREATE SCHEMA IF NOT EXISTS spark_catalog.gold")

accounts_df = spark.table("spark_catalog.silver.accounts")

# One cut-off per entity: today. Features count only events strictly before it.
cutoffs = accounts_df.select(
    F.col("account_id"),
    F.current_date().alias("cutoff_date"),
)

# A row without a key or a cut-off cannot be placed in time (nor MERGEd): left out, and counted.
placed = F.col("account_id").isNotNull() & F.col("cutoff_date").isNotNull()
unplaced = cutoffs.where(~placed).count()
if unplaced:
    print(f"{unplaced} rows without account_id or a cut-off date left out")
cutoffs = cutoffs.where(placed)
cutoff_keys = cutoffs.select("account_id", "cutoff_date")
gold = cutoffs

# Entity columns: the entity table's current values.
entity_columns = accounts_df.select(
    F.col("account_id"),
    F.col("plan"),
    F.col("region_code"),
)

# spark_catalog.silver.plans: current values per plan (like the attributes), joined on it.
plans_df = spark.table("spark_catalog.silver.plans").select(
    F.col("plan"),
    F.col("price_per_seat").alias("plans_price_per_seat"),
    F.col("tier").alias("plans_tier"),
)
known = F.col("plan").isNotNull()
repeated = plans_df.where(known).groupBy("plan").count().where("count > 1").first()
if repeated is not None:
    key, rows = repeated
    raise ValueError(
        f"{target_table}: {rows} rows for the key {key!r} in the lookup "
        + "spark_catalog.silver.plans"
        + "; a lookup needs one row per key"
    )
entity_columns = entity_columns.join(plans_df, "plan", "left")

# spark_catalog.crm.regions: current values per region_code (like the attributes), joined on it.
regions_df = spark.table("spark_catalog.crm.regions").select(
    F.col("code").alias("region_code"),
    F.col("country").alias("region_country"),
)
known = F.col("region_code").isNotNull()
repeated = regions_df.where(known).groupBy("region_code").count().where("count > 1").first()
if repeated is not None:
    key, rows = repeated
    raise ValueError(
        f"{target_table}: {rows} rows for the key {key!r} in the lookup "
        + "spark_catalog.crm.regions"
        + "; a lookup needs one row per key"
    )
entity_columns = entity_columns.join(regions_df, "region_code", "left")
entity_columns = entity_columns.drop("region_code")
gold = gold.join(entity_columns, "account_id", "left")

# Windows: an event is in in_window[N] when it happened in the N days before the cut-off.
event_time, cutoff = F.col("_event_time"), F.col("cutoff_date")
in_window = {
    days: (event_time < cutoff) & (event_time >= F.date_sub(cutoff, days)) for days in [30]
}

# usage_events: the events strictly before each cut-off, aggregated per account_id and cut-off.
usage_events_df = spark.table("spark_catalog.silver.usage_events").select(
    F.col("account_id"),
    F.col("event_time").cast("timestamp").alias("_event_time"),
    F.col("minutes"),
)
aggregated = (
    cutoff_keys.join(usage_events_df, "account_id")
    .where(event_time < cutoff)
    .groupBy("account_id", "cutoff_date")
    .agg(
        F.sum(F.when(in_window[30], 1).otherwise(0)).alias("usage_events_count_30d"),
        F.sum(F.when(in_window[30], F.col("minutes"))).alias("usage_events_minutes_sum_30d"),
        F.avg(F.when(in_window[30], F.col("minutes"))).alias("usage_events_minutes_mean_30d"),
        F.datediff(cutoff, F.max(event_time)).alias("usage_events_recency_days"),
    )
)
gold = gold.join(aggregated, ["account_id", "cutoff_date"], "left")

# No event in a window: counts are 0; sums, means and recency stay null (nothing to measure).
gold = gold.fillna(0, subset=["usage_events_count_30d"])

gold = gold.cache()  # computed once for the key check and the MERGE

# One row per (account_id, cut-off): the entity table or the labels must not repeat a key.
repeated = gold.groupBy("account_id", "cutoff_date").count().where("count > 1").first()
if repeated is not None:
    key, cutoff_day, rows = repeated
    raise ValueError(
        f"{target_table}: {rows} rows for the key {key!r} at the cut-off {cutoff_day}; "
        "the entity table or the labels repeat a key"
    )

# No partitioning or clustering: under about 1 TB Delta's file statistics skip data well enough;
# add cluster_by when queries filter on a few columns.
# The first run creates the table from the rows (one write, nothing to compare with). Later runs
# MERGE on the keys (account_id, cutoff_date): recomputed rows replace the old ones only when
# something changed, so running this cell twice changes nothing.
gold.createOrReplaceTempView("_gold_entity_lookups_batch")
if not spark.catalog.tableExists(target_table):
    spark.sql("""
CREATE TABLE spark_catalog.gold.entity_lookups
USING DELTA
COMMENT 'Features of spark_catalog.silver.accounts per account_id as of today.'
TBLPROPERTIES (
  'delta.enableChangeDataFeed' = 'true'
)
AS SELECT * FROM _gold_entity_lookups_batch
""")
    rows_now = spark.table(target_table).count()
    inserted, updated = rows_now, 0
else:
    changed = " OR ".join(f"NOT (t.`{name}` <=> s.`{name}`)" for name in gold.columns)
    merged = spark.sql(f"""
MERGE WITH SCHEMA EVOLUTION INTO spark_catalog.gold.entity_lookups AS t
USING _gold_entity_lookups_batch AS s
ON t.account_id <=> s.account_id AND t.cutoff_date <=> s.cutoff_date
WHEN MATCHED AND ({changed}) THEN UPDATE SET *
WHEN NOT MATCHED THEN INSERT *
""").first()
    inserted, updated = merged["num_inserted_rows"], merged["num_updated_rows"]
    rows_now = spark.table(target_table).count()
print(f"{target_table}: {inserted} rows inserted, {updated} updated, {rows_now} rows now")

# On Unity Catalog a feature table declares its primary key; on Databricks this cell runs:
#   ALTER TABLE spark_catalog.gold.entity_lookups ADD CONSTRAINT entity_lookups_pk PRIMARY KEY (account_id, cutoff_date TIMESERIES)

gold.unpersist()

# The feature specification, rewritten on every run: each feature's source, window (days) and
# aggregate, and what it holds when there is nothing to aggregate.
feature_spec_table = "spark_catalog.gold.entity_lookups_feature_spec"
null_policy = {
    "count": "0 when no event in the window",
    "sum": "null when no event in the window",
    "mean": "null when no event in the window",
    "recency": "null when no event before the cut-off",
    "attribute": "null when the entity table has no row for the key",
    "lookup": "null when the lookup table has no row for the entity's value",
}
feature_spec = [
    ["plan", "spark_catalog.silver.accounts", None, "attribute"],
    ["plans_price_per_seat", "spark_catalog.silver.plans", None, "lookup"],
    ["plans_tier", "spark_catalog.silver.plans", None, "lookup"],
    ["region_country", "spark_catalog.crm.regions", None, "lookup"],
    ["usage_events_count_30d", "spark_catalog.silver.usage_events", 30, "count"],
    ["usage_events_minutes_sum_30d", "spark_catalog.silver.usage_events", 30, "sum"],
    ["usage_events_minutes_mean_30d", "spark_catalog.silver.usage_events", 30, "mean"],
    ["usage_events_recency_days", "spark_catalog.silver.usage_events", None, "recency"],
]
feature_spec = [[*row, null_policy[row[3]]] for row in feature_spec]
spark.sql("""
CREATE TABLE IF NOT EXISTS spark_catalog.gold.entity_lookups_feature_spec (feature STRING, source STRING, window_days INT, aggregate STRING, null_policy STRING)
USING DELTA
COMMENT 'Feature specification of spark_catalog.gold.entity_lookups: counts are 0 when no event falls in the window; sums, means and recency are null then.'
""")
spark.createDataFrame(
    feature_spec,
    "feature STRING, source STRING, window_days INT, aggregate STRING, null_policy STRING",
).write.insertInto(feature_spec_table, overwrite=True)
print(f"{feature_spec_table}: {len(feature_spec)} features described")
