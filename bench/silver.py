"""Generated %%silver code on synthetic Bronze data of growing size, on local Spark + Delta.

    python bench/silver.py [MILLIONS ...]        (default: 1 4 16)

For each size it prints, measured in this one run:
  - the full run with five quality checks: seconds and rows/s;
  - the same pipeline without checks, and the ratio (target: checks cost <= 1.3x), also for
    the four row-level checks alone (without the unique check's window over all rows);
  - an incremental run after appending 1% new rows (target: <= 10% of the full run);
and at the end the growth of the full run from the smallest to the largest size
(target: no worse than linear).
"""

from __future__ import annotations

import contextlib
import io
import sys
import tempfile
import time
from pathlib import Path

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


def timed(spark, source: str) -> float:
    began = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):  # the cell's summary table
        exec(compile(source, "<silver>", "exec"), {"spark": spark})
    return time.perf_counter() - began


def main(sizes: list[float]) -> None:
    root = Path(tempfile.mkdtemp(prefix="dbx_bench_"))
    spark = start_local_spark(root / ".dbx_architect", master="local[2]")
    spark.sql("CREATE SCHEMA IF NOT EXISTS bronze")
    spark.sql("CREATE SCHEMA IF NOT EXISTS silver")
    # Warm up the JVM (code generation, Delta's first commits) so the first size is not
    # charged for it.
    make_bronze(spark, "bronze.warmup", 0, 20_000, "overwrite")
    timed(spark, code("warmup_checked", "bronze.warmup", CHECKS))
    timed(spark, code("warmup_plain", "bronze.warmup", ""))
    fulls = {}
    for millions in sizes:
        rows = int(millions * 1_000_000)
        tag = str(millions).replace(".", "_")
        bronze = f"bronze.events_{tag}"
        make_bronze(spark, bronze, 0, rows, "overwrite")
        full = timed(spark, code(f"checked_{tag}", bronze, CHECKS))
        row_only = timed(spark, code(f"rows_{tag}", bronze, ROW_CHECKS))
        plain = timed(spark, code(f"plain_{tag}", bronze, ""))
        make_bronze(spark, bronze, rows, rows // 100, "append")
        incremental = timed(spark, code(f"checked_{tag}", bronze, CHECKS))
        fulls[millions] = full
        print(
            f"{millions:>5g}M rows: full {full:7.1f} s ({rows / full:>9,.0f} rows/s) | "
            f"no checks {plain:6.1f} s, checks cost {full / plain:4.2f}x "
            f"(row checks only {row_only / plain:4.2f}x) | "
            f"+1% incremental {incremental:6.1f} s = {incremental / full:5.1%} of full",
            flush=True,
        )
    small, large = min(fulls), max(fulls)
    if large > small:
        growth = fulls[large] / fulls[small]
        print(
            f"growth {small:g}M -> {large:g}M: time x{growth:.1f} for rows x{large / small:g} "
            f"({'within' if growth <= large / small else 'worse than'} linear)"
        )
    spark.stop()


if __name__ == "__main__":
    main([float(a) for a in sys.argv[1:]] or [1, 4, 16])
