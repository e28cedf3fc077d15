# %%gold predictions_table
# kind: predictions
# keys: [store, day]

target_table = "spark_catalog.gold.predictions_table"

spark.sql("CREATE SCHEMA IF NOT EXISTS spark_catalog.gold")

# A predictions table: its columns are fixed; the magics that fill it write these columns.
# No partitioning or clustering: under about 1 TB Delta's file statistics skip data well enough;
# add cluster_by when queries filter on a few columns.
spark.sql("""
CREATE TABLE IF NOT EXISTS spark_catalog.gold.predictions_table (
  store STRING,
  day STRING,
  prediction DOUBLE,
  model_name STRING,
  model_version STRING,
  model_alias STRING,
  scored_at TIMESTAMP
)
USING DELTA
COMMENT 'Predictions table built from the pipeline.'
TBLPROPERTIES (
  'delta.enableChangeDataFeed' = 'true'
)
""")

print(f"{target_table}: ready")
