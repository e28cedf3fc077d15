"""%%gold kind: entity on a real local Spark + Delta session, checked against pandas.

Random accounts, a plans lookup (a plan it lacks, a key-less row), usage events, support tickets
and labels (several label dates per account,
events after some of them, events exactly on a cut-off and on a window's first day) go into
Silver; the generated cell runs through the magic with --run, and every feature column is
recomputed here with pandas, point in time: an event counts only strictly before its label's
cut-off and inside the N days before it.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import random

import pandas as pd
import pytest
from conftest import run

pytestmark = pytest.mark.spark
_schemas = itertools.count()

START = dt.date(2026, 1, 1)
WINDOWS = [7, 30, 90]
FEATURES = ["search", "export", "share", None]

CELL = """%%gold churn_features --run
kind: entity
entity: accounts
keys: [account_id]
attributes: [plan, region]
lookups: [{table: plans, on: plan}]
tenure_from: signup_date
events:
  - table: usage_events
    time_col: event_time
    numeric: [minutes, sessions]
    categorical: [feature]
  - table: tickets
    time_col: opened_at
    key: acct_id
    categorical: [topic]
windows: [7, 30, 90]
labels:
  table: churn_labels
  time_col: label_date
  target: churned
"""


def random_data(seed: int) -> dict[str, pd.DataFrame]:
    """Accounts, events before and after the label dates, tickets, and several labels each."""
    rng = random.Random(seed)
    ids = [f"a{i:02d}" for i in range(14)]
    accounts = pd.DataFrame(
        {
            "account_id": ids,
            "plan": [rng.choice(["basic", "pro", "team", None]) for _ in ids],
            "region": [rng.choice(["eu", "us"]) for _ in ids],
            "signup_date": [START - dt.timedelta(rng.randint(0, 400)) for _ in ids],
        }
    )
    labels = []
    for account in [*ids[:12], "a99"]:  # two accounts unlabelled, one label without an account
        for day in rng.sample(range(20, 200), rng.randint(1, 3)):
            labels.append((account, START + dt.timedelta(day), rng.randint(0, 1)))
    events, tickets = [], []
    for account in ids:
        for _ in range(rng.randint(0, 40)):
            when = dt.datetime.combine(START, dt.time()) + dt.timedelta(
                minutes=rng.randint(0, 220 * 24 * 60)
            )
            minutes = None if rng.random() < 0.1 else round(rng.uniform(0, 90), 2)
            events.append((account, when, minutes, rng.randint(1, 5), rng.choice(FEATURES)))
        for _ in range(rng.randint(0, 6)):
            tickets.append((account, START + dt.timedelta(rng.randint(0, 220)), rng.choice("xyz")))
    for account, cutoff, _ in labels[:6]:  # on the cut-off itself (excluded), on day 7 and 8
        midnight = dt.datetime.combine(cutoff, dt.time())
        for back in (0, 7, 8):
            events.append((account, midnight - dt.timedelta(back), 10.0, 1, "edge"))
    plans = pd.DataFrame(  # no row for team; a row without a key joins nothing
        [("basic", 8.0, "self-serve"), ("pro", 21.5, "sales"), ("max", 40.0, "sales")]
        + [(None, 1.0, "none")],
        columns=["plan", "price_per_seat", "tier"],
    )
    return {
        "accounts": accounts,
        "plans": plans,
        "usage_events": pd.DataFrame(
            events, columns=["account_id", "event_time", "minutes", "sessions", "feature"]
        ),
        "tickets": pd.DataFrame(tickets, columns=["acct_id", "opened_at", "topic"]),
        "churn_labels": pd.DataFrame(labels, columns=["account_id", "label_date", "churned"]),
    }


SCHEMAS = {
    "accounts": "account_id STRING, plan STRING, region STRING, signup_date DATE",
    "plans": "plan STRING, price_per_seat DOUBLE, tier STRING",
    "usage_events": "account_id STRING, event_time TIMESTAMP, minutes DOUBLE, sessions INT, "
    "feature STRING",
    "tickets": "acct_id STRING, opened_at DATE, topic STRING",
    "churn_labels": "account_id STRING, label_date DATE, churned INT",
}


def write_silver(spark, schema: str, data: dict[str, pd.DataFrame]) -> None:
    for name, frame in data.items():
        rows = [tuple(_plain(v) for v in r) for r in frame.itertuples(index=False)]
        spark.createDataFrame(rows, SCHEMAS[name]).write.format("delta").mode(
            "overwrite"
        ).saveAsTable(f"{schema}.{name}")


def _plain(value: object) -> object:
    """A pandas cell as the Python value Spark takes: NaN is None, Timestamp a datetime."""
    if _missing(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value.item() if hasattr(value, "item") else value


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def source_features(
    prefix: str,
    times: pd.Series,
    events: pd.DataFrame,
    cut: pd.Timestamp,
    numeric: list[str],
    categorical: list[str],
) -> dict[str, object]:
    """One source's features at one cut-off: only events strictly before it count."""
    before = events[times < cut]
    times = times[times < cut]
    row: dict[str, object] = {}
    for days in WINDOWS:
        inside = before[times >= cut - pd.Timedelta(days=days)]
        row[f"{prefix}_count_{days}d"] = len(inside)
        for col in numeric:
            values = inside[col].astype(float)
            row[f"{prefix}_{col}_sum_{days}d"] = values.sum(min_count=1)
            row[f"{prefix}_{col}_mean_{days}d"] = values.mean()
        for col in categorical:
            row[f"{prefix}_{col}_distinct_{days}d"] = inside[col].nunique(dropna=True)
    last = times.max()
    row[f"{prefix}_recency_days"] = None if pd.isna(last) else (cut - last.normalize()).days
    return row


def expected_rows(data: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The feature table computed with pandas, one row per label."""
    accounts = data["accounts"].set_index("account_id")
    plans = data["plans"].dropna(subset=["plan"]).set_index("plan")
    usage, tickets = data["usage_events"], data["tickets"]
    rows = []
    for account, cutoff, churned in data["churn_labels"].itertuples(index=False):
        cut = pd.Timestamp(cutoff)
        known = account in accounts.index
        plan = accounts.at[account, "plan"] if known else None
        priced = plan in plans.index
        row: dict[str, object] = {
            "account_id": account,
            "cutoff_date": cutoff,
            "churned": churned,
            "plan": accounts.at[account, "plan"] if known else None,
            "region": accounts.at[account, "region"] if known else None,
            "plans_price_per_seat": plans.at[plan, "price_per_seat"] if priced else None,
            "plans_tier": plans.at[plan, "tier"] if priced else None,
            "tenure_days": (cutoff - accounts.at[account, "signup_date"]).days if known else None,
        }
        mine = usage[usage["account_id"] == account]
        row |= source_features(
            "usage_events",
            pd.to_datetime(mine["event_time"]),
            mine,
            cut,
            ["minutes", "sessions"],
            ["feature"],
        )
        mine = tickets[tickets["acct_id"] == account]
        row |= source_features(
            "tickets", pd.to_datetime(mine["opened_at"]), mine, cut, [], ["topic"]
        )
        rows.append(row)
    return pd.DataFrame(rows)


@pytest.fixture
def silver(shell, spark):
    n = next(_schemas)
    silver, gold = f"silver_e{n}", f"gold_e{n}"
    shell.push({"spark": spark})
    shell.run_line_magic("dbx_config", f"silver_schema={silver} gold_schema={gold}")
    spark.sql(f"CREATE SCHEMA IF NOT EXISTS spark_catalog.{silver}")
    return shell, spark, f"spark_catalog.{silver}", f"spark_catalog.{gold}"


def run_ok(shell, cell: str) -> None:
    result = run(shell, cell)
    assert result.error_in_exec is None, result.error_in_exec


def table_frame(spark, table: str) -> pd.DataFrame:
    rows = spark.table(table).orderBy("account_id", "cutoff_date").collect()
    return pd.DataFrame([r.asDict() for r in rows])


def assert_same(got: pd.DataFrame, expected: pd.DataFrame) -> None:
    expected = expected.sort_values(["account_id", "cutoff_date"]).reset_index(drop=True)
    assert list(got.columns) == list(expected.columns)
    assert len(got) == len(expected)
    for col in expected.columns:
        want = expected[col].tolist()
        have = got[col].tolist()
        if col.endswith(("_sum_7d", "_sum_30d", "_sum_90d", "_mean_7d", "_mean_30d", "_mean_90d")):
            for a, b in zip(have, want, strict=True):
                if _missing(a) or _missing(b):
                    assert _missing(a) and _missing(b), col
                else:
                    assert math.isclose(a, b, rel_tol=1e-9), col
        else:
            assert [_plain(v) for v in have] == [_plain(v) for v in want], col


def test_entity_features_match_pandas_point_in_time(silver, capsys) -> None:
    shell, spark, silver_schema, gold_schema = silver
    data = random_data(seed=7)
    placed = data["churn_labels"]
    # A label without an account or a date cannot be placed in time: left out, and said.
    first = placed.iloc[0]
    unplaced = pd.DataFrame(
        [(None, first["label_date"], 1), (first["account_id"], None, 0)], columns=placed.columns
    )
    write_silver(spark, silver_schema, {**data, "churn_labels": pd.concat([placed, unplaced])})
    run_ok(shell, CELL)
    assert "2 rows without account_id or a cut-off date left out" in capsys.readouterr().out
    table = f"{gold_schema}.churn_features"
    expected = expected_rows(data)
    assert_same(table_frame(spark, table), expected)
    # The data exercises the edges: later events that must not count, empty windows, null sums.
    usage = data["usage_events"].merge(data["churn_labels"], on="account_id")
    assert (pd.to_datetime(usage["event_time"]) >= pd.to_datetime(usage["label_date"])).sum() > 20
    assert (expected["usage_events_count_7d"] == 0).sum() > 3
    assert expected["usage_events_minutes_sum_7d"].isna().sum() > 3
    assert expected["tickets_recency_days"].isna().sum() > 0
    assert expected["plan"].isna().sum() > 0
    assert (expected["plan"] == "team").sum() > 0  # a plan the lookup lacks: null columns
    assert expected["plans_tier"].notna().sum() > 0


def test_rerun_is_idempotent_and_later_events_change_nothing(silver) -> None:
    shell, spark, silver_schema, gold_schema = silver
    data = random_data(seed=11)
    write_silver(spark, silver_schema, data)
    run_ok(shell, CELL)
    table = f"{gold_schema}.churn_features"
    first = table_frame(spark, table)
    version = spark.sql(f"DESCRIBE HISTORY {table} LIMIT 1").first()["version"]
    # Events on or after each account's last cut-off arrive: no feature may change.
    last_cutoff = data["churn_labels"].groupby("account_id")["label_date"].max()
    late = [
        (account, dt.datetime.combine(cutoff, dt.time()) + dt.timedelta(hours=h), 5.0, 1, "late")
        for account, cutoff in last_cutoff.items()
        for h in (0, 30)
    ]
    spark.createDataFrame(late, SCHEMAS["usage_events"]).write.format("delta").mode(
        "append"
    ).saveAsTable(f"{silver_schema}.usage_events")
    run_ok(shell, CELL)
    second = table_frame(spark, table)
    pd.testing.assert_frame_equal(second, first)
    last = spark.sql(f"DESCRIBE HISTORY {table} LIMIT 1").first()
    metrics = last["operationMetrics"]
    assert last["version"] == version + 1 and last["operation"] == "MERGE"
    assert (metrics["numTargetRowsInserted"], metrics["numTargetRowsUpdated"]) == ("0", "0")

    spec = spark.table(f"{gold_schema}.churn_features_feature_spec").collect()
    described = {r["feature"]: r for r in spec}
    assert set(described) == set(first.columns) - {"account_id", "cutoff_date", "churned"}
    assert described["usage_events_count_30d"]["window_days"] == 30
    assert described["usage_events_count_30d"]["null_policy"].startswith("0 ")
    assert described["usage_events_minutes_mean_7d"]["null_policy"].startswith("null ")
    assert described["tickets_recency_days"]["source"].endswith(".tickets")
    assert described["plans_tier"]["source"] == f"{silver_schema}.plans"
    assert described["plans_tier"]["aggregate"] == "lookup"


def test_without_labels_one_row_per_entity_as_of_a_date(silver) -> None:
    shell, spark, silver_schema, gold_schema = silver
    data = random_data(seed=3)
    write_silver(spark, silver_schema, data)
    as_of = START + dt.timedelta(100)
    cell = CELL.split("windows:")[0].replace("churn_features", "features_now")
    run_ok(shell, cell + f"as_of: {as_of.isoformat()}\n")
    got = table_frame(spark, f"{gold_schema}.features_now")
    accounts = data["accounts"]
    labels = pd.DataFrame({"account_id": accounts["account_id"], "label_date": as_of, "churned": 0})
    expected = expected_rows({**data, "churn_labels": labels}).drop(columns="churned")
    assert_same(got, expected)


def test_a_repeated_label_stops_the_cell_before_anything_is_written(silver) -> None:
    shell, spark, silver_schema, gold_schema = silver
    data = random_data(seed=5)
    labels = data["churn_labels"]
    data["churn_labels"] = pd.concat([labels, labels.iloc[[0]]], ignore_index=True)
    write_silver(spark, silver_schema, data)
    result = run(shell, CELL)
    assert isinstance(result.error_in_exec, ValueError)
    account, cutoff, _ = labels.iloc[0]
    assert str(result.error_in_exec) == (
        f"{gold_schema}.churn_features: 2 rows for the key {account!r} at the cut-off {cutoff}; "
        "the entity table or the labels repeat a key"
    )
    assert not spark.catalog.tableExists(f"{gold_schema}.churn_features")


def test_a_lookup_repeating_a_key_stops_the_cell_before_anything_is_written(silver) -> None:
    shell, spark, silver_schema, gold_schema = silver
    data = random_data(seed=5)
    plans = data["plans"]
    data["plans"] = pd.concat([plans, plans.iloc[[1]]], ignore_index=True)
    write_silver(spark, silver_schema, data)
    result = run(shell, CELL)
    assert isinstance(result.error_in_exec, ValueError)
    assert str(result.error_in_exec) == (
        f"{gold_schema}.churn_features: 2 rows for the key {plans.iloc[1]['plan']!r} in the "
        f"lookup {silver_schema}.plans; a lookup needs one row per key"
    )
    assert not spark.catalog.tableExists(f"{gold_schema}.churn_features")
