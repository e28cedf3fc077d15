# %%gold entity_labels
# kind: entity
# entity: accounts
# keys: [account_id]
# attributes: [plan, region]
# tenure_from: signup_date
# events:
#   - table: usage_events
#     time_col: event_time
#     numeric: [minutes, sessions]
#     categorical: [feature]
#   - table: crm.tickets
#     time_col: opened_at
#     key: acct_id
# windows: [7, 30, 90]
# labels: {table: churn_labels, time_col: label_date, target: churned, key: acct}
# owner: growth-team

from pyspark.sql import functions as F

target_table = "main.gold.entity_labels"

spark.sql("CREATE SCHEMA IF NOT EXISTS main.gold")

accounts_df = spark.table("main.silver.accounts")
churn_labels_df = spark.table("main.silver.churn_labels")

# Cut-offs: one per label row, on the date of label_date. Features count only events
# strictly before it (point in time: nothing on or after the cut-off is ever used).
cutoffs = churn_labels_df.select(
    F.col("acct").alias("account_id"),
    F.to_date("label_date").alias("cutoff_date"),
    F.col("churned"),
)

# A row without a key or a cut-off cannot be placed in time (nor MERGEd): left out, and counted.
placed = F.col("account_id").isNotNull() & F.col("cutoff_date").isNotNull()
unplaced = cutoffs.where(~placed).count()
if unplaced:
    print(f"{unplaced} rows without account_id or a cut-off date left out")
cutoffs = cutoffs.where(placed)
cutoff_keys = cutoffs.select("account_id", "cutoff_date")
gold = cutoffs

# Entity columns: the entity table's current values, and the tenure at each cut-off.
entity_columns = accounts_df.select(
    F.col("account_id"),
    F.col("plan"),
    F.col("region"),
    F.col("signup_date").alias("_tenure_from"),
)
gold = gold.join(entity_columns, "account_id", "left")
gold = gold.withColumn("tenure_days", F.datediff("cutoff_date", "_tenure_from"))
gold = gold.drop("_tenure_from")

# Windows: an event is in in_window[N] when it happened in the N days before the cut-off.
event_time, cutoff = F.col("_event_time"), F.col("cutoff_date")
in_window = {
    days: (event_time < cutoff) & (event_time >= F.date_sub(cutoff, days)) for days in [7, 30, 90]
}

# usage_events: the events strictly before each cut-off, aggregated per account_id and cut-off.
usage_events_df = spark.table("main.silver.usage_events").select(
    F.col("account_id"),
    F.col("event_time").cast("timestamp").alias("_event_time"),
    F.col("minutes"),
    F.col("sessions"),
    F.col("feature"),
)
aggregated = (
    cutoff_keys.join(usage_events_df, "account_id")
    .where(event_time < cutoff)
    .groupBy("account_id", "cutoff_date")
    .agg(
        F.sum(F.when(in_window[7], 1).otherwise(0)).alias("usage_events_count_7d"),
        F.sum(F.when(in_window[7], F.col("minutes"))).alias("usage_events_minutes_sum_7d"),
        F.avg(F.when(in_window[7], F.col("minutes"))).alias("usage_events_minutes_mean_7d"),
        F.sum(F.when(in_window[7], F.col("sessions"))).alias("usage_events_sessions_sum_7d"),
        F.avg(F.when(in_window[7], F.col("sessions"))).alias("usage_events_sessions_mean_7d"),
        F.count_distinct(F.when(in_window[7], F.col("feature"))).alias(
            "usage_events_feature_distinct_7d"
        ),
        F.sum(F.when(in_window[30], 1).otherwise(0)).alias("usage_events_count_30d"),
        F.sum(F.when(in_window[30], F.col("minutes"))).alias("usage_events_minutes_sum_30d"),
        F.avg(F.when(in_window[30], F.col("minutes"))).alias("usage_events_minutes_mean_30d"),
        F.sum(F.when(in_window[30], F.col("sessions"))).alias("usage_events_sessions_sum_30d"),
        F.avg(F.when(in_window[30], F.col("sessions"))).alias("usage_events_sessions_mean_30d"),
        F.count_distinct(F.when(in_window[30], F.col("feature"))).alias(
            "usage_events_feature_distinct_30d"
        ),
        F.sum(F.when(in_window[90], 1).otherwise(0)).alias("usage_events_count_90d"),
        F.sum(F.when(in_window[90], F.col("minutes"))).alias("usage_events_minutes_sum_90d"),
        F.avg(F.when(in_window[90], F.col("minutes"))).alias("usage_events_minutes_mean_90d"),
        F.sum(F.when(in_window[90], F.col("sessions"))).alias("usage_events_sessions_sum_90d"),
        F.avg(F.when(in_window[90], F.col("sessions"))).alias("usage_events_sessions_mean_90d"),
        F.count_distinct(F.when(in_window[90], F.col("feature"))).alias(
            "usage_events_feature_distinct_90d"
        ),
        F.datediff(cutoff, F.max(event_time)).alias("usage_events_recency_days"),
    )
)
gold = gold.join(aggregated, ["account_id", "cutoff_date"], "left")

# tickets: the events strictly before each cut-off, aggregated per account_id and cut-off.
tickets_df = spark.table("main.crm.tickets").select(
    F.col("acct_id").alias("account_id"),
    F.col("opened_at").cast("timestamp").alias("_event_time"),
)
aggregated = (
    cutoff_keys.join(tickets_df, "account_id")
    .where(event_time < cutoff)
    .groupBy("account_id", "cutoff_date")
    .agg(
        F.sum(F.when(in_window[7], 1).otherwise(0)).alias("tickets_count_7d"),
        F.sum(F.when(in_window[30], 1).otherwise(0)).alias("tickets_count_30d"),
        F.sum(F.when(in_window[90], 1).otherwise(0)).alias("tickets_count_90d"),
        F.datediff(cutoff, F.max(event_time)).alias("tickets_recency_days"),
    )
)
gold = gold.join(aggregated, ["account_id", "cutoff_date"], "left")

# No event in a window: counts are 0; sums, means and recency stay null (nothing to measure).
gold = gold.fillna(
    0,
    subset=[
        "usage_events_count_7d",
        "usage_events_feature_distinct_7d",
        "usage_events_count_30d",
        "usage_events_feature_distinct_30d",
        "usage_events_count_90d",
        "usage_events_feature_distinct_90d",
        "tickets_count_7d",
        "tickets_count_30d",
        "tickets_count_90d",
    ],
)

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
gold.createOrReplaceTempView("_gold_entity_labels_batch")
if not spark.catalog.tableExists(target_table):
    spark.sql("""
CREATE TABLE main.gold.entity_labels
USING DELTA
COMMENT 'Features of main.silver.accounts per account_id as of each label date.'
TBLPROPERTIES (
  'delta.enableChangeDataFeed' = 'true'
)
AS SELECT * FROM _gold_entity_labels_batch
""")
    rows_now = spark.table(target_table).count()
    inserted, updated = rows_now, 0
else:
    changed = " OR ".join(f"NOT (t.`{name}` <=> s.`{name}`)" for name in gold.columns)
    merged = spark.sql(f"""
MERGE WITH SCHEMA EVOLUTION INTO main.gold.entity_labels AS t
USING _gold_entity_labels_batch AS s
ON t.account_id <=> s.account_id AND t.cutoff_date <=> s.cutoff_date
WHEN MATCHED AND ({changed}) THEN UPDATE SET *
WHEN NOT MATCHED THEN INSERT *
""").first()
    inserted, updated = merged["num_inserted_rows"], merged["num_updated_rows"]
    rows_now = spark.table(target_table).count()
print(f"{target_table}: {inserted} rows inserted, {updated} updated, {rows_now} rows now")

# A feature table declares its primary key (Unity Catalog feature engineering needs it); its time
# column is the TIMESERIES key, so point-in-time lookups join on it.
spark.sql("ALTER TABLE main.gold.entity_labels ALTER COLUMN account_id SET NOT NULL")
spark.sql("ALTER TABLE main.gold.entity_labels ALTER COLUMN cutoff_date SET NOT NULL")
try:
    spark.sql(
        "ALTER TABLE main.gold.entity_labels ADD CONSTRAINT entity_labels_pk PRIMARY KEY (account_id, cutoff_date TIMESERIES)"
    )
except Exception as err:  # declared on an earlier run
    if "already exists" not in str(err).lower():
        raise

gold.unpersist()

# The feature specification, rewritten on every run: each feature's source, window (days) and
# aggregate, and what it holds when there is nothing to aggregate.
feature_spec_table = "main.gold.entity_labels_feature_spec"
null_policy = {
    "count": "0 when no event in the window",
    "distinct": "0 when no event in the window",
    "sum": "null when no event in the window",
    "mean": "null when no event in the window",
    "recency": "null when no event before the cut-off",
    "attribute": "null when the entity table has no row for the key",
    "tenure": "null when the date is null",
}
feature_spec = [
    ["plan", "main.silver.accounts", None, "attribute"],
    ["region", "main.silver.accounts", None, "attribute"],
    ["tenure_days", "main.silver.accounts", None, "tenure"],
    ["usage_events_count_7d", "main.silver.usage_events", 7, "count"],
    ["usage_events_minutes_sum_7d", "main.silver.usage_events", 7, "sum"],
    ["usage_events_minutes_mean_7d", "main.silver.usage_events", 7, "mean"],
    ["usage_events_sessions_sum_7d", "main.silver.usage_events", 7, "sum"],
    ["usage_events_sessions_mean_7d", "main.silver.usage_events", 7, "mean"],
    ["usage_events_feature_distinct_7d", "main.silver.usage_events", 7, "distinct"],
    ["usage_events_count_30d", "main.silver.usage_events", 30, "count"],
    ["usage_events_minutes_sum_30d", "main.silver.usage_events", 30, "sum"],
    ["usage_events_minutes_mean_30d", "main.silver.usage_events", 30, "mean"],
    ["usage_events_sessions_sum_30d", "main.silver.usage_events", 30, "sum"],
    ["usage_events_sessions_mean_30d", "main.silver.usage_events", 30, "mean"],
    ["usage_events_feature_distinct_30d", "main.silver.usage_events", 30, "distinct"],
    ["usage_events_count_90d", "main.silver.usage_events", 90, "count"],
    ["usage_events_minutes_sum_90d", "main.silver.usage_events", 90, "sum"],
    ["usage_events_minutes_mean_90d", "main.silver.usage_events", 90, "mean"],
    ["usage_events_sessions_sum_90d", "main.silver.usage_events", 90, "sum"],
    ["usage_events_sessions_mean_90d", "main.silver.usage_events", 90, "mean"],
    ["usage_events_feature_distinct_90d", "main.silver.usage_events", 90, "distinct"],
    ["usage_events_recency_days", "main.silver.usage_events", None, "recency"],
    ["tickets_count_7d", "main.crm.tickets", 7, "count"],
    ["tickets_count_30d", "main.crm.tickets", 30, "count"],
    ["tickets_count_90d", "main.crm.tickets", 90, "count"],
    ["tickets_recency_days", "main.crm.tickets", None, "recency"],
]
feature_spec = [[*row, null_policy[row[3]]] for row in feature_spec]
spark.sql("""
CREATE TABLE IF NOT EXISTS main.gold.entity_labels_feature_spec (feature STRING, source STRING, window_days INT, aggregate STRING, null_policy STRING)
USING DELTA
COMMENT 'Feature specification of main.gold.entity_labels: counts are 0 when no event falls in the window; sums, means and recency are null then.'
""")
spark.createDataFrame(
    feature_spec,
    "feature STRING, source STRING, window_days INT, aggregate STRING, null_policy STRING",
).write.insertInto(feature_spec_table, overwrite=True)
print(f"{feature_spec_table}: {len(feature_spec)} features described")

# Ownership moves last, once: from now on whoever re-runs this cell needs its rights through a
# group (a member of growth-team, or a group granted MODIFY on the table).
owner_row = spark.sql(f"DESCRIBE TABLE EXTENDED {target_table}").where("col_name = 'Owner'").first()
if owner_row is None or owner_row["data_type"] != "growth-team":
    spark.sql("ALTER TABLE main.gold.entity_labels SET OWNER TO `growth-team`")
