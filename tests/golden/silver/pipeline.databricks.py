# %%silver sales --pipeline
# from: sales
# keys: [store, item, day]
# casts: {units: int}
# clean: {trim: true, fill: {units: 0}, drop_nulls: [store]}
# expect:
#   - {name: units_in_range, range: {units: [0, 10000]}, action: quarantine}
#   - {name: known_store, in: {store: [north, south, east]}, action: drop}
#   - {name: positive_price, rule: price > 0}
#   - {name: has_day, not_null: [day], action: fail}
# features:
#   - lag: {column: units, by: [store, item], order: day}
# cluster_by: [store, day]

# A Lakeflow Spark Declarative Pipelines source file (Databricks): add it to a pipeline, which
# runs it and keeps its tables up to date. The plain %%silver cell is the portable form.
from pyspark import pipelines as dp
from pyspark.sql import functions as F
from pyspark.sql.window import Window

source_table = "main.bronze.sales"


def prepared():
    """Bronze, shaped and cleaned: what the checks look at."""
    df = spark.read.table(source_table)
    df = df.withColumns(
        {
            "units": F.col("units").cast("INT"),
        }
    )
    string_columns = [name for name, kind in df.dtypes if kind == "string"]
    df = df.withColumns({name: F.trim(name) for name in string_columns})
    df = df.fillna({"units": 0})

    return df


@dp.materialized_view(
    name="main.silver.sales_quarantine",
    comment="Rows of main.silver.sales that failed a quarantine check, with the names of the checks.",
)
def sales_quarantine():
    checks = {
        "units_in_range": "(units IS NULL OR units BETWEEN 0 AND 10000)",
    }
    failed = F.filter(
        F.array(*[F.when(~F.expr(condition), F.lit(name)) for name, condition in checks.items()]),
        lambda name: name.isNotNull(),
    )
    return (
        prepared()
        .withColumn("_failed_expectations", failed)
        .where(F.size("_failed_expectations") > 0)
        .withColumn("_quarantined_at", F.current_timestamp())
    )


# Checks run on the rows this table would hold: warn -> expect, drop and quarantine ->
# expect_or_drop (quarantined rows are kept in the table above), fail -> expect_or_fail.
@dp.materialized_view(
    name="main.silver.sales",
    comment="Cleaned, checked and deduplicated records of main.bronze.sales.",
    cluster_by=["store", "day"],
    table_properties={"delta.enableChangeDataFeed": "true"},
)
@dp.expect_or_drop("clean_drop_nulls", "store IS NOT NULL")
@dp.expect_or_drop("units_in_range", "(units IS NULL OR units BETWEEN 0 AND 10000)")
@dp.expect_or_drop("known_store", "(store IS NULL OR store IN ('north', 'south', 'east'))")
@dp.expect("positive_price", "coalesce((price > 0), false)")
@dp.expect_or_fail("has_day", "day IS NOT NULL")
def sales():
    df = prepared()
    # One row per key: the latest by _ingested_at wins.
    latest_first = Window.partitionBy("store", "item", "day").orderBy(F.col("_ingested_at").desc())
    silver = (
        df.withColumn("_rank", F.row_number().over(latest_first)).where("_rank = 1").drop("_rank")
    )
    by_store_item_over_day = Window.partitionBy("store", "item").orderBy("day")
    silver = silver.withColumns(
        {
            "units_lag1": F.lag("units", 1).over(by_store_item_over_day),
        }
    )

    return silver
