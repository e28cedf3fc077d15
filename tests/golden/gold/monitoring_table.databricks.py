# %%gold monitoring_table
# kind: monitoring
# partition_by: [model_name]

target_table = "main.gold.monitoring_table"

spark.sql("CREATE SCHEMA IF NOT EXISTS main.gold")

# A monitoring table: its columns are fixed; the magics that fill it write these columns.
# Partitioned by model_name: keep these low-cardinality (well under 10,000 values) so each
# partition stays at 1 GB or more.
spark.sql("""
CREATE TABLE IF NOT EXISTS main.gold.monitoring_table (
  model_name STRING,
  model_version STRING,
  window_start TIMESTAMP,
  window_end TIMESTAMP,
  feature STRING,
  statistic STRING,
  value DOUBLE,
  threshold DOUBLE,
  breached BOOLEAN,
  computed_at TIMESTAMP
)
USING DELTA
PARTITIONED BY (model_name)
COMMENT 'Monitoring table built from the pipeline.'
TBLPROPERTIES (
  'delta.enableChangeDataFeed' = 'true'
)
""")

print(f"{target_table}: ready")
