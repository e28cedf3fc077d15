# %%bronze csv_append
# source: /landing/sales/
# format: csv
# schema: id INT, store STRING, amount DOUBLE, sold_at TIMESTAMP
# partition_by: [store]

from pyspark.sql import functions as F

target_table = "main.bronze.csv_append"
source_path = "/landing/sales/"
checkpoint = "/Volumes/main/bronze/_checkpoints/bronze/csv_append"
schema_location = "/Volumes/main/bronze/_checkpoints/bronze/csv_append/_schema"

spark.sql("CREATE SCHEMA IF NOT EXISTS main.bronze")
spark.sql("CREATE VOLUME IF NOT EXISTS main.bronze._checkpoints")

# Auto Loader: each run picks up only the files it has not seen (state in the checkpoint).
raw = (
    spark.readStream.format("cloudFiles")
    .option("cloudFiles.format", "csv")
    .option("cloudFiles.schemaLocation", schema_location)
    .schema("id INT, store STRING, amount DOUBLE, sold_at TIMESTAMP")
    .options(**{"header": "true"})
    .load(source_path)
)

# Ingest metadata: when each row landed and where it came from.
bronze = raw.withColumns(
    {
        "_ingested_at": F.current_timestamp(),
        "_source_file": F.col("_metadata.file_path"),
    }
)

# Partitioned by store: keep these low-cardinality (well under 10,000 values) so each partition
# stays at 1 GB or more.
spark.sql("""
CREATE TABLE IF NOT EXISTS main.bronze.csv_append (
  id INT,
  store STRING,
  amount DOUBLE,
  sold_at TIMESTAMP,
  _ingested_at TIMESTAMP,
  _source_file STRING
)
USING DELTA
PARTITIONED BY (store)
COMMENT 'Raw records from /landing/sales/, as delivered, with ingest metadata.'
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
