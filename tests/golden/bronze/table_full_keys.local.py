# %%bronze table_full_keys
# source: samples.tpch.orders
# format: table
# load: full
# keys: [o_orderkey]

from pyspark.sql import functions as F
from pyspark.sql.window import Window

target_table = "spark_catalog.bronze.table_full_keys"
source_table = "samples.tpch.orders"

spark.sql("CREATE SCHEMA IF NOT EXISTS spark_catalog.bronze")

raw = spark.read.table(source_table)

# Ingest metadata: when each row landed and where it came from.
bronze = raw.withColumns(
    {
        "_ingested_at": F.current_timestamp(),
        "_source_file": F.lit(source_table),
    }
)

# No partitioning or clustering: under about 1 TB Delta's file statistics skip data well enough;
# add cluster_by when queries filter on a few columns.
# The source brings its own columns: the table declares the same ones.
columns = ",\n  ".join(f"`{field.name}` {field.dataType.simpleString()}" for field in bronze.schema)
spark.sql(f"""
CREATE TABLE IF NOT EXISTS spark_catalog.bronze.table_full_keys (
  {columns}
)
USING DELTA
COMMENT 'Raw records from samples.tpch.orders, as delivered, with ingest metadata.'
TBLPROPERTIES (
  'delta.enableChangeDataFeed' = 'true'
)
""")

# One row per key: when a batch holds a key twice, the row from the last file (by name) wins.
latest_first = Window.partitionBy("o_orderkey").orderBy(F.col("_source_file").desc())


def latest_per_key(df):
    return (
        df.withColumn("_rank", F.row_number().over(latest_first)).filter("_rank = 1").drop("_rank")
    )


# Full load: every row of the table is replaced (destructive: with %guard on it asks first).
version_before = spark.sql(f"DESCRIBE HISTORY {target_table} LIMIT 1").first()["version"]
bronze = latest_per_key(bronze)
bronze.writeTo(target_table).overwrite(F.lit(True))
last_commit = spark.sql(f"DESCRIBE HISTORY {target_table} LIMIT 1").first()
rows_read = int(last_commit["operationMetrics"]["numOutputRows"])
print(f"To undo this load: RESTORE TABLE {target_table} TO VERSION AS OF {version_before}")

version = spark.sql(f"DESCRIBE HISTORY {target_table} LIMIT 1").first()["version"]
rows_now = spark.table(target_table).count()
print(f"{target_table}: {rows_read} rows read, {rows_now} rows now (Delta version {version})")
