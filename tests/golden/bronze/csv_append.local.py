# %%bronze csv_append
# source: /landing/sales/
# format: csv
# schema: id INT, store STRING, amount DOUBLE, sold_at TIMESTAMP
# partition_by: [store]

import os

from pyspark.sql import functions as F

target_table = "spark_catalog.bronze.csv_append"
source_path = "/landing/sales/"
checkpoint = os.path.abspath("./.dbx_architect/checkpoints/bronze/csv_append")

spark.sql("CREATE SCHEMA IF NOT EXISTS spark_catalog.bronze")

# A file-source stream with an explicit schema: each run picks up only the files it has not
# seen (state in the checkpoint). On Databricks this is Auto Loader (cloudFiles).
raw = (
    spark.readStream.format("csv")
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
CREATE TABLE IF NOT EXISTS spark_catalog.bronze.csv_append (
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
