"""%%deploy on local Spark + Delta + MLflow: score, re-score, gate and promote, roll back."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import run

pytestmark = pytest.mark.spark

ZOO = """%%modelzoo diab --run
table: diabetes
target: target
task: regression
exclude: [patient]
cv: 2
models: [{model}]
register: diab
{promote}"""
DEPLOY = "%%deploy diab --run\ntable: diabetes\nkeys: [patient]\n"


def ok(shell, cell: str) -> None:
    result = run(shell, cell)
    assert result.error_in_exec is None, result.error_in_exec


def test_deploy_scores_gates_promotes_and_rolls_back(shell, spark, tmp_path, monkeypatch) -> None:
    import mlflow
    from sklearn.datasets import load_diabetes

    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'mlflow.db'}")
    mlflow.set_tracking_uri(f"sqlite:///{tmp_path / 'mlflow.db'}")
    shell.push({"spark": spark})
    shell.run_line_magic("dbx_config", "gold_schema=gold_deploy")
    spark.sql("CREATE SCHEMA IF NOT EXISTS gold_deploy")
    frame = load_diabetes(as_frame=True).frame.assign(patient=lambda f: [f"p{i}" for i in f.index])
    spark.createDataFrame(frame).write.format("delta").mode("overwrite").saveAsTable(
        "gold_deploy.diabetes"
    )
    missing = run(shell, DEPLOY)
    assert "diab has no @champion: register and promote a model first" in str(missing.error_in_exec)

    ok(
        shell, ZOO.format(model="linear", promote="promote_if: {min_improvement: 0}\n")
    )  # v1: @champion
    ok(shell, DEPLOY)
    predictions = spark.table("gold_deploy.diab_predictions")
    assert predictions.count() == len(frame)
    assert {r.model_version for r in predictions.select("model_version").distinct().collect()} == {
        "1"
    }
    # an inference log: the model's inputs next to each prediction, for %%monitor
    assert set(frame.columns) - {"target"} <= set(predictions.columns)
    spark.sql("CREATE TABLE gold_deploy.odd (patient INT, prediction STRING) USING DELTA")
    odd = run(shell, DEPLOY + "predictions_table: odd\n")
    assert (
        "gold_deploy.odd does not fit these predictions: patient (string here, int there); "
        "prediction (double here, string there)" in str(odd.error_in_exec)
    ), odd.error_in_exec
    frame.drop(columns=["bmi"]).pipe(spark.createDataFrame).write.format("delta").saveAsTable(
        "gold_deploy.partial"
    )
    partial = run(shell, DEPLOY.replace("table: diabetes", "table: partial"))
    assert "gold_deploy.partial lacks the model's features: bmi" in str(partial.error_in_exec)
    ok(shell, DEPLOY)  # the same batch again: updated, not duplicated
    assert spark.table("gold_deploy.diab_predictions").count() == len(frame)
    scored = spark.table("gold_deploy.diab_predictions").toPandas().set_index("patient")
    model = mlflow.pyfunc.load_model("models:/diab/1")
    inputs = frame.drop(columns=["target", "patient"]).astype("float64")
    expected = pd.Series(model.predict(inputs), index=frame["patient"])
    assert scored.loc[expected.index, "prediction"].to_numpy() == pytest.approx(expected.to_numpy())

    ok(shell, ZOO.format(model="hist_gbm", promote=""))  # v2: @challenger only; the gate decides
    gate = DEPLOY + "gate: {data: diabetes, label: target, min_improvement: 0.0}\npromote: true\n"
    ok(shell, gate)
    client = mlflow.MlflowClient()
    champion = str(client.get_model_version_by_alias("diab", "champion").version)
    gate_runs = mlflow.search_runs(search_all_experiments=True, filter_string="tags.gate != ''")
    assert len(gate_runs) == 1
    passed = gate_runs.iloc[0]["tags.gate"] == "passed"
    assert champion == ("2" if passed else "1")

    client.set_registered_model_alias("diab", "champion", "2")
    ok(shell, DEPLOY + "rollback: true\n")
    assert str(client.get_model_version_by_alias("diab", "champion").version) == "1"
    latest = (
        spark.table("gold_deploy.diab_predictions").orderBy("scored_at", ascending=False).first()
    )
    assert latest.model_version == "1"
