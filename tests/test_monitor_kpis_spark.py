"""%%monitor kpis: on local Spark + Delta + MLflow, each business KPI per window equals pandas.

A churn classifier is trained, registered and scored on three days; labels arrive for the first
two only. The KPIs (Spark SQL inside the per-window aggregate) must equal the same sums computed
with pandas on the same labelled rows, and the day without labels must have no KPI at all.
"""

from __future__ import annotations

import datetime

import numpy as np
import pandas as pd
import pytest
from conftest import run

pytestmark = pytest.mark.spark

ZOO = """%%modelzoo churn --run
table: train
target: churned
task: classification
exclude: [id]
cv: 2
models: [logistic]
register: churn
promote_if: {min_improvement: 0}
"""
DEPLOY = "%%deploy churn --run\ntable: incoming\nkeys: [id, day]\n"
MONITOR = """%%monitor churn --run
time_col: day
label: churned
label_table: labels
keys: [id, day]
min_rows: 50
kpis:
  retained: >-
    sum(case when prediction = 1 and label = 1 then revenue * 0.3 else 0 end)
    - 15 * count(case when prediction = 1 then 1 end)
  missed: {sql: "count(case when label = 1 and prediction = 0 then 1 end)", goal: min}
  top_revenue: max(case when label = 1 then revenue end)
"""
START = datetime.date(2026, 5, 4)


def draw(rng: np.random.Generator, rows: int) -> pd.DataFrame:
    frame = pd.DataFrame({"x1": rng.normal(0, 1, rows), "revenue": rng.uniform(10, 100, rows)})
    noise = rng.normal(0, 0.7, rows)
    frame["churned"] = (frame["x1"] - 0.01 * frame["revenue"] + noise > 0).astype(int)
    return frame


def pandas_kpis(rows: pd.DataFrame) -> dict[str, float]:
    """The three KPIs of MONITOR, by hand."""
    flagged = rows["prediction"] == 1
    churner = rows["churned"] == 1
    return {
        "kpi_retained": float(
            np.where(flagged & churner, rows["revenue"] * 0.3, 0).sum() - 15 * flagged.sum()
        ),
        "kpi_missed": float((churner & ~flagged).sum()),
        "kpi_top_revenue": float(rows.loc[churner, "revenue"].max()),
    }


def test_kpis_per_window_equal_pandas_and_need_labels(
    shell, spark, tmp_path, monkeypatch, capsys
) -> None:
    import mlflow

    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'mlflow.db'}")
    mlflow.set_tracking_uri(f"sqlite:///{tmp_path / 'mlflow.db'}")
    shell.push({"spark": spark})
    shell.run_line_magic("dbx_config", "gold_schema=gold_monitor_kpis")
    spark.sql("CREATE SCHEMA IF NOT EXISTS gold_monitor_kpis")
    rng = np.random.default_rng(11)
    train = draw(rng, 600)
    train.insert(0, "id", [f"t{i}" for i in range(len(train))])
    spark.createDataFrame(train).write.format("delta").mode("overwrite").saveAsTable(
        "gold_monitor_kpis.train"
    )
    days = []
    for day in range(3):
        frame = draw(rng, 120)
        frame.insert(0, "day", START + datetime.timedelta(days=day))
        frame.insert(0, "id", [f"d{day}-{i}" for i in range(len(frame))])
        days.append(frame)
    incoming = pd.concat(days, ignore_index=True)
    spark.createDataFrame(incoming.drop(columns="churned")).write.format("delta").mode(
        "overwrite"
    ).saveAsTable("gold_monitor_kpis.incoming")
    labelled_days = incoming[incoming["day"] < START + datetime.timedelta(days=2)]
    spark.createDataFrame(labelled_days[["id", "day", "churned"]]).write.format("delta").mode(
        "overwrite"
    ).saveAsTable("gold_monitor_kpis.labels")

    for cell in (ZOO, DEPLOY):
        result = run(shell, cell)
        assert result.error_in_exec is None, result.error_in_exec
    # the scored table is known now: a KPI's unknown column is refused at expansion
    typo = run(shell, MONITOR.replace("then revenue end", "then revenu end"))
    assert "kpis.top_revenue: column 'revenu' is not in the table (did you mean 'revenue'?)" in (
        str(typo.error_in_exec)
    ), typo.error_in_exec
    capsys.readouterr()
    result = run(shell, MONITOR)
    assert result.error_in_exec is None, result.error_in_exec
    printed = capsys.readouterr().out

    table = spark.table("gold_monitor_kpis.churn_monitoring").toPandas()
    table["day"] = table["window_start"].dt.date
    kpi_rows = table[table["statistic"].str.startswith("kpi_")]
    scored = spark.table("gold_monitor_kpis.churn_predictions").toPandas()
    joined = scored.merge(labelled_days[["id", "churned"]], on="id")
    assert set(joined["prediction"]) == {0.0, 1.0}  # both classes predicted: the KPIs vary
    for offset in (0, 1):
        day = START + datetime.timedelta(days=offset)
        rows = joined[joined["day"] == day]
        assert len(rows) == 120
        found = kpi_rows[kpi_rows["day"] == day].set_index("statistic")["value"]
        expected = pandas_kpis(rows)
        assert set(found.index) == set(expected)
        for key, value in expected.items():
            assert found[key] == pytest.approx(value, rel=1e-9), key
        assert kpi_rows[kpi_rows["day"] == day]["feature"].eq("prediction").all()
        line = f"  {day:%Y-%m-%d}: 120 labelled rows, "
        assert line in printed, printed
        assert f"KPIs: retained {expected['kpi_retained']:.6g}, missed" in printed, printed
    # the third day has predictions and drift statistics but no labels: no KPI, no performance
    third = table[table["day"] == START + datetime.timedelta(days=2)]
    assert len(third) and not third["statistic"].str.startswith("kpi_").any()
    assert "labelled_rows" not in set(third["statistic"])
    runs = mlflow.search_runs(search_all_experiments=True, filter_string="tags.verdict != ''")
    latest = pandas_kpis(joined[joined["day"] == START + datetime.timedelta(days=1)])
    assert runs.iloc[0]["metrics.kpi_missed_latest_labelled_window"] == latest["kpi_missed"]
