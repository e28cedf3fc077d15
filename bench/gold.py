"""Generated %%gold code against the same work written by hand, on local Spark + Delta.

    python bench/gold.py [MILLIONS ...]          (default: 1 4)
    python bench/gold.py --profile MILLIONS      (seconds per statement of the generated cell)

The Silver input: sales rows (store, item, day over two years, units, price) and a stores table
(store, region). The Gold cell joins them, aggregates per store, region and item by week (five
aggregates), adds a lag feature and MERGEs into Delta. The hand-written reference does the same
work in plain PySpark, as a competent engineer writes it: the same join, aggregates and window,
the first run a plain write, re-runs the same MERGE (rows replaced only when changed), and the
same summary line (rows inserted and updated, from the MERGE's result, and rows now).

For each size it prints, measured in this one run with the two sides interleaved (generated,
hand, then hand, generated, ...) and the median of the repeats:
  - the first run (the Gold table does not exist yet): generated s, hand s, generated / hand;
  - a re-run after appending 1% new Silver rows (the MERGE updates and inserts some weeks).
Target (issue 19): generated / hand <= 1.05.
"""

from __future__ import annotations

import ast
import contextlib
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

from dbx_architect.expand import expand
from dbx_architect.runtime.spark import start_local_spark
from dbx_architect.settings import DbxArchitect, Settings

REPEATS = 4
SPEC = """
from: [{sales}, stores]
join: {{on: [store], how: left}}
group_by: [store, region, item]
grain: week
time_col: day
aggregates:
  units: sum(units)
  revenue: sum(units * price)
  orders: count(*)
  avg_price: avg(price)
  max_units: max(units)
features:
  - lag: {{column: units, by: [store, item], order: day}}
"""
HAND = """
target = "spark_catalog.gold.{name}"
sales = spark.table("spark_catalog.silver.{sales}")
stores = spark.table("spark_catalog.silver.stores")
weekly = (
    sales.join(stores, ["store"], "left")
    .groupBy("store", "region", "item", F.to_date(F.date_trunc("week", "day")).alias("day"))
    .agg(
        F.sum("units").alias("units"),
        F.sum(F.col("units") * F.col("price")).alias("revenue"),
        F.count("*").alias("orders"),
        F.avg("price").alias("avg_price"),
        F.max("units").alias("max_units"),
    )
)
by_store_item = Window.partitionBy("store", "item").orderBy("day")
weekly = weekly.withColumn("units_lag1", F.lag("units").over(by_store_item))
if not spark.catalog.tableExists(target):
    weekly.write.format("delta").option("delta.enableChangeDataFeed", "true").saveAsTable(target)
    rows_now = spark.table(target).count()
    inserted, updated = rows_now, 0
else:
    changed = " OR ".join(f"NOT (t.`{{c}}` <=> s.`{{c}}`)" for c in weekly.columns)
    merged = (
        DeltaTable.forName(spark, target).alias("t")
        .merge(weekly.alias("s"), "t.store <=> s.store AND t.region <=> s.region "
               "AND t.item <=> s.item AND t.day <=> s.day")
        .whenMatchedUpdateAll(condition=changed)
        .whenNotMatchedInsertAll()
        .execute()
        .first()
    )
    inserted, updated = merged["num_inserted_rows"], merged["num_updated_rows"]
    rows_now = spark.table(target).count()
print(f"{{target}}: {{inserted}} rows inserted, {{updated}} updated, {{rows_now}} rows now")
"""


def make_silver(spark, table: str, start: int, rows: int, mode: str) -> None:
    # 20 stores x 50 items x 105 weeks: about 100k Gold rows.
    df = spark.range(start, start + rows).selectExpr(
        "concat('s', cast(id % 20 as string)) AS store",
        "concat('i', cast(id div 20 % 50 as string)) AS item",
        "date_add(DATE'2024-01-01', cast(id div 1000 % 730 as int)) AS day",
        "cast(id % 9 + 1 as int) AS units",
        "cast(id % 7 + 1 as double) * 1.25 AS price",
    )
    df.write.format("delta").mode(mode).saveAsTable(table)


def make_stores(spark) -> None:
    spark.range(20).selectExpr(
        "concat('s', cast(id as string)) AS store",
        "CASE WHEN id % 3 = 0 THEN 'north' WHEN id % 3 = 1 THEN 'south' ELSE 'west' END AS region",
    ).write.format("delta").mode("overwrite").saveAsTable("silver.stores")


def generated(name: str, sales: str) -> str:
    settings = Settings.from_config(DbxArchitect(), "local")
    return expand("gold", name, name, SPEC.format(sales=sales), settings).code


def hand(name: str, sales: str) -> str:
    head = "from delta.tables import DeltaTable\nfrom pyspark.sql import functions as F\n"
    head += "from pyspark.sql.window import Window\n"
    return head + HAND.format(name=name, sales=sales)


def timed(spark, source: str) -> float:
    began = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):  # the cell's summary line
        exec(compile(source, "<gold>", "exec"), {"spark": spark})
    return time.perf_counter() - began


def profile(spark, source: str) -> None:
    """Seconds per top-level statement of one run of the generated cell."""
    scope = {"spark": spark}
    for node in ast.parse(source).body:
        began = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):
            exec(compile(ast.Module([node], []), "<gold>", "exec"), scope)
        first = ast.get_source_segment(source, node).splitlines()[0][:70]
        print(f"  {time.perf_counter() - began:6.2f} s  {first}")


def compare(spark, tag: str, sales: str, after: str) -> tuple[list[float], list[float]]:
    """Interleaved runs: the first run (table dropped before) or a re-run (after='rerun')."""
    gen_times, hand_times = [], []
    for repeat in range(REPEATS):
        sides = [("gen", gen_times), ("hand", hand_times)]
        for side, times in sides if repeat % 2 == 0 else sides[::-1]:  # A B, B A, ...
            name = f"{side}_{tag}"
            if after == "first":
                spark.sql(f"DROP TABLE IF EXISTS spark_catalog.gold.{name}")
            code = generated(name, sales) if side == "gen" else hand(name, sales)
            times.append(timed(spark, code))
    return gen_times, hand_times


def line(label: str, gen: list[float], hand_: list[float]) -> str:
    g, h = statistics.median(gen), statistics.median(hand_)
    return f"{label}: generated {g:6.1f} s, hand {h:6.1f} s, generated / hand {g / h:4.2f}"


def main(sizes: list[float]) -> None:
    root = Path(tempfile.mkdtemp(prefix="dbx_bench_"))
    spark = start_local_spark(root / ".dbx_architect", master="local[2]")
    spark.sql("CREATE SCHEMA IF NOT EXISTS silver")
    spark.sql("CREATE SCHEMA IF NOT EXISTS gold")
    make_stores(spark)
    # Warm up the JVM (code generation, Delta's first commits) on a small table.
    make_silver(spark, "silver.sales_warmup", 0, 50_000, "overwrite")
    compare(spark, "warmup", "sales_warmup", "first")
    for millions in sizes:
        rows = int(millions * 1_000_000)
        tag = str(millions).replace(".", "_")
        make_silver(spark, f"silver.sales_{tag}", 0, rows, "overwrite")
        first = compare(spark, tag, f"sales_{tag}", "first")
        make_silver(spark, f"silver.sales_{tag}", rows, rows // 100, "append")
        rerun = compare(spark, tag, f"sales_{tag}", "rerun")
        print(
            f"{millions:>5g}M rows | {line('first run', *first)} | {line('+1% re-run', *rerun)}",
            flush=True,
        )
    spark.stop()


def main_profile(millions: float) -> None:
    root = Path(tempfile.mkdtemp(prefix="dbx_bench_"))
    spark = start_local_spark(root / ".dbx_architect", master="local[2]")
    spark.sql("CREATE SCHEMA IF NOT EXISTS silver")
    spark.sql("CREATE SCHEMA IF NOT EXISTS gold")
    make_stores(spark)
    rows = int(millions * 1_000_000)
    make_silver(spark, "silver.sales_p", 0, rows, "overwrite")
    for run in ("first run", "re-run", "re-run after +1%"):
        if run == "re-run after +1%":
            make_silver(spark, "silver.sales_p", rows, rows // 100, "append")
        print(f"{run}, {millions:g}M rows:")
        profile(spark, generated("profiled", "sales_p"))
    spark.stop()


if __name__ == "__main__":
    if sys.argv[1:2] == ["--profile"]:
        main_profile(float(sys.argv[2]) if sys.argv[2:] else 1)
    else:
        main([float(a) for a in sys.argv[1:]] or [1, 4])
