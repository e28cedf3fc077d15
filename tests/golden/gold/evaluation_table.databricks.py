# %%gold evaluation_table
# kind: evaluation

target_table = "main.gold.evaluation_table"

spark.sql("CREATE SCHEMA IF NOT EXISTS main.gold")

# A evaluation table: its columns are fixed; the magics that fill it write these columns.
# No partitioning or clustering: under about 1 TB Delta's file statistics skip data well enough;
# add cluster_by when queries filter on a few columns.
spark.sql("""
CREATE TABLE IF NOT EXISTS main.gold.evaluation_table (
  run_id STRING,
  model_name STRING,
  candidate STRING,
  metric STRING,
  split STRING,
  value DOUBLE,
  evaluated_at TIMESTAMP
)
USING DELTA
COMMENT 'Evaluation table built from the pipeline.'
TBLPROPERTIES (
  'delta.enableChangeDataFeed' = 'true'
)
""")

print(f"{target_table}: ready")
