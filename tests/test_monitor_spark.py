"""%%monitor on local Spark + Delta + MLflow: train, deploy, then drift per window and trigger.

The scoring days are drawn from the training distribution except the shifted ones, where one
numeric column moves by one standard deviation and a categorical column's mix changes; the
alerts must name exactly those columns (and the prediction, which follows the shifted column).
"""

from __future__ import annotations

import datetime

import numpy as np
import pandas as pd
import pytest
from conftest import run

pytestmark = pytest.mark.spark

ZOO = """%%modelzoo demand --run
table: train
target: y
task: regression
exclude: [id]
cv: 2
models: [linear]
register: demand
promote_if: {min_improvement: 0}
"""
DEPLOY = "%%deploy demand --run\ntable: incoming\nkeys: [id, day]\n"
MONITOR = """%%monitor demand --run
time_col: day
label: y
label_table: labels
keys: [id, day]
trigger: {k: 2, n: 3}
"""
SHIFTED = {"x2", "store", "prediction"}
START = datetime.date(2026, 3, 2)
MIX, MIX_SHIFTED = [0.5, 0.3, 0.2], [0.2, 0.3, 0.5]


def draw(rng: np.random.Generator, rows: int, shifted: bool = False) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "x1": rng.normal(0, 1, rows),
            "x2": rng.normal(1 if shifted else 0, 1, rows),
            "x3": rng.uniform(0, 10, rows),
            "store": rng.choice(["a", "b", "c"], rows, p=MIX_SHIFTED if shifted else MIX),
        }
    )
    frame["y"] = 3 * frame["x1"] + 2 * frame["x2"] + 0.5 * frame["x3"] + rng.normal(0, 0.5, rows)
    return frame


def batch(rng: np.random.Generator, day: int, rows: int, shifted: bool = False) -> pd.DataFrame:
    frame = draw(rng, rows, shifted)
    frame.insert(0, "day", START + datetime.timedelta(days=day))
    frame.insert(0, "id", [f"d{day}-{i}" for i in range(rows)])
    return frame


def ok(shell, cell: str) -> str:
    result = run(shell, cell)
    assert result.error_in_exec is None, result.error_in_exec
    return result


def psi(expected: np.ndarray, actual: np.ndarray) -> float:
    p, q = np.maximum(expected, 1e-4), np.maximum(actual, 1e-4)
    return float(np.sum((q - p) * np.log(q / p)))


def test_monitor_alerts_on_the_shifted_columns_and_triggers_k_of_n(
    shell, spark, tmp_path, monkeypatch, capsys
) -> None:
    import mlflow
    from scipy import stats

    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'mlflow.db'}")
    mlflow.set_tracking_uri(f"sqlite:///{tmp_path / 'mlflow.db'}")
    shell.push({"spark": spark})
    shell.run_line_magic("dbx_config", "gold_schema=gold_monitor")
    spark.sql("CREATE SCHEMA IF NOT EXISTS gold_monitor")
    rng = np.random.default_rng(7)
    train = draw(rng, 3000)
    train.insert(0, "id", [f"t{i}" for i in range(len(train))])
    spark.createDataFrame(train).write.format("delta").mode("overwrite").saveAsTable(
        "gold_monitor.train"
    )
    days = [batch(rng, 0, 1500), batch(rng, 1, 1500), batch(rng, 2, 1500, shifted=True)]
    incoming = pd.concat(days, ignore_index=True)

    undated = batch(rng, 0, 3).assign(id=["u0", "u1", "u2"], day=None)  # in no window

    def land(frame: pd.DataFrame) -> None:
        spark.createDataFrame(pd.concat([frame, undated]).drop(columns="y")).write.format(
            "delta"
        ).mode("overwrite").saveAsTable("gold_monitor.incoming")

    land(incoming)
    # labels arrive later: only for the first two days
    spark.createDataFrame(
        incoming[incoming["day"] < START + datetime.timedelta(days=2)][["id", "day", "y"]]
    ).write.format("delta").mode("overwrite").saveAsTable("gold_monitor.labels")

    missing = run(shell, MONITOR)
    assert "demand has no @champion: register and promote a model first" in str(
        missing.error_in_exec
    )
    ok(shell, ZOO)
    unscored = run(shell, MONITOR)
    assert "demand_predictions does not exist: score with %%deploy first" in str(
        unscored.error_in_exec
    ), unscored.error_in_exec
    ok(shell, DEPLOY)
    typo = run(shell, MONITOR + "features: [x1, price]\n")
    assert "features: column 'price' is not in the table" in str(typo.error_in_exec)
    lacking = run(shell, MONITOR.replace("time_col: day", "table: labels\ntime_col: day"))
    assert "gold_monitor.labels lacks the model's features: x1, x2, x3, store" in str(
        lacking.error_in_exec
    ), lacking.error_in_exec
    spark.createDataFrame(train.head(50)).write.format("delta").saveAsTable("gold_monitor.tiny")
    tiny = run(shell, "%%monitor demand --run\ntable: incoming\ntime_col: day\nbaseline: tiny\n")
    assert "gold_monitor.tiny has 50 rows, fewer than min_rows (100)" in str(tiny.error_in_exec)
    capsys.readouterr()
    ok(shell, MONITOR)
    printed = capsys.readouterr().out
    assert "no retrain: 1 of the last 3 windows breached" in printed, printed
    assert "  3 rows have no day: they fall in no window" in printed, printed

    table = spark.table("gold_monitor.demand_monitoring").toPandas()
    table["day"] = table["window_start"].dt.date
    breached = table[table["breached"].eq(True)]
    assert set(breached["day"]) == {START + datetime.timedelta(days=2)}
    assert set(breached["feature"]) == SHIFTED
    # every column got PSI and KS in every window (the categorical one PSI only)
    tested = table[table["statistic"].isin(["psi", "ks_pvalue"])]
    assert len(tested) == 3 * (4 * 2 + 1)  # x1, x2, x3, prediction: PSI and KS; store: PSI

    # PSI and KS of the shifted column on day 3, computed independently with numpy and scipy
    base = train["x2"].to_numpy()
    now = days[2]["x2"].to_numpy()
    edges = np.quantile(base, [i / 10 for i in range(1, 10)], method="inverted_cdf")
    shares = [
        np.bincount(np.searchsorted(edges, v, side="right"), minlength=10) / len(v)
        for v in (base, now)
    ]
    day3 = table[(table["day"] == START + datetime.timedelta(days=2)) & (table["feature"] == "x2")]
    value = day3.set_index("statistic")["value"]
    assert value["psi"] == pytest.approx(psi(*shares), rel=1e-9)
    reference = stats.ks_2samp(base, now, method="asymp")
    assert abs(value["ks"] - reference.statistic) <= 1 / 1000
    assert value["ks"] <= reference.statistic + 1e-12  # measured at the baseline's quantiles
    assert value["ks_pvalue"] < 1e-12 and reference.pvalue < 1e-12
    same = table[(table["day"] == START) & (table["feature"] == "x1")].set_index("statistic")
    reference = stats.ks_2samp(
        base := train["x1"].to_numpy(), days[0]["x1"].to_numpy(), method="asymp"
    )
    assert abs(same.loc["ks", "value"] - reference.statistic) <= 1 / 1000
    assert same.loc["rows", "value"] == 1500 and same.loc["null_share", "value"] == 0

    # performance where the labels arrived (days 1 and 2), against pandas on the same rows
    scored = spark.table("gold_monitor.demand_predictions").toPandas()
    joined = scored.merge(incoming[["id", "y"]], on="id")
    for offset in (0, 1):
        rows = joined[joined["day"] == START + datetime.timedelta(days=offset)]
        rmse = float(np.sqrt(np.mean((rows["prediction"] - rows["y"]) ** 2)))
        perf = table[
            (table["day"] == START + datetime.timedelta(days=offset))
            & (table["feature"] == "prediction")
        ].set_index("statistic")["value"]
        assert perf["rmse"] == pytest.approx(rmse, rel=1e-9)
        assert perf["labelled_rows"] == 1500
    assert not (
        table[(table["day"] == START + datetime.timedelta(days=2))]["statistic"]
        .isin(["rmse", "labelled_rows"])
        .any()
    )

    # a second shifted day: 2 of the last 3 windows breached and the latest too → retrain
    incoming = pd.concat([incoming, batch(rng, 3, 1500, shifted=True)], ignore_index=True)
    land(incoming)
    ok(shell, DEPLOY)
    capsys.readouterr()
    ok(shell, MONITOR)
    printed = capsys.readouterr().out
    assert "retrain: 2 of the last 3 windows breached, the latest too" in printed, printed
    assert "  3 rows have no day: they fall in no window" in printed  # a rerun counts them too
    assert "rollback plan: v1 is the first version of demand" in printed

    # back to normal, plus a day with too few rows: the latest window with statistics is clean,
    # so the trigger does not fire although 2 of the last 3 breached
    incoming = pd.concat([incoming, batch(rng, 4, 1500), batch(rng, 5, 20)], ignore_index=True)
    land(incoming)
    ok(shell, DEPLOY)
    capsys.readouterr()
    ok(shell, MONITOR)
    printed = capsys.readouterr().out
    assert "no retrain: 2 of the last 3 windows breached" in printed, printed
    assert (
        "2026-03-07: fewer values than min_rows (100), no drift statistic for prediction 20, "
        "store 20, x1 20, x2 20, x3 20" in printed
    )
    table = spark.table("gold_monitor.demand_monitoring").toPandas()
    assert len(table) == len(table.drop_duplicates(["window_start", "feature", "statistic"]))
    assert table["window_start"].dt.date.nunique() == 6

    runs = mlflow.search_runs(search_all_experiments=True, filter_string="tags.verdict != ''")
    assert len(runs) == 3
    latest = runs.sort_values("start_time").iloc[-1]
    assert latest["metrics.retrain"] == 0 and latest["metrics.windows_breached"] == 2
    artifacts = {a.path for a in mlflow.MlflowClient().list_artifacts(latest["run_id"])}
    assert {"drift.png", "alerts.csv"} <= artifacts
