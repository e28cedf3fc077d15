# %%bronze delta_path
# source: /mnt/raw/sensors
# format: delta

import os

from pyspark.sql import functions as F

target_table = "spark_catalog.bronze.delta_path"
source_path = "/mnt/raw/sensors"
checkpoint = os.path.abspath("./.dbx_architect/checkpoints/bronze/delta_path")

spark.sql("CREATE SCHEMA IF NOT EXISTS spark_catalog.bronze")

# A Delta source read as a stream: each run picks up only the commits it has not seen.
raw = spark.readStream.format("delta").load(source_path)

# Ingest metadata: when each row landed and where it came from.
bronze = raw.withColumns(
    {
        "_ingested_at": F.current_timestamp(),
        "_source_file": F.lit(source_path),
    }
)

# No partitioning or clustering: under about 1 TB Delta's file statistics skip data well enough;
# add cluster_by when queries filter on a few columns.
# The source brings its own columns: the table declares the same ones.
columns = ",\n  ".join(f"`{field.name}` {field.dataType.simpleString()}" for field in bronze.schema)
spark.sql(f"""
CREATE TABLE IF NOT EXISTS spark_catalog.bronze.delta_path (
  {columns}
)
USING DELTA
COMMENT 'Raw records from /mnt/raw/sensors, as delivered, with ingest metadata.'
TBLPROPERTIES (
  'delta.enableChangeDataFeed' = 'true'
)
""")

query = (
    bronze.writeStream.format("delta")
    .outputMode("append")
    .option("checkpointLocation", checkpoint)
    .trigger(availableNow=True)
    .toTable(target_table)
)
query.awaitTermination()
rows_read = sum(progress["numInputRows"] or 0 for progress in query.recentProgress)

version = spark.sql(f"DESCRIBE HISTORY {target_table} LIMIT 1").first()["version"]
rows_now = spark.table(target_table).count()
print(f"{target_table}: {rows_read} rows read, {rows_now} rows now (Delta version {version})")
