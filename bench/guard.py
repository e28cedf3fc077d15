"""What the guard adds to a cell: the static check of a typical 50-line notebook cell.

    python bench/guard.py

Prints, measured in this one run (median and 95th percentile over 500 checks, target <= 5 ms):
  - the check %guard on runs on every cell (IPython hands it the parsed tree);
  - the same for a cell with SQL in it (the SQL classifier reads the suspect statements);
  - whether sqlglot was imported for a cell without SQL-looking text (it should not be);
and the SQL classifier alone on 100 KB of SQL (median and worst of 20 runs, target < 50 ms):
  - one long SELECT with a comment on every line that mentions DELETE, UPDATE and DROP;
  - an ETL script of ~1,300 statements (CREATE, INSERT, MERGE, UPDATE, DELETE, SELECT);
  - a stress case: a SQL script of 1,800 IF ... THEN UPDATE blocks;
each next to sqlglot's Databricks tokenizer alone on the same text, for scale.
"""

from __future__ import annotations

import ast
import statistics
import subprocess
import sys
import time

TYPICAL = """
from pyspark.sql import functions as F
from pyspark.sql.window import Window

source = "main.silver.sales"
stores = spark.table("main.silver.stores").select("store", "region")
sales = (
    spark.table(source)
    .where(F.col("day") >= "2026-01-01")
    .join(stores, "store", "left")
    .withColumn("week", F.date_trunc("week", "day"))
)
by_week = Window.partitionBy("store", "item").orderBy("week")
weekly = (
    sales.groupBy("store", "region", "item", "week")
    .agg(F.sum("units").alias("units"), F.sum(F.col("units") * F.col("price")).alias("revenue"))
    .withColumn("units_lag1", F.lag("units").over(by_week))
    .withColumn("units_mean4", F.avg("units").over(by_week.rowsBetween(-4, -1)))
)
weekly = weekly.fillna({"units_lag1": 0})
summary = weekly.groupBy("region").agg(F.count("*").alias("rows"), F.max("week").alias("last"))
summary.show()
print(weekly.count(), "rows")
top = weekly.orderBy(F.desc("revenue")).limit(20).toPandas()
top["share"] = top["revenue"] / top["revenue"].sum()
display(top)
checks = {
    "no_negative_units": weekly.where("units < 0").count() == 0,
    "weeks_present": weekly.select("week").distinct().count() > 4,
}
assert all(checks.values()), checks
(
    weekly.write.format("delta")
    .mode("append")
    .option("mergeSchema", "true")
    .saveAsTable("main.gold.weekly_sales")
)
history = spark.sql("DESCRIBE HISTORY main.gold.weekly_sales LIMIT 5").toPandas()
latest = history.loc[0, "version"]
print(f"wrote version {latest}")
def describe(frame):
    return frame.describe().T
stats = describe(top)
for column in ["units", "revenue"]:
    print(column, stats.loc[column, "mean"])
regions = sorted(summary.toPandas()["region"].dropna())
print("regions:", ", ".join(regions))
late = weekly.where(F.col("week") > "2026-06-01").count()
print("rows after June:", late)
result = {"rows": len(top), "version": int(latest), "late": late}
result
""".strip()

WITH_SQL = (
    TYPICAL
    + '''
spark.sql(f"DELETE FROM main.gold.weekly_sales WHERE week < '2025-01-01'")
spark.sql("""
    MERGE INTO main.gold.weekly_sales t USING updates s ON t.store = s.store
    WHEN MATCHED THEN UPDATE SET *
""")
'''
)


def timed(source: str, runs: int = 500) -> tuple[float, float]:
    from dbx_architect.guard.core import Guard

    guard = Guard(on=True)
    tree = ast.parse(source)
    guard.judge(tree, {})  # warm: imports, regular expressions
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        guard.judge(tree, {"spark": object()})
        times.append(time.perf_counter() - began)
    times.sort()
    return statistics.median(times) * 1000, times[int(len(times) * 0.95)] * 1000


LONG_SELECT_LINE = (
    "  , coalesce(amount, 0) AS amount_{i}  -- DELETE? no: UPDATE later, never DROP\n"
    "  /* the 'raw' column; see DROP TABLE notes */ , raw_{i}\n"
)
ETL_STATEMENTS = """\
CREATE TABLE IF NOT EXISTS main.silver.t{i} (id BIGINT, v STRING, day DATE) USING DELTA;
INSERT INTO main.silver.t{i} SELECT id, v, day FROM main.bronze.src WHERE day = '2026-01-01';
MERGE INTO main.silver.t{i} t USING main.bronze.updates u ON t.id = u.id
  WHEN MATCHED THEN UPDATE SET * WHEN NOT MATCHED THEN INSERT *;
UPDATE main.silver.t{i} SET v = upper(v) WHERE id < 100;
DELETE FROM main.silver.t{i} WHERE day < '2020-01-01';
SELECT count(*) FROM main.silver.t{i};
"""
SCRIPT_BLOCK = "IF x > {i} THEN UPDATE main.silver.t SET a = {i} WHERE b = 2; END IF;\n"


def sized(template: str, size: int = 100_000) -> str:
    parts, total, i = [], 0, 0
    while total < size:
        parts.append(template.format(i=i))
        total += len(parts[-1])
        i += 1
    return "".join(parts)


def sql_timings() -> list[tuple[str, int, float, float, float]]:
    """(case, characters, median ms, worst ms, sqlglot tokenizer ms) for 100 KB of SQL."""
    from sqlglot.dialects.databricks import Databricks

    from dbx_architect.guard.sql import classify

    cases = {
        "long SELECT, a comment on every line": "SELECT id\n"
        + sized(LONG_SELECT_LINE)
        + "FROM main.silver.sales",
        "ETL script of many statements": sized(ETL_STATEMENTS),
        "SQL script of IF ... THEN UPDATE blocks (stress)": "BEGIN\n" + sized(SCRIPT_BLOCK) + "END",
    }
    rows = []
    for label, text in cases.items():
        classify(text)  # warm: imports
        times = []
        for _ in range(20):
            began = time.perf_counter()
            classify(text)
            times.append(time.perf_counter() - began)
        began = time.perf_counter()
        Databricks.Tokenizer().tokenize(text)
        sqlglot = time.perf_counter() - began
        rows.append(
            (label, len(text), statistics.median(times) * 1000, max(times) * 1000, sqlglot * 1000)
        )
    return rows


def main() -> None:
    lines = len(TYPICAL.splitlines())
    median, p95 = timed(TYPICAL)
    print(
        f"typical cell ({lines} lines, no SQL to parse): median {median:.2f} ms, "
        f"p95 {p95:.2f} ms (target <= 5 ms)"
    )
    median, p95 = timed(WITH_SQL)
    lines = len(WITH_SQL.splitlines())
    print(
        f"cell with a DELETE and a MERGE ({lines} lines): median {median:.2f} ms, p95 {p95:.2f} ms"
    )
    probe = (
        "import ast, sys; from dbx_architect.guard.core import Guard; "
        f"Guard(on=True).judge(ast.parse({TYPICAL!r}), {{}}); print('sqlglot' in sys.modules)"
    )
    imported = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True).stdout
    print(f"sqlglot imported for the typical cell: {imported.strip()}")
    for label, size, median, worst, sqlglot in sql_timings():
        print(
            f"classify, {label} ({size // 1000} KB): median {median:.1f} ms, worst {worst:.1f} ms "
            f"(target < 50 ms); sqlglot's tokenizer alone: {sqlglot:.0f} ms"
        )


if __name__ == "__main__":
    main()
