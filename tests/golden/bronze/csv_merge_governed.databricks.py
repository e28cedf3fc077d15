# %%bronze csv_merge_governed
# source: /landing/orders/*.csv
# schema: order_id BIGINT NOT NULL COMMENT 'order number', amount DECIMAL(10,2), updated TIMESTAMP
# keys: [order_id]
# cluster_by: [order_id]
# options: {header: true, sep: ";"}
# comment: Orders as the shop exports them
# owner: data-eng@example.com
# tags: {domain: sales}
# column_tags: {amount: {sensitivity: confidential}, order_id: {pii: "false"}}
# properties: {delta.appendOnly: false, quality: bronze}

from pyspark.sql import functions as F
from pyspark.sql.window import Window

target_table = "main.bronze.csv_merge_governed"
source_path = "/landing/orders/*.csv"
checkpoint = "/Volumes/main/bronze/_checkpoints/bronze/csv_merge_governed"
schema_location = "/Volumes/main/bronze/_checkpoints/bronze/csv_merge_governed/_schema"

spark.sql("CREATE SCHEMA IF NOT EXISTS main.bronze")
spark.sql("CREATE VOLUME IF NOT EXISTS main.bronze._checkpoints")

# Auto Loader: each run picks up only the files it has not seen (state in the checkpoint).
raw = (
    spark.readStream.format("cloudFiles")
    .option("cloudFiles.format", "csv")
    .option("cloudFiles.schemaLocation", schema_location)
    .schema("order_id BIGINT, amount DECIMAL(10, 2), updated TIMESTAMP")
    .options(**{"header": "true", "sep": ";"})
    .load(source_path)
)

# Ingest metadata: when each row landed and where it came from.
bronze = raw.withColumns(
    {
        "_ingested_at": F.current_timestamp(),
        "_source_file": F.col("_metadata.file_path"),
    }
)

# Liquid clustering on order_id: data skipping for filters and MERGE on these columns, and the
# keys can change later without rewriting the table.
spark.sql("""
CREATE TABLE IF NOT EXISTS main.bronze.csv_merge_governed (
  order_id BIGINT NOT NULL COMMENT 'order number',
  amount DECIMAL(10, 2),
  updated TIMESTAMP,
  _ingested_at TIMESTAMP,
  _source_file STRING
)
USING DELTA
CLUSTER BY (order_id)
COMMENT 'Orders as the shop exports them'
TBLPROPERTIES (
  'delta.appendOnly' = 'false',
  'delta.enableChangeDataFeed' = 'true',
  'quality' = 'bronze'
)
""")
spark.sql("ALTER TABLE main.bronze.csv_merge_governed SET TAGS ('domain' = 'sales')")
spark.sql(
    "ALTER TABLE main.bronze.csv_merge_governed ALTER COLUMN amount SET TAGS ('sensitivity' = 'confidential')"
)
spark.sql(
    "ALTER TABLE main.bronze.csv_merge_governed ALTER COLUMN order_id SET TAGS ('pii' = 'false')"
)

# One row per key: when a batch holds a key twice, the row from the last file (by name) wins.
latest_first = Window.partitionBy("order_id").orderBy(F.col("_source_file").desc())


def latest_per_key(df):
    return (
        df.withColumn("_rank", F.row_number().over(latest_first)).filter("_rank = 1").drop("_rank")
    )


def upsert_batch(batch, batch_id):
    """MERGE one micro-batch on the keys: a changed row is updated, a new one inserted."""
    latest_per_key(batch).createOrReplaceTempView("_bronze_csv_merge_governed_batch")
    batch.sparkSession.sql("""
MERGE INTO main.bronze.csv_merge_governed AS t
USING _bronze_csv_merge_governed_batch AS s
ON t.order_id <=> s.order_id
WHEN MATCHED THEN UPDATE SET *
WHEN NOT MATCHED THEN INSERT *
""")


query = (
    bronze.writeStream.foreachBatch(upsert_batch)
    .option("checkpointLocation", checkpoint)
    .trigger(availableNow=True)
    .start()
)
query.awaitTermination()
rows_read = sum(progress["numInputRows"] or 0 for progress in query.recentProgress)

version = spark.sql(f"DESCRIBE HISTORY {target_table} LIMIT 1").first()["version"]
rows_now = spark.table(target_table).count()
print(f"{target_table}: {rows_read} rows read, {rows_now} rows now (Delta version {version})")

# Ownership moves last, once: from now on whoever re-runs this cell needs its rights through a
# group (a member of data-eng@example.com, or a group granted MODIFY on the table).
owner_row = spark.sql(f"DESCRIBE TABLE EXTENDED {target_table}").where("col_name = 'Owner'").first()
if owner_row is None or owner_row["data_type"] != "data-eng@example.com":
    spark.sql("ALTER TABLE main.bronze.csv_merge_governed SET OWNER TO `data-eng@example.com`")
