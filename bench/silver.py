"""Generated %%silver code on synthetic Bronze data of growing size, on local Spark + Delta.

    python bench/silver.py [--repeat N] [MILLIONS ...]        (default: 1 4 16, N = 3)

For each size it prints, measured in this one run (medians of N runs; the generated cell and
the hand-written reference alternate, A B A B ...):
  - the full run with five quality checks: seconds and rows/s;
  - the same pipeline without checks, and the ratio (target: checks cost <= 1.2x), also for
    the four row-level checks alone (without the unique check's window over all rows);
  - an incremental run after appending 1% new rows (target: <= 5% of the full run);
  - the same work written by hand in plain PySpark (`hand_silver` below): generated / hand
    with checks (target: <= 1.05) and the hand version's own checks cost;
and at the end the growth of the full run from the smallest to the largest size
(target: no worse than linear).
"""

from __future__ import annotations

import contextlib
import io
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from functools import reduce
from operator import or_
from pathlib import Path

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.window import Window

from dbx_architect.expand import expand
from dbx_architect.runtime.spark import start_local_spark
from dbx_architect.settings import DbxArchitect, Settings

ROW_CHECKS = """
expect:
  - {name: units_in_range, range: {units: [0, 500]}, action: quarantine}
  - {name: known_store, in: {store: [s0, s1, s2, s3, s4, s5, s6, s7, s8, s9]}, action: drop}
  - {name: positive_price, rule: price > 0, action: warn}
  - {name: has_day, not_null: [day], action: drop}
"""
# unique compares rows with each other: a window over all rows (a shuffle and a sort).
CHECKS = ROW_CHECKS + "  - {name: one_row_per_id, unique: [id], action: warn}\n"
BODY = """
from: {bronze}
keys: [id]
casts: {{units: int}}
clean: {{trim: [store], fill: {{units: 0}}}}
features:
  - date_parts: day
  - ratio: {{name: revenue_per_unit, num: revenue, den: units}}
"""
HAND_VERSION = "hand.source_version"


def make_bronze(spark, table: str, start: int, rows: int, mode: str) -> None:
    # Dirt at realistic rates: 1% out of range (quarantined), ~1% unknown store (dropped),
    # 2% zero price (counted).
    df = spark.range(start, start + rows).selectExpr(
        "id",
        "CASE WHEN id % 97 = 0 THEN 's10' ELSE concat('s', cast(id % 10 as string)) END AS store",
        "date_add(DATE'2024-01-01', cast(id % 700 as int)) AS day",
        "CASE WHEN id % 100 = 0 THEN '999' ELSE cast(id % 500 as string) END AS units",
        "CASE WHEN id % 50 = 0 THEN 0.0 ELSE cast(id % 7 + 1 as double) END AS price",
        "cast(id % 997 as double) * 1.5 AS revenue",
        "current_timestamp() AS _ingested_at",
    )
    writer = df.write.format("delta").mode(mode)
    if mode == "overwrite":
        writer = writer.option("delta.enableChangeDataFeed", "true")
    writer.saveAsTable(table)


def code(target: str, bronze: str, checks: str) -> str:
    settings = Settings.from_config(DbxArchitect(), "local")
    body = BODY.format(bronze=bronze) + checks
    return expand("silver", target, target, body, settings).code


def generated(source: str) -> Callable[[SparkSession], None]:
    def run(spark: SparkSession) -> None:
        with contextlib.redirect_stdout(io.StringIO()):  # the cell's summary table
            exec(compile(source, "<silver>", "exec"), {"spark": spark})

    return run


# The hand-written reference: the same work as the generated cell, in plain PySpark, as a
# competent engineer writes it for this one table (fair, not crippled, not heroic): boolean
# columns for the checks, counted in one aggregate over a cached frame; the failed names built
# only for quarantined rows; the first run writes the table, later runs MERGE into it.


def hand_checks(which: str) -> dict[str, tuple[str, Column]]:
    """The bench's checks by hand: name -> (action, condition a good row meets)."""
    stores = [f"s{i}" for i in range(10)]
    every = {
        "units_in_range": ("quarantine", F.col("units").isNull() | F.col("units").between(0, 500)),
        "known_store": ("drop", F.col("store").isNull() | F.col("store").isin(stores)),
        "positive_price": ("warn", F.coalesce(F.col("price") > 0, F.lit(False))),
        "has_day": ("drop", F.col("day").isNotNull()),
        "one_row_per_id": ("warn", F.count(F.lit(1)).over(Window.partitionBy("id")) == 1),
    }
    keep = {"all": 5, "rows": 4, "none": 0}[which]
    return dict(list(every.items())[:keep])


def hand_read(spark: SparkSession, source: str, target: str) -> tuple[DataFrame, int, bool]:
    """Bronze since the version the target has reached (its change feed), or all of it."""
    source_version = spark.sql(f"DESCRIBE HISTORY {source} LIMIT 1").first()["version"]
    exists = spark.catalog.tableExists(target)
    done = -1
    if exists:
        properties = {r.key: r.value for r in spark.sql(f"SHOW TBLPROPERTIES {target}").collect()}
        done = int(properties.get(HAND_VERSION, -1))
    if done < 0:
        raw = spark.read.option("versionAsOf", source_version).table(source)
    else:
        raw = (
            spark.read.option("readChangeFeed", "true")
            .option("startingVersion", done + 1)
            .option("endingVersion", source_version)
            .table(source)
            .where("_change_type IN ('insert', 'update_postimage')")
            .drop("_change_type", "_commit_version", "_commit_timestamp")
        )
    return raw, source_version, exists


def hand_quality(df: DataFrame, checks: dict, target: str, version: int) -> tuple[DataFrame, dict]:
    """Flag, count and quarantine; returns the rows kept and the counts."""
    flags = {f"_bad_{name}": ~ok for name, (_, ok) in checks.items()}
    checked = df.withColumns(flags).cache()

    def bad(actions: set[str]) -> Column:
        columns = [F.col(f"_bad_{n}") for n, (action, _) in checks.items() if action in actions]
        return reduce(or_, columns, F.lit(False))

    counts = checked.agg(
        F.count(F.lit(1)).alias("rows_in"),
        *[F.count_if(f"_bad_{name}").alias(name) for name in checks],
        F.count_if(bad({"quarantine"})).alias("quarantined"),
        F.count_if(bad({"quarantine", "drop"})).alias("removed"),
    ).first()
    names = F.array_compact(F.array(*[F.when(F.col(f"_bad_{n}"), n) for n in checks]))
    quarantine = checked.where(bad({"quarantine"})).select(
        *df.columns,
        names.alias("_failed_expectations"),
        F.current_timestamp().alias("_quarantined_at"),
        F.sha2(F.to_json(F.struct(*df.columns)), 256).alias("_row_hash"),
    )
    (
        quarantine.write.format("delta")
        .mode("append")
        .option("txnAppId", f"{target} quarantine")
        .option("txnVersion", version)
        .saveAsTable(f"{target}_quarantine")
    )
    kept = checked.where(~bad({"quarantine", "drop"})).drop(*flags)
    return kept, {**counts.asDict(), "_checked": checked}


def hand_silver(spark: SparkSession, source: str, target: str, which: str) -> dict:
    raw, version, exists = hand_read(spark, source, target)
    df = raw.withColumns({"units": F.col("units").cast("int"), "store": F.trim("store")})
    df = df.fillna({"units": 0})
    checks = hand_checks(which)
    kept, counts = hand_quality(df, checks, target, version) if checks else (df, {})
    rank = F.row_number().over(Window.partitionBy("id").orderBy(F.col("_ingested_at").desc()))
    silver = kept.withColumn("_rank", rank).where("_rank = 1").drop("_rank")
    silver = silver.withColumns(
        {
            "day_year": F.year("day"),
            "day_quarter": F.quarter("day"),
            "day_month": F.month("day"),
            "day_weekofyear": F.weekofyear("day"),
            "day_day": F.dayofmonth("day"),
            "day_dayofweek": F.dayofweek("day"),
            "revenue_per_unit": F.col("revenue") / F.when(F.col("units") != 0, F.col("units")),
        }
    )
    if exists:
        silver.createOrReplaceTempView("_hand_batch")
        changed = " OR ".join(f"NOT (t.`{c}` <=> s.`{c}`)" for c in silver.columns)
        spark.sql(
            f"MERGE INTO {target} AS t USING _hand_batch AS s ON t.id <=> s.id "
            "WHEN MATCHED AND (s._ingested_at >= t._ingested_at OR t._ingested_at IS NULL) "
            f"AND ({changed}) THEN UPDATE SET * WHEN NOT MATCHED THEN INSERT *"
        )
    else:
        writer = silver.write.format("delta").option("delta.enableChangeDataFeed", "true")
        writer.saveAsTable(target)
    counts["written"] = spark.sql(f"DESCRIBE HISTORY {target} LIMIT 1").first()["operationMetrics"]
    spark.sql(f"ALTER TABLE {target} SET TBLPROPERTIES ('{HAND_VERSION}' = '{version}')")
    if "_checked" in counts:
        counts.pop("_checked").unpersist()
    return counts


def hand(source: str, target: str, which: str) -> Callable[[SparkSession], None]:
    return lambda spark: hand_silver(spark, source, target, which)


def timed(spark: SparkSession, run: Callable[[SparkSession], None]) -> float:
    began = time.perf_counter()
    run(spark)
    return time.perf_counter() - began


def drop(spark: SparkSession, *tables: str) -> None:
    for table in tables:
        spark.sql(f"DROP TABLE IF EXISTS {table}")
        spark.sql(f"DROP TABLE IF EXISTS {table}_quarantine")


def one_size(spark: SparkSession, millions: float, repeat: int) -> float:
    rows = int(millions * 1_000_000)
    tag = str(millions).replace(".", "_")
    bronze = f"bronze.events_{tag}"
    make_bronze(spark, bronze, 0, rows, "overwrite")
    runs = {
        "generated": lambda t, checks: generated(code(t, bronze, checks)),
        "hand": lambda t, checks: hand(bronze, f"silver.{t}", checks),
    }
    kinds = {"checked": (CHECKS, "all"), "rows": (ROW_CHECKS, "rows"), "plain": ("", "none")}
    times: dict[tuple[str, str], list[float]] = {}
    for rep in range(repeat):
        last = rep == repeat - 1
        for kind, (spec_checks, hand_kind) in kinds.items():
            for side, make in runs.items():  # A B A B: the two sides alternate
                table = f"{side}_{kind}_{tag}" + ("" if last else f"_{rep}")
                drop(spark, f"silver.{table}")
                chosen = spec_checks if side == "generated" else hand_kind
                times.setdefault((side, kind), []).append(timed(spark, make(table, chosen)))
                if not last or kind != "checked":
                    drop(spark, f"silver.{table}")
    med = {key: statistics.median(values) for key, values in times.items()}
    make_bronze(spark, bronze, rows, rows // 100, "append")
    inc = {
        side: timed(spark, runs[side](f"{side}_checked_{tag}", kinds["checked"][side == "hand"]))
        for side in runs
    }
    full, plain = med["generated", "checked"], med["generated", "plain"]
    hand_full, hand_plain = med["hand", "checked"], med["hand", "plain"]
    print(
        f"{millions:>5g}M rows: full {full:7.1f} s ({rows / full:>9,.0f} rows/s) | "
        f"no checks {plain:6.1f} s, checks cost {full / plain:4.2f}x "
        f"(row checks only {med['generated', 'rows'] / plain:4.2f}x) | "
        f"+1% incremental {inc['generated']:6.1f} s = {inc['generated'] / full:5.1%} of full",
        flush=True,
    )
    print(
        f"{'':>5} hand-written: full {hand_full:7.1f} s, generated / hand {full / hand_full:4.2f} "
        f"(no checks {plain / hand_plain:4.2f}) | hand checks cost {hand_full / hand_plain:4.2f}x "
        f"(row checks only {med['hand', 'rows'] / hand_plain:4.2f}x) | "
        f"hand +1% incremental {inc['hand']:6.1f} s = {inc['hand'] / hand_full:5.1%} of full",
        flush=True,
    )
    return full


def main(sizes: list[float], repeat: int) -> None:
    root = Path(tempfile.mkdtemp(prefix="dbx_bench_"))
    spark = start_local_spark(root / ".dbx_architect", master="local[2]")
    spark.sql("CREATE SCHEMA IF NOT EXISTS bronze")
    spark.sql("CREATE SCHEMA IF NOT EXISTS silver")
    # Warm up the JVM (code generation, Delta's first commits) so the first size is not
    # charged for it.
    make_bronze(spark, "bronze.warmup", 0, 20_000, "overwrite")
    for checks, which in ((CHECKS, "all"), ("", "none")):
        timed(spark, generated(code(f"warmup_{which}", "bronze.warmup", checks)))
        timed(spark, hand("bronze.warmup", f"silver.warmup_hand_{which}", which))
    fulls = {millions: one_size(spark, millions, repeat) for millions in sizes}
    small, large = min(fulls), max(fulls)
    if large > small:
        growth = fulls[large] / fulls[small]
        print(
            f"growth {small:g}M -> {large:g}M: time x{growth:.1f} for rows x{large / small:g} "
            f"({'within' if growth <= large / small else 'worse than'} linear)"
        )
    spark.stop()


if __name__ == "__main__":
    args = sys.argv[1:]
    repeat = 3
    if args[:1] == ["--repeat"]:
        repeat, args = int(args[1]), args[2:]
    main([float(a) for a in args] or [1, 4, 16], repeat)
