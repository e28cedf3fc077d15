"""%%silver and %%gold executed on a real local Spark + Delta session, checked against pandas.

The test builds a dirty Bronze table (duplicates, nulls, out-of-range values, unknown
categories, stray whitespace), runs the generated code through the magics with --run, and
recomputes every expected number independently with pandas.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random

import numpy as np
import pandas as pd
import pytest
from conftest import run
from pyspark.sql import functions as F

pytestmark = pytest.mark.spark
_schemas = itertools.count()

STORES = ["north", "south", "east"]
ITEMS = ["apples", "bread", "milk"]
START = dt.date(2026, 1, 1)
T0 = dt.datetime(2026, 2, 1, 8, 0, 0)


def dirty_rows(days: range, seed: int, ingested: dt.datetime) -> list[tuple]:
    """Clean daily rows plus every kind of dirt, deterministic for a seed."""
    rng = random.Random(seed)
    rows = []
    for day in days:
        for store in STORES:
            for item in ITEMS:
                units = rng.randint(0, 40)
                price = round(1 + ITEMS.index(item) * 0.5, 2)
                rows.append((store, item, START + dt.timedelta(day), str(units), price, ingested))
    dirt = [
        (" North ", " Apples ", 0, "5", 1.0),  # whitespace and case: trimmed and lowered
        (None, "milk", 1, "3", 2.0),  # no store: dropped by drop_nulls
        ("south", "bread", 2, "-4", 1.5),  # out of range: quarantined
        ("west", "milk", 3, "9", 2.0),  # unknown store: dropped
        ("east", "milk", 4, None, 2.0),  # no units: filled with 0
        ("east", "bread", 5, "7", 0.0),  # price 0: counted (warn)
        ("north", "milk", 6, "99999", 2.0),  # out of range: quarantined
    ]
    for store, item, day, units, price in dirt:
        if day in days:
            when = ingested + dt.timedelta(minutes=5)  # re-sent later: the latest row wins
            rows.append((store, item, START + dt.timedelta(day), units, price, when))
    return rows


def write_bronze(spark, table: str, rows: list[tuple], mode: str = "append") -> None:
    schema = (
        "store STRING, item STRING, day DATE, units STRING, price DOUBLE, _ingested_at TIMESTAMP"
    )
    writer = spark.createDataFrame(rows, schema).write.format("delta")
    if mode == "create":
        writer.option("delta.enableChangeDataFeed", "true").saveAsTable(table)
    else:
        writer.mode("append").saveAsTable(table)


SILVER = """%%silver sales --run
from: sales
keys: [store, item, day]
casts: {units: int}
clean: {trim: true, lower: [store, item], fill: {units: 0}, drop_nulls: [store]}
expect:
  - {name: units_in_range, range: {units: [0, 10000]}, action: quarantine}
  - {name: known_store, in: {store: [north, south, east]}, action: drop}
  - {name: positive_price, rule: price > 0, action: warn}
  - {name: one_row_per_key, unique: [store, item, day], action: warn}
features:
  - lag: {column: units, by: [store, item], order: day}
  - rolling: {column: units, by: [store, item], order: day, window: 3, agg: mean}
  - ratio: {name: units_per_price, num: units, den: price}
  - date_parts: day
"""


def pandas_silver(rows: list[tuple]) -> dict:
    """The same pipeline in pandas: expected counts, quarantine, silver rows and features."""
    df = pd.DataFrame(rows, columns=["store", "item", "day", "units", "price", "_ingested_at"])
    for col in ("store", "item"):
        df[col] = df[col].str.strip().str.lower()
    df["units"] = pd.to_numeric(df["units"]).fillna(0).astype("int64")
    no_store = df["store"].isna()
    out_of_range = ~df["units"].between(0, 10000)
    unknown_store = df["store"].notna() & ~df["store"].isin(STORES)
    bad_price = ~(df["price"] > 0)
    group_size = df.groupby(["store", "item", "day"], dropna=False)["units"].transform("size")
    counts = {
        "rows read": len(df),
        "clean_drop_nulls": int(no_store.sum()),
        "units_in_range": int(out_of_range.sum()),
        "known_store": int(unknown_store.sum()),
        "positive_price": int(bad_price.sum()),
        "one_row_per_key": int((group_size > 1).sum()),
        "rows quarantined": int(out_of_range.sum()),
        "rows removed": int((no_store | out_of_range | unknown_store).sum()),
    }
    kept = df[~(no_store | out_of_range | unknown_store)]
    latest = kept.sort_values("_ingested_at").groupby(["store", "item", "day"]).tail(1)
    latest = latest.sort_values(["store", "item", "day"]).reset_index(drop=True)
    grouped = latest.groupby(["store", "item"])["units"]
    latest["units_lag1"] = grouped.shift(1)
    latest["units_mean_3"] = grouped.transform(lambda s: s.rolling(3, min_periods=1).mean())
    latest["units_per_price"] = latest["units"] / latest["price"].where(latest["price"] != 0)
    reasons = pd.concat(
        {
            "units_in_range": out_of_range,
            "known_store": unknown_store,
            "positive_price": bad_price,
            "one_row_per_key": group_size > 1,
        },
        axis=1,
    )
    quarantined = df[out_of_range][["store", "item", "day", "units"]].copy()
    quarantined["reasons"] = [
        [name for name in reasons.columns if reasons.loc[i, name]] for i in quarantined.index
    ]
    return {"counts": counts, "silver": latest, "quarantine": quarantined}


@pytest.fixture
def lake(shell, spark):
    n = next(_schemas)
    bronze, silver, gold = f"bronze_q{n}", f"silver_q{n}", f"gold_q{n}"
    shell.push({"spark": spark})
    shell.run_line_magic(
        "dbx_config", f"bronze_schema={bronze} silver_schema={silver} gold_schema={gold}"
    )
    spark.sql(f"CREATE SCHEMA IF NOT EXISTS spark_catalog.{bronze}")
    return shell, spark, f"spark_catalog.{bronze}.sales", f"spark_catalog.{silver}"


def run_ok(shell, cell: str) -> None:
    result = run(shell, cell)
    assert result.error_in_exec is None, result.error_in_exec


def summary(shell) -> dict[str, int]:
    return {row["check"]: row["rows"] for row in shell.user_ns["quality_summary"].collect()}


def silver_frame(spark, table: str) -> pd.DataFrame:
    rows = [r.asDict() for r in spark.table(table).orderBy("store", "item", "day").collect()]
    return pd.DataFrame(rows)


def assert_matches_pandas(spark, table: str, expected: pd.DataFrame) -> None:
    got = silver_frame(spark, table)
    assert len(got) == len(expected)
    for col in ("store", "item", "day", "units"):
        assert got[col].tolist() == expected[col].tolist(), col
    for col in ("units_lag1", "units_mean_3", "units_per_price"):
        np.testing.assert_allclose(
            got[col].astype(float).to_numpy(), expected[col].astype(float).to_numpy(), rtol=1e-9
        )
    assert got["day_dayofweek"].tolist() == [
        (d.isoweekday() % 7) + 1 for d in expected["day"]
    ]  # Spark: 1 = Sunday


def test_quality_counts_quarantine_dedupe_and_features(lake) -> None:
    shell, spark, bronze, silver = lake
    rows = dirty_rows(range(0, 10), seed=1, ingested=T0)
    write_bronze(spark, bronze, rows, "create")
    run_ok(shell, SILVER)
    expected = pandas_silver(rows)
    got = summary(shell)
    for name, count in expected["counts"].items():
        assert got[name] == count, name
    assert got["rows inserted"] == len(expected["silver"])

    quarantine = spark.table(f"{silver}.sales_quarantine").collect()
    got_rows = sorted(
        (r["store"], r["item"], r["day"], r["units"], r["_failed_expectations"]) for r in quarantine
    )
    assert got_rows == sorted(expected["quarantine"].itertuples(index=False, name=None))
    assert all(r["_quarantined_at"] is not None for r in quarantine)
    assert_matches_pandas(spark, f"{silver}.sales", expected["silver"])


def test_merge_is_idempotent_and_incremental_reads_only_new_rows(lake) -> None:
    shell, spark, bronze, silver = lake
    first = dirty_rows(range(0, 8), seed=2, ingested=T0)
    write_bronze(spark, bronze, first, "create")
    run_ok(shell, SILVER)
    before = silver_frame(spark, f"{silver}.sales")
    quarantined = spark.table(f"{silver}.sales_quarantine").count()

    run_ok(shell, SILVER)  # nothing new in Bronze
    assert summary(shell)["rows read"] == 0
    pd.testing.assert_frame_equal(silver_frame(spark, f"{silver}.sales"), before)
    assert spark.table(f"{silver}.sales_quarantine").count() == quarantined

    later = dirty_rows(range(8, 12), seed=3, ingested=T0 + dt.timedelta(days=1))
    changed = [("north", "apples", START, "33", 1.0, T0 + dt.timedelta(days=1))]  # an update
    write_bronze(spark, bronze, later + changed)
    run_ok(shell, SILVER)
    assert summary(shell)["rows read"] == len(later) + len(changed)
    expected = pandas_silver(first + later + changed)
    assert_matches_pandas(spark, f"{silver}.sales", expected["silver"])


def test_fail_expectation_leaves_silver_unchanged(lake) -> None:
    shell, spark, bronze, silver = lake
    rows = dirty_rows(range(0, 6), seed=4, ingested=T0)
    write_bronze(spark, bronze, [r for r in rows if r[3] not in ("-4", "99999")], "create")
    run_ok(shell, SILVER)
    version = spark.sql(f"DESCRIBE HISTORY {silver}.sales LIMIT 1").first()["version"]
    before = silver_frame(spark, f"{silver}.sales")

    write_bronze(spark, bronze, [("south", "bread", START, "-1", 1.5, T0 + dt.timedelta(hours=1))])
    strict = SILVER.replace("action: quarantine", "action: fail")
    result = run(shell, strict)
    error = result.error_in_exec
    assert type(error).__name__ == "ExpectationsFailed"
    assert "units_in_range failed on 1 of 1 rows" in str(error)
    assert "'units': -1" in str(error)
    assert spark.sql(f"DESCRIBE HISTORY {silver}.sales LIMIT 1").first()["version"] == version
    pd.testing.assert_frame_equal(silver_frame(spark, f"{silver}.sales"), before)


def test_unknown_columns_are_caught_at_expansion_with_a_live_session(lake) -> None:
    shell, spark, bronze, _ = lake
    write_bronze(spark, bronze, dirty_rows(range(0, 2), seed=5, ingested=T0), "create")
    result = run(shell, "%%silver sales\nfrom: sales\nkeys: [store, item, dya]\n")
    assert str(result.error_in_exec) == (
        "%%silver: keys: column 'dya' is not in the table (did you mean 'day'?); "
        "columns: store, item, day, units, price, _ingested_at"
    )
    result = run(
        shell,
        "%%silver sales\nfrom: sales\nkeys: [store]\nexpect:\n  - {name: r, rule: prize > 0}\n",
    )
    assert str(result.error_in_exec).startswith(
        "%%silver: expect[0].rule: column 'prize' is not in the table (did you mean 'price'?)"
    )
    assert shell.replaced.calls == []


GOLD = """%%gold weekly_sales --run
from: [sales, stores]
join: {on: [store], how: left}
group_by: [store, region]
grain: week
time_col: day
aggregates: {units: sum(units), revenue: sum(units * price), days: count(distinct day)}
features:
  - lag: {column: units, by: store, order: day}
"""


def test_gold_weekly_aggregates_match_pandas(lake, capsys) -> None:
    shell, spark, bronze, silver = lake
    rows = dirty_rows(range(0, 21), seed=6, ingested=T0)
    write_bronze(spark, bronze, rows, "create")
    run_ok(shell, SILVER)
    stores = spark.createDataFrame([("north", "N"), ("south", "S")], "store STRING, region STRING")
    stores.write.format("delta").saveAsTable(f"{silver}.stores")
    capsys.readouterr()
    run_ok(shell, GOLD)
    first_out = capsys.readouterr().out

    sales = silver_frame(spark, f"{silver}.sales")
    sales["day"] = pd.to_datetime(sales["day"])
    sales = sales.merge(pd.DataFrame({"store": ["north", "south"], "region": ["N", "S"]}), "left")
    sales["week"] = sales["day"] - pd.to_timedelta(sales["day"].dt.weekday, unit="D")
    sales["revenue"] = sales["units"] * sales["price"]
    expected = (
        sales.groupby(["store", "region", "week"], dropna=False)
        .agg(units=("units", "sum"), revenue=("revenue", "sum"), days=("day", "nunique"))
        .reset_index()
        .sort_values(["store", "week"])
    )
    expected["units_lag1"] = expected.groupby("store")["units"].shift(1)
    gold = spark.table(GOLD_TABLE(silver)).orderBy("store", "day")
    got = pd.DataFrame([r.asDict() for r in gold.collect()])
    assert got["store"].tolist() == expected["store"].tolist()
    assert [pd.Timestamp(d) for d in got["day"]] == expected["week"].tolist()
    assert got["units"].tolist() == expected["units"].tolist()
    assert got["days"].tolist() == expected["days"].tolist()
    np.testing.assert_allclose(got["revenue"], expected["revenue"], rtol=1e-9)
    np.testing.assert_allclose(
        got["units_lag1"].astype(float), expected["units_lag1"].astype(float), rtol=1e-9
    )
    assert got["region"].isna().sum() == (expected["region"].isna()).sum()

    # The first run creates the table from the rows; re-runs MERGE.
    assert f"{len(expected)} rows inserted, 0 updated, {len(expected)} rows now" in first_out
    version = spark.sql(f"DESCRIBE HISTORY {GOLD_TABLE(silver)} LIMIT 1").first()["version"]
    run_ok(shell, GOLD)  # recomputed, nothing changed
    assert f"0 rows inserted, 0 updated, {len(expected)} rows now" in capsys.readouterr().out
    assert spark.table(GOLD_TABLE(silver)).count() == len(expected)
    last = spark.sql(f"DESCRIBE HISTORY {GOLD_TABLE(silver)} LIMIT 1").first()
    assert last["version"] == version or last["operationMetrics"]["numTargetRowsUpdated"] == "0"

    # A sale in a week after every other one: one new row for its store and week, and no other
    # row changes (the lag of a later week would, but there is none).
    late = spark.table(f"{silver}.sales").where("store = 'north'").limit(1)
    late = late.withColumn("day", F.date_add("day", 35))
    late.write.format("delta").mode("append").saveAsTable(f"{silver}.sales")
    run_ok(shell, GOLD)
    assert f"1 rows inserted, 0 updated, {len(expected) + 1} rows now" in capsys.readouterr().out


def GOLD_TABLE(silver: str) -> str:  # noqa: N802
    return silver.replace(".silver_q", ".gold_q") + ".weekly_sales"


def test_gold_fixed_kind_creates_its_table(lake) -> None:
    shell, spark, _, silver = lake
    run_ok(shell, "%%gold model_evaluation --run\nkind: evaluation\n")
    table = silver.replace(".silver_q", ".gold_q") + ".model_evaluation"
    columns = [(f.name, f.dataType.simpleString()) for f in spark.table(table).schema]
    assert columns[:3] == [("run_id", "string"), ("model_name", "string"), ("candidate", "string")]
    assert ("value", "double") in columns


def test_full_silver_load_quarantines_each_row_once(lake) -> None:
    shell, spark, bronze, silver = lake
    rows = dirty_rows(range(0, 6), seed=7, ingested=T0)
    write_bronze(spark, bronze, rows, "create")
    full = SILVER.replace("keys: [store, item, day]", "load: full\nkeys: [store, item, day]")
    run_ok(shell, full)
    expected = pandas_silver(rows)
    assert summary(shell)["rows read"] == len(rows)
    assert_matches_pandas(spark, f"{silver}.sales", expected["silver"])
    quarantined = spark.table(f"{silver}.sales_quarantine").count()
    assert quarantined == len(expected["quarantine"])
    run_ok(shell, full)  # a full run reads every row again
    assert summary(shell)["rows read"] == len(rows)
    assert summary(shell)["rows inserted"] == summary(shell)["rows updated"] == 0
    assert spark.table(f"{silver}.sales_quarantine").count() == quarantined


def test_gold_feature_table(lake) -> None:
    shell, spark, bronze, silver = lake
    write_bronze(spark, bronze, dirty_rows(range(0, 4), seed=8, ingested=T0), "create")
    run_ok(shell, SILVER)
    cell = (
        "%%gold store_features --run\nfrom: sales\nkind: features\nkeys: [store, item, day]\n"
        "features:\n"
        "  - rolling: {column: units, by: [store, item], order: day, window: 2, agg: sum}\n"
    )
    run_ok(shell, cell)
    table = silver.replace(".silver_q", ".gold_q") + ".store_features"
    got = silver_frame(spark, table)
    expected = silver_frame(spark, f"{silver}.sales")
    sums = expected.groupby(["store", "item"])["units"].transform(lambda s: s.rolling(2, 1).sum())
    assert got["units_sum_2"].tolist() == sums.tolist()
    run_ok(shell, cell)
    assert spark.table(table).count() == len(expected)
