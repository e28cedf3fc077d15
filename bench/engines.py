"""The generated %%silver and %%gold cells on three engines: local Spark, a cluster, Spark Connect.

    python bench/engines.py [--rows MILLIONS ...] [--engines ENGINE ...] [--keep]
                                                  (defaults: --rows 1 4, all three engines)

The same pipeline runs on each engine, in its own Python process (one SparkSession per process;
a classic and a Connect session cannot share one):
  - classic: local Spark, master local[2];
  - cluster: a standalone cluster of 2 workers (1 core, 1 GB each) on 127.0.0.1, started with
    StandaloneCluster; the driver is this process's JVM, the executors are two other JVMs;
  - connect: local[2] behind a local Spark Connect server (what serverless, Standard access mode
    and Databricks Connect give): the cells run through a Connect client.
Per engine and size: Spark itself writes N rows of daily sales to a Bronze Delta table (~1%
duplicate sale ids, 1% units out of range, ~1% unknown store, 2% zero price), then the timed
part runs the code %%silver expands to (casts, cleaning, five checks with quarantine, dedupe,
MERGE) and the code %%gold expands to (weekly sums per store and item, a lag, MERGE). Session
start, cluster start and data generation are reported apart, and a warm-up on 20,000 rows runs
first so the first size is not charged for the JVM's code generation.

Prints, measured in this one run: a table of engine, rows, seconds (Silver + Gold), rows/s,
the Silver and Gold parts, the rows each wrote (the same on every engine) and the 1-minute load
average before the size (other processes on the machine slow every engine); the growth of each
engine from the smallest to the largest size against the growth of the rows (target: linear);
and each engine's time over classic's per size. Issue 9. Timings are printed, not checked.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

ENGINES = ("classic", "cluster", "connect")
MARK = "@@engines "  # the prefix of the JSON lines a child prints for the parent
WARMUP_ROWS = 20_000

SILVER = """
from: {bronze}
keys: [sale_id]
order_by: [updated_at]
casts: {{units: int}}
clean: {{trim: [store], fill: {{units: 0}}}}
expect:
  - {{name: units_in_range, range: {{units: [0, 500]}}, action: quarantine}}
  - {{name: known_store, in: {{store: [s0, s1, s2, s3, s4, s5, s6, s7, s8, s9]}}, action: drop}}
  - {{name: positive_price, rule: price > 0, action: warn}}
  - {{name: has_day, not_null: [day], action: drop}}
  - {{name: one_row_per_sale, unique: [sale_id], action: warn}}
features:
  - expr: {{revenue: units * price}}
"""
GOLD = """
from: {silver}
group_by: [store, item]
grain: week
time_col: day
aggregates: {{units: sum(units), revenue: sum(revenue), sales: count(*)}}
features:
  - lag: {{column: units, by: [store, item], order: day}}
"""


# ---------------------------------------------------------------------------------------------
# The child: one engine, every size.


def make_bronze(spark, table: str, rows: int) -> None:
    # 10 stores x 100 items, 1,000 sales a day over two years; every 100th sale comes twice
    # (a later update of the previous id, which the dedupe keeps).
    df = spark.range(rows).selectExpr(
        "CASE WHEN id % 100 = 1 THEN id - 1 ELSE id END AS sale_id",
        "CASE WHEN id % 97 = 0 THEN 's10' "
        "ELSE concat(CASE WHEN id % 13 = 0 THEN ' ' ELSE '' END, 's', cast(id % 10 AS string)) "
        "END AS store",
        "concat('i', cast(id DIV 10 % 100 AS string)) AS item",
        "date_add(DATE'2024-01-01', cast(id DIV 1000 % 730 AS int)) AS day",
        "CASE WHEN id % 100 = 50 THEN '999' ELSE cast(id % 500 AS string) END AS units",
        "CASE WHEN id % 50 = 3 THEN 0.0 ELSE cast(id % 7 + 1 AS double) END AS price",
        "timestamp_seconds(1704067200 + id) AS updated_at",
        "current_timestamp() AS _ingested_at",
    )
    (
        df.write.format("delta")
        .mode("overwrite")
        .option("delta.enableChangeDataFeed", "true")
        .saveAsTable(table)
    )


def cells(tag: str) -> tuple[str, str]:
    from dbx_architect.expand import expand
    from dbx_architect.settings import DbxArchitect, Settings

    settings = Settings.from_config(DbxArchitect(), "local")
    silver, gold = f"sales_{tag}", f"weekly_sales_{tag}"
    return (
        expand("silver", silver, silver, SILVER.format(bronze=f"sales_{tag}"), settings).code,
        expand("gold", gold, gold, GOLD.format(silver=silver), settings).code,
    )


def timed(spark, source: str, name: str) -> float:
    began = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):  # the cells' summaries
        exec(compile(source, f"<{name}>", "exec"), {"spark": spark})
    return time.perf_counter() - began


def report(**fields) -> None:
    print(MARK + json.dumps(fields), flush=True)


def run_sizes(spark, sizes: list[float]) -> None:
    spark.sql("CREATE SCHEMA IF NOT EXISTS spark_catalog.bronze")
    began = time.perf_counter()
    make_bronze(spark, "spark_catalog.bronze.sales_warmup", WARMUP_ROWS)
    silver, gold = cells("warmup")
    timed(spark, silver, "silver")
    timed(spark, gold, "gold")
    report(kind="warmup", seconds=time.perf_counter() - began)
    for millions in sizes:
        rows = int(millions * 1_000_000)
        tag = str(millions).replace(".", "_")
        silver, gold = cells(tag)
        try:
            began = time.perf_counter()
            make_bronze(spark, f"spark_catalog.bronze.sales_{tag}", rows)
            generate = time.perf_counter() - began
            load = os.getloadavg()[0]
            silver_s = timed(spark, silver, "silver")
            gold_s = timed(spark, gold, "gold")
        except Exception as err:  # the generated code failed on this engine: say so, go on
            error = f"{type(err).__name__}: {err}"
            report(kind="error", millions=millions, error=error, trace=traceback.format_exc(-3))
            continue
        report(
            kind="size",
            millions=millions,
            rows=rows,
            generate=generate,
            silver=silver_s,
            gold=gold_s,
            load=load,
            silver_rows=spark.table(f"spark_catalog.silver.sales_{tag}").count(),
            quarantined=spark.table(f"spark_catalog.silver.sales_{tag}_quarantine").count(),
            gold_rows=spark.table(f"spark_catalog.gold.weekly_sales_{tag}").count(),
        )


def child(engine: str, sizes: list[float], root: Path) -> None:
    from dbx_architect.runtime.cluster import StandaloneCluster
    from dbx_architect.runtime.spark import start_local_spark

    with contextlib.ExitStack() as stack:
        master = "local[2]"
        if engine == "cluster":
            began = time.perf_counter()
            cluster = stack.enter_context(StandaloneCluster(workers=2, root=root / "cluster"))
            master = cluster.url
            report(kind="cluster", seconds=time.perf_counter() - began)
        began = time.perf_counter()
        spark = start_local_spark(
            root / ".dbx_architect", master=master, connect=engine == "connect"
        )
        report(kind="session", seconds=time.perf_counter() - began, version=spark.version)
        try:
            run_sizes(spark, sizes)
        finally:
            spark.stop()


# ---------------------------------------------------------------------------------------------
# The parent: one child per engine, then the tables.


def run_engine(engine: str, sizes: list[float], root: Path) -> list[dict]:
    root.mkdir(parents=True)
    log = root / "child.log"
    command = [sys.executable, __file__, "--child", engine, "--root", str(root), "--rows"]
    command += [str(size) for size in sizes]
    print(f"{engine}: starting (load {os.getloadavg()[0]:.1f}; log in {log})", flush=True)
    results = []
    with log.open("w") as stderr:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=stderr, text=True)
        assert process.stdout is not None
        for line in process.stdout:
            if not line.startswith(MARK):
                continue
            result = {"engine": engine, **json.loads(line[len(MARK) :])}
            results.append(result)
            print(f"  {progress(result)}", flush=True)
        code = process.wait()
    if code != 0:
        tail = log.read_text().strip().splitlines()[-15:]
        print(f"{engine}: the process exited with {code}; the end of its log:", flush=True)
        print("\n".join(f"    {line}" for line in tail), flush=True)
        results.append({"engine": engine, "kind": "exit", "code": code})
    return results


def progress(result: dict) -> str:
    kind = result["kind"]
    if kind == "size":
        return (
            f"{result['millions']:g}M rows: generated in {result['generate']:.1f} s, "
            f"Silver {result['silver']:.1f} s + Gold {result['gold']:.1f} s"
        )
    if kind == "error":
        return f"{result['millions']:g}M rows FAILED: {result['error']}\n{result['trace']}"
    if kind == "session":
        return f"session started in {result['seconds']:.1f} s (Spark {result['version']})"
    return f"{kind} took {result['seconds']:.1f} s"


def summary(results: list[dict], engines: list[str], sizes: list[float]) -> None:
    runs = {(r["engine"], r["millions"]): r for r in results if r["kind"] == "size"}
    starts = dict.fromkeys(engines, 0.0)
    for result in results:
        if result["kind"] in ("cluster", "session"):
            starts[result["engine"]] += result["seconds"]
    print(
        f"\n{'engine':<8} {'rows':>6} {'seconds':>8} {'rows/s':>10} {'silver':>7} {'gold':>6} "
        f"{'generate':>8} {'silver rows':>11} {'gold rows':>9} {'load':>5}"
    )
    for engine in engines:
        for millions in sizes:
            run = runs.get((engine, millions))
            if run is None:
                print(f"{engine:<8} {millions:>5g}M   failed")
                continue
            total = run["silver"] + run["gold"]
            print(
                f"{engine:<8} {millions:>5g}M {total:>8.1f} {run['rows'] / total:>10,.0f} "
                f"{run['silver']:>7.1f} {run['gold']:>6.1f} {run['generate']:>8.1f} "
                f"{run['silver_rows']:>11,} {run['gold_rows']:>9,} {run['load']:>5.1f}"
            )
    started = ", ".join(f"{engine} {starts[engine]:.1f}" for engine in engines)
    print(f"\nstart (cluster + session, s): {started}")

    small, large = min(sizes), max(sizes)
    if large > small:
        print(f"\ngrowth {small:g}M -> {large:g}M (rows x{large / small:g}; target: linear)")
        for engine in engines:
            first, last = runs.get((engine, small)), runs.get((engine, large))
            if first is None or last is None:
                print(f"  {engine:<8} n/a (a size failed)")
                continue
            growth = (last["silver"] + last["gold"]) / (first["silver"] + first["gold"])
            verdict = "within" if growth <= large / small else "worse than"
            print(f"  {engine:<8} time x{growth:.2f} ({verdict} linear)")

    others = [engine for engine in engines if engine != "classic"]
    if "classic" in engines and others:
        print("\nover classic local[2] (Silver + Gold time)")
        for millions in sizes:
            base = runs.get(("classic", millions))
            parts = []
            for engine in others:
                run = runs.get((engine, millions))
                if base is None or run is None:
                    parts.append(f"{engine}/classic n/a")
                    continue
                ratio = (run["silver"] + run["gold"]) / (base["silver"] + base["gold"])
                parts.append(f"{engine}/classic {ratio:.2f}x")
            print(f"  {millions:>5g}M  " + "   ".join(parts))
    for result in results:
        if result["kind"] == "error":
            print(f"\nFAILED {result['engine']} {result['millions']:g}M: {result['error']}")


def main(sizes: list[float], engines: list[str], keep: bool) -> None:
    root = Path(tempfile.mkdtemp(prefix="dbx_engines_"))
    began = time.perf_counter()
    results: list[dict] = []
    for engine in engines:
        results += run_engine(engine, sizes, root / engine)
        if not keep:
            shutil.rmtree(root / engine, ignore_errors=True)  # ~60 MB a million rows
    summary(results, engines, sizes)
    print(f"\nwhole run {time.perf_counter() - began:.0f} s")
    if not keep:
        shutil.rmtree(root, ignore_errors=True)
    else:
        print(f"tables and logs kept in {root}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=float, nargs="+", default=[1, 4], help="millions of rows")
    parser.add_argument("--engines", nargs="+", choices=ENGINES, default=list(ENGINES))
    parser.add_argument("--keep", action="store_true", help="keep the tables and the logs")
    parser.add_argument("--child", choices=ENGINES, help=argparse.SUPPRESS)
    parser.add_argument("--root", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    sizes = sorted(set(args.rows))
    if args.child:
        child(args.child, sizes, args.root)
    else:
        main(sizes, args.engines, args.keep)
