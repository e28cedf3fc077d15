# %%bronze json_full
# source: /landing/events.json
# load: full

from pyspark.sql import functions as F

target_table = "main.bronze.json_full"
source_path = "/landing/events.json"

spark.sql("CREATE SCHEMA IF NOT EXISTS main.bronze")

raw = spark.read.format("json").load(source_path)

# Ingest metadata: when each row landed and where it came from.
bronze = raw.withColumns(
    {
        "_ingested_at": F.current_timestamp(),
        "_source_file": F.col("_metadata.file_path"),
    }
)

# No partitioning or clustering: under about 1 TB Delta's file statistics skip data well enough;
# add cluster_by when queries filter on a few columns.
# The source brings its own columns: the table declares the same ones.
columns = ",\n  ".join(f"`{field.name}` {field.dataType.simpleString()}" for field in bronze.schema)
spark.sql(f"""
CREATE TABLE IF NOT EXISTS main.bronze.json_full (
  {columns}
)
USING DELTA
COMMENT 'Raw records from /landing/events.json, as delivered, with ingest metadata.'
TBLPROPERTIES (
  'delta.enableChangeDataFeed' = 'true'
)
""")

# Full load: every row of the table is replaced (destructive: with %guard on it asks first).
version_before = spark.sql(f"DESCRIBE HISTORY {target_table} LIMIT 1").first()["version"]
bronze.writeTo(target_table).overwrite(F.lit(True))
last_commit = spark.sql(f"DESCRIBE HISTORY {target_table} LIMIT 1").first()
rows_read = int(last_commit["operationMetrics"]["numOutputRows"])
print(f"To undo this load: RESTORE TABLE {target_table} TO VERSION AS OF {version_before}")

version = spark.sql(f"DESCRIBE HISTORY {target_table} LIMIT 1").first()["version"]
rows_now = spark.table(target_table).count()
print(f"{target_table}: {rows_read} rows read, {rows_now} rows now (Delta version {version})")
