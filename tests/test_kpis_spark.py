"""Business KPIs of %%modelzoo run for real: local Spark + Delta + MLflow (SQLite), breast_cancer.

Every expected number is recomputed here in numpy from what the zoo logged (each candidate's
scored held-out and test rows), never copied from the generated code.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from conftest import run

pytestmark = pytest.mark.spark
_ids = itertools.count()

RETAINED = (
    "sum(case when prediction = 1 and label = 1 then revenue * 0.3 else 0 end)"
    " - 15 * sum(prediction)"
)


@pytest.fixture
def gold(shell, spark, tmp_path, monkeypatch) -> str:
    """A gold schema of its own (the zoo's), MLflow in SQLite under tmp_path."""
    import mlflow

    gold = f"gold_kpi{next(_ids)}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'mlflow.db'}")
    mlflow.set_tracking_uri(f"sqlite:///{tmp_path / 'mlflow.db'}")
    shell.push({"spark": spark})
    shell.run_line_magic("dbx_config", f"gold_schema={gold}")
    spark.sql(f"CREATE SCHEMA IF NOT EXISTS spark_catalog.{gold}")
    return gold


@pytest.fixture
def cancer(shell, spark, gold):
    """breast_cancer with a revenue column (not a feature) in the gold schema."""
    from sklearn.datasets import load_breast_cancer

    frame = load_breast_cancer(as_frame=True).frame
    frame.columns = [c.replace(" ", "_") for c in frame.columns]
    frame["revenue"] = np.random.default_rng(3).uniform(100, 2000, len(frame)).round(2)
    spark.createDataFrame(frame).write.format("delta").saveAsTable(f"{gold}.cancer")
    return shell, spark, frame


def zoo_runs(experiment: str) -> tuple[pd.Series, pd.DataFrame]:
    """The parent run and the candidates' runs (indexed by name) of an experiment's last zoo."""
    import mlflow

    runs = mlflow.search_runs(experiment_names=[experiment], output_format="pandas")
    parent = runs[runs["tags.mlflow.parentRunId"].isna()].iloc[0]
    children = runs[runs["tags.mlflow.parentRunId"] == parent["run_id"]]
    return parent, children.set_index("tags.mlflow.runName")


def retained(rows: pd.DataFrame) -> float:
    hit = (rows["prediction"] == 1) & (rows["label"] == 1)
    return float(np.sum(np.where(hit, rows["revenue"] * 0.3, 0.0)) - 15 * rows["prediction"].sum())


def cost(rows: pd.DataFrame, flagged: np.ndarray) -> float:
    positive = rows["label"].to_numpy() == 1
    return float(300 * np.sum(positive & ~flagged) + 15 * np.sum(~positive & flagged))


def brute_force_threshold(held_out: pd.DataFrame, above: bool = False) -> float:
    """The cheapest of 0.00 ... 1.00 (the first on a tie), summed fold by fold; *above*: Spark's
    rule (positive above the threshold, not at it), whose grid is 0.01 ... 0.99."""
    best, best_cost = None, np.inf
    for step in range(1, 100) if above else range(101):
        threshold = step / 100
        total = sum(
            cost(rows, flags(rows, threshold, above)) for _, rows in held_out.groupby("_fold")
        )
        if total < best_cost:
            best, best_cost = threshold, total
    assert best is not None
    return best


def flags(rows: pd.DataFrame, threshold: float, above: bool) -> np.ndarray:
    probability = rows["probability"].to_numpy()
    return probability > threshold if above else probability >= threshold


def test_kpis_and_costs_choose_the_model(cancer) -> None:
    shell, spark, frame = cancer
    import mlflow

    cell = (
        "%%modelzoo cancer_kpi --run\ntable: cancer\ntarget: target\ntask: classification\n"
        "exclude: [revenue]\ncv: 3\nmodels: [logistic, random_forest]\n"
        "params: {random_forest: {n_estimators: 20, max_depth: 3}}\n"
        f"kpis:\n  retained_revenue: {RETAINED}\n"
        "  flagged: {sql: 'avg(case when prediction = 1 then 1 else 0 end)', goal: min}\n"
        "costs: {false_negative: 300, false_positive: 15}\n"
        "select_by: retained_revenue\nregister: cancer_kpi\n"
        "promote_if: {metric: cost}\n"
    )
    result = run(shell, cell)
    assert result.error_in_exec is None, result.error_in_exec
    parent, children = zoo_runs("/dbx_architect/cancer_kpi")
    assert sorted(children.index) == ["baseline", "logistic", "random_forest"]

    for candidate, child in children.iterrows():
        scored = pd.read_csv(
            mlflow.artifacts.download_artifacts(f"runs:/{child['run_id']}/predictions.csv")
        )
        # Every row once: the held-out rows of the folds, then the test rows.
        assert scored["_row_hash"].is_unique and len(scored) == len(frame)
        assert scored["revenue"].sum() == pytest.approx(frame["revenue"].sum())
        held_out, test = scored[scored["_split"] == "train"], scored[scored["_split"] == "test"]
        assert sorted(held_out["_fold"].unique()) == [0, 1, 2]

        threshold = brute_force_threshold(held_out)
        assert child["metrics.decision_threshold"] == threshold, candidate
        for rows in (held_out, test):  # predictions are the probabilities at that threshold
            assert (rows["prediction"] == (rows["probability"] >= threshold)).all()

        for name, kpi in (
            ("retained_revenue", retained),
            ("cost", lambda r: cost(r, r["prediction"].to_numpy() == 1)),
            ("flagged", lambda r: float(r["prediction"].mean())),
        ):
            per_fold = np.array([kpi(rows) for _, rows in held_out.groupby("_fold")])
            assert child[f"metrics.cv_kpi_{name}_mean"] == pytest.approx(per_fold.mean())
            assert child[f"metrics.cv_kpi_{name}_std"] == pytest.approx(per_fold.std())
            assert child[f"metrics.test_kpi_{name}"] == pytest.approx(kpi(test))

    # select_by: the best cross-validated retained revenue wins, whatever the metric says.
    best = children["metrics.cv_kpi_retained_revenue_mean"].idxmax()
    winner = parent["tags.winner"]
    assert winner == best
    assert (
        float(parent["params.decision_threshold"])
        == children.loc[winner, "metrics.decision_threshold"]
    )
    assert parent["metrics.test_kpi_cost"] == children.loc[winner, "metrics.test_kpi_cost"]
    leaderboard = pd.read_csv(
        mlflow.artifacts.download_artifacts(f"runs:/{parent['run_id']}/leaderboard.csv")
    )
    assert leaderboard.loc[0, "candidate"] == winner
    assert {"cv_kpi_retained_revenue_mean", "test_kpi_cost"} <= set(leaderboard.columns)

    client = mlflow.MlflowClient()
    version = client.get_model_version_by_alias("cancer_kpi", "challenger")
    assert f"Decision threshold {parent['params.decision_threshold']}" in version.description
    # The registered model predicts at that threshold, so %%deploy's scoring (pyfunc) does too.
    inputs = frame.drop(columns=["target", "revenue"]).astype("float64")
    predicted = mlflow.pyfunc.load_model("models:/cancer_kpi@challenger").predict(inputs)
    model = mlflow.sklearn.load_model("models:/cancer_kpi@challenger")
    probability = model.predict_proba(inputs)[:, 1]
    threshold = float(parent["params.decision_threshold"])
    assert (np.asarray(predicted) == (probability >= threshold)).all()
    assert parent["tags.promotion"] == "promoted: no champion yet"  # the gate reads test_kpi_cost
    evaluation = spark.table(
        f"{shell.user_ns['source_table'].rsplit('.', 1)[0]}.cancer_kpi_evaluation"
    )
    kpi_rows = evaluation.where("metric = 'kpi_cost'").toPandas()
    assert sorted(kpi_rows["split"].value_counts().items()) == [("cv", 3), ("test", 3)]


def test_spark_engine_puts_kpis_on_its_leaderboard(cancer) -> None:
    """Spark SQL computes the KPIs there; the baselines (the same model in both libraries, on
    the same folds) get the same KPI values from numpy and from Spark."""
    shell, spark, frame = cancer
    import mlflow

    boards = {}
    for engine in ("sklearn", "spark"):
        cell = (
            f"%%modelzoo cancer_{engine} --run\ntable: cancer\ntarget: target\n"
            "task: classification\nfeatures: [mean_radius, mean_texture, mean_area]\ncv: 2\n"
            f"engine: {engine}\nmodels: [logistic]\nkpis:\n"
            "  booked: sum(case when prediction = 1 then revenue else 0 end)\n"
            "  confidence: {sql: avg(probability), goal: min}\nselect_by: booked\n"
        )
        result = run(shell, cell)
        assert result.error_in_exec is None, result.error_in_exec
        boards[engine] = zoo_runs(f"/dbx_architect/cancer_{engine}")
    parent, children = boards["spark"]
    leaderboard = pd.read_csv(
        mlflow.artifacts.download_artifacts(f"runs:/{parent['run_id']}/leaderboard.csv")
    )
    assert leaderboard["cv_kpi_booked_mean"].is_monotonic_decreasing  # ranked by select_by
    assert parent["tags.winner"] == leaderboard.loc[0, "candidate"]
    sklearn_children = boards["sklearn"][1]
    for column in ("cv_kpi_booked_mean", "cv_kpi_confidence_mean", "test_kpi_booked"):
        spark_value = children.loc["baseline", f"metrics.{column}"]
        assert spark_value == pytest.approx(sklearn_children.loc["baseline", f"metrics.{column}"])
    assert children.loc["logistic", "metrics.cv_kpi_booked_mean"] > 0


def test_spark_sql_and_numpy_agree(spark) -> None:
    """The two translations of each KPI (Spark SQL for engine: spark, numpy for sklearn) give
    the same value on the same rows, NULLs included."""
    from test_kpis import ROWS, TRANSLATED

    from dbx_architect.generators.kpis import parse_kpi

    kpis = [
        parse_kpi(f"k{i}", sql, "max", True, list(ROWS.columns))
        for i, (sql, _) in enumerate(TRANSLATED)
    ]
    rows = spark.createDataFrame(ROWS.astype(object).where(ROWS.notna(), None))
    values = rows.selectExpr(*[f"{kpi.sql} AS {kpi.name}" for kpi in kpis]).first().asDict()
    for kpi, (_, expected) in zip(kpis, TRANSLATED, strict=True):
        in_numpy = float(eval(kpi.numpy, {"np": np, "pd": pd, "rows": ROWS}))
        assert float(values[kpi.name]) == pytest.approx(in_numpy), kpi.text
        assert in_numpy == pytest.approx(expected), kpi.text


def test_spark_engine_tunes_the_threshold(cancer) -> None:
    """engine: spark collects the out-of-fold probabilities, tunes the threshold on them (as a
    brute force here does) and sets it on the fitted Spark model, which is what gets logged."""
    shell, spark, frame = cancer
    import mlflow
    from pyspark.ml.functions import vector_to_array

    cell = (
        "%%modelzoo cancer_spark_costs --run\ntable: cancer\ntarget: target\n"
        "task: classification\nfeatures: [mean_radius, mean_texture, mean_area]\ncv: 3\n"
        f"engine: spark\nmodels: [logistic]\nkpis:\n  retained_revenue: {RETAINED}\n"
        "costs: {false_negative: 300, false_positive: 15}\nselect_by: cost\n"
        "register: cancer_spark_costs\n"
    )
    result = run(shell, cell)
    assert result.error_in_exec is None, result.error_in_exec
    parent, children = zoo_runs("/dbx_architect/cancer_spark_costs")
    assert sorted(children.index) == ["baseline", "logistic"]
    for candidate, child in children.iterrows():
        held_out = pd.read_csv(
            mlflow.artifacts.download_artifacts(f"runs:/{child['run_id']}/predictions.csv"),
            float_precision="round_trip",  # the probabilities exactly as Spark computed them
        )
        assert sorted(held_out["_fold"].unique()) == [0, 1, 2] and held_out["_row_hash"].is_unique
        threshold = brute_force_threshold(held_out, above=True)
        assert child["metrics.decision_threshold"] == threshold, candidate
        # The KPIs were computed by Spark on the fold models at that threshold: p > t.
        per_fold = [
            cost(rows, flags(rows, threshold, True)) for _, rows in held_out.groupby("_fold")
        ]
        assert child["metrics.cv_kpi_cost_mean"] == pytest.approx(np.mean(per_fold)), candidate

    winner = parent["tags.winner"]
    assert winner == children["metrics.cv_kpi_cost_mean"].idxmin()
    threshold = children.loc[winner, "metrics.decision_threshold"]
    assert float(parent["params.decision_threshold"]) == threshold
    assert parent["tags.decision_threshold"] == str(threshold)
    version = mlflow.MlflowClient().get_model_version_by_alias("cancer_spark_costs", "challenger")
    assert f"Decision threshold {threshold}: predicts 1 " in version.description
    # The registered model (its pyfunc, as %%deploy scores) predicts 1 exactly above it.
    inputs = frame[["mean_radius", "mean_texture", "mean_area"]]
    predicted = mlflow.pyfunc.load_model("models:/cancer_spark_costs@challenger").predict(inputs)
    model = mlflow.spark.load_model("models:/cancer_spark_costs@challenger")
    probability = np.array(
        model.transform(spark.createDataFrame(inputs))
        .select(vector_to_array("probability")[1])
        .toPandas()
        .iloc[:, 0]
    )
    assert 0 < (probability > threshold).sum() < len(frame)  # not all one class
    assert (np.asarray(predicted).astype(int) == (probability > threshold)).all()


def test_spark_engine_costs_need_two_classes(shell, spark, gold) -> None:
    """What stays refused: costs on a target of three classes, in one line before any fit."""
    frame = pd.DataFrame({"x": np.arange(30.0), "grade": np.arange(30) % 3})
    spark.createDataFrame(frame).write.format("delta").saveAsTable(f"{gold}.grades")
    cell = (
        "%%modelzoo grades --run\ntable: grades\ntarget: grade\ntask: classification\n"
        "engine: spark\nmodels: [logistic]\ncosts: {false_negative: 3, false_positive: 1}\n"
    )
    result = run(shell, cell)
    assert str(result.error_in_exec) == "costs needs two classes; grade has 3"
