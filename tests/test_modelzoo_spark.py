"""%%modelzoo executed on local Spark + Delta + MLflow (SQLite) with scikit-learn's bundled data."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from conftest import run

pytestmark = pytest.mark.spark
_ids = itertools.count()


@pytest.fixture
def zoo(shell, spark, tmp_path, monkeypatch):
    """A gold schema of its own, and an MLflow SQLite store in the test's folder."""
    n = next(_ids)
    gold = f"gold_m{n}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'mlflow.db'}")
    import mlflow

    mlflow.set_tracking_uri(f"sqlite:///{tmp_path / 'mlflow.db'}")
    shell.push({"spark": spark})
    shell.run_line_magic("dbx_config", f"gold_schema={gold}")
    spark.sql(f"CREATE SCHEMA IF NOT EXISTS spark_catalog.{gold}")
    return shell, spark, f"spark_catalog.{gold}"


def save(spark, frame: pd.DataFrame, table: str) -> None:
    spark.createDataFrame(frame).write.format("delta").mode("overwrite").saveAsTable(table)


def run_ok(shell, cell: str) -> None:
    result = run(shell, cell)
    assert result.error_in_exec is None, result.error_in_exec


def runs_of(experiment: str) -> pd.DataFrame:
    import mlflow

    return mlflow.search_runs(experiment_names=[experiment], output_format="pandas")


REGRESSION = """%%modelzoo diabetes --run
table: diabetes
target: target
task: regression
cv: 4
models: [linear, random_forest, hist_gbm]
params: {{random_forest: {{n_estimators: 40}}}}
register: diabetes_{n}
promote_if: {{min_improvement: {gain}}}
"""


def test_regression_zoo_end_to_end(zoo, capsys) -> None:
    shell, spark, gold = zoo
    from sklearn.datasets import load_diabetes

    save(spark, load_diabetes(as_frame=True).frame, f"{gold}.diabetes")
    n = next(_ids)
    run_ok(shell, REGRESSION.format(n=n, gain=0.0))
    out = capsys.readouterr().out
    assert "promoted to @champion (no champion yet)" in out

    runs = runs_of("/dbx_architect/diabetes")
    children = runs[runs["tags.mlflow.parentRunId"].notna()]
    assert sorted(children["tags.mlflow.runName"]) == [
        "baseline",
        "hist_gbm",
        "linear",
        "random_forest",
    ]
    assert children["tags.fold_hash"].nunique() == 1  # every candidate saw the same folds
    cv = children.set_index("tags.mlflow.runName")["metrics.cv_rmse_mean"]
    parent = runs[runs["tags.mlflow.parentRunId"].isna()].iloc[0]
    winner = parent["tags.winner"]
    assert winner != "baseline" and cv[winner] < cv["baseline"]
    assert cv[winner] == cv.min()

    import mlflow

    model = mlflow.pyfunc.load_model(f"models:/diabetes_{n}@challenger")
    frame = load_diabetes(as_frame=True).frame.drop(columns="target")
    predictions = model.predict(frame.head(10))
    assert len(predictions) == 10 and np.isfinite(predictions).all()

    evaluation = spark.table(f"{gold}.diabetes_evaluation")
    assert evaluation.where("split = 'cv' AND metric = 'rmse'").count() == 4
    assert evaluation.where("split = 'test'").select("candidate").distinct().first()[0] == winner

    # The same seed gives the same leaderboard; a model no better than the champion by the
    # threshold gets @challenger and leaves @champion where it was.
    run_ok(shell, REGRESSION.format(n=n, gain=1000.0))
    again = runs_of("/dbx_architect/diabetes")
    latest = again[
        again["tags.mlflow.parentRunId"]
        == again[again["tags.mlflow.parentRunId"].isna()].iloc[0]["run_id"]
    ]
    assert latest.set_index("tags.mlflow.runName")[
        "metrics.cv_rmse_mean"
    ].sort_index().tolist() == pytest.approx(cv.sort_index().tolist())
    client = mlflow.MlflowClient()
    assert str(client.get_model_version_by_alias(f"diabetes_{n}", "champion").version) == "1"
    assert str(client.get_model_version_by_alias(f"diabetes_{n}", "challenger").version) == "2"
    assert "not promoted" in capsys.readouterr().out


def test_binary_classification_with_a_group_split(zoo) -> None:
    shell, spark, gold = zoo
    from sklearn.datasets import load_breast_cancer

    frame = load_breast_cancer(as_frame=True).frame
    frame.columns = [c.replace(" ", "_") for c in frame.columns]
    frame["clinic"] = [f"c{i % 12}" for i in range(len(frame))]
    save(spark, frame, f"{gold}.cancer")
    run_ok(
        shell,
        "%%modelzoo cancer --run\ntable: cancer\ntarget: target\ntask: classification\n"
        "exclude: [clinic]\nsplit: {method: group, group_col: clinic}\ncv: 3\n"
        "models: [logistic, hist_gbm]\nmetric: roc_auc\n",
    )
    runs = runs_of("/dbx_architect/cancer")
    children = runs[runs["tags.mlflow.parentRunId"].notna()]
    assert children["tags.fold_hash"].nunique() == 1
    auc = children.set_index("tags.mlflow.runName")["metrics.cv_roc_auc_mean"]
    assert auc["baseline"] == pytest.approx(0.5)
    assert auc.drop("baseline").min() > 0.9


def test_time_split_folds_only_look_forward(zoo) -> None:
    shell, spark, gold = zoo
    from sklearn.datasets import load_wine

    frame = load_wine(as_frame=True).frame.sample(frac=1.0, random_state=0)  # sorted by class
    frame["day"] = pd.date_range("2025-01-01", periods=len(frame), freq="D")
    save(spark, frame, f"{gold}.wine")
    run_ok(
        shell,
        "%%modelzoo wine --run\ntable: wine\ntarget: target\ntask: classification\n"
        "time_col: day\nsplit: {method: time, gap: 2}\ncv: 3\nmodels: [logistic]\n",
    )
    ns = shell.user_ns
    train, test = ns["train"], ns["test"]
    assert train["day"].max() < test["day"].min()
    for fit_rows, validate_rows in ns["fold_splits"]:
        fit_days = train["day"].to_numpy()[fit_rows]
        validate_days = train["day"].to_numpy()[validate_rows]
        assert fit_days.max() < validate_days.min()
        assert (validate_days.min() - fit_days.max()) / np.timedelta64(1, "D") > 2
