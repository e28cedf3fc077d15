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


SAME_DATA = """%%modelzoo {name} --run
table: {table}
target: target
task: {task}
engine: {engine}
exclude: [row]
cv: 2
{split}
models: {models}
experiment: /zoo/{name}_{engine}
register: {name}_{engine}
{params}"""
# Spark ML's GBT fits one tree per iteration, each tree a few Spark jobs: 5 iterations instead of
# its default 20 keep this test about the folds rather than about Spark's job scheduling.
FEW_TREES = {"sklearn": "", "spark": "params: {hist_gbm: {maxIter: 5}}\n"}


def zoo_runs(experiment: str) -> tuple[pd.Series, pd.DataFrame]:
    """The parent run and the candidates' runs (indexed by name) of an experiment's last zoo."""
    runs = runs_of(experiment)
    parent = runs[runs["tags.mlflow.parentRunId"].isna()].iloc[0]
    children = runs[runs["tags.mlflow.parentRunId"] == parent["run_id"]]
    return parent, children.set_index("tags.mlflow.runName")


@pytest.mark.parametrize(
    ("loader", "task", "split", "models", "metric"),
    [
        (
            "load_diabetes",
            "regression",
            "time_col: day\nsplit: {method: time, gap: 5}",
            "[linear, hist_gbm]",
            "rmse",
        ),
        ("load_wine", "classification", "split: {seed: 7}", "[logistic, hist_gbm]", "f1_weighted"),
    ],
)
def test_spark_engine_uses_the_same_folds(zoo, capsys, loader, task, split, models, metric) -> None:
    shell, spark, gold = zoo
    import mlflow
    import sklearn.datasets

    frame = getattr(sklearn.datasets, loader)(as_frame=True).frame
    frame.insert(0, "row", range(len(frame)))
    if task == "classification":  # classes as text, as a user's labels often are
        frame["target"] = frame["target"].map("cultivar_{}".format)
    if "time_col" in split:
        frame["day"] = pd.date_range("2024-01-01", periods=len(frame), freq="D")
    save(spark, frame, f"{gold}.{loader}")
    name = f"{loader}_{next(_ids)}"
    boards = {}
    for engine in ("sklearn", "spark"):
        run_ok(
            shell,
            SAME_DATA.format(
                name=name,
                table=loader,
                task=task,
                split=split,
                engine=engine,
                models=models,
                params=FEW_TREES[engine],
            ),
        )
        boards[engine] = zoo_runs(f"/zoo/{name}_{engine}")
    out = capsys.readouterr().out
    (sk_parent, sk), (sp_parent, sp) = boards["sklearn"], boards["spark"]

    # The same rows in the same folds, whatever trains on them.
    assert sk_parent["tags.fold_hash"] == sp_parent["tags.fold_hash"]
    assert sp["tags.fold_hash"].unique().tolist() == [sp_parent["tags.fold_hash"]]
    assert set(sp["tags.engine"]) == {"spark"}
    # The baselines (a mean or the class frequencies) are the same model in both libraries:
    # fitted on the same rows and scored on the same rows, they score the same.
    for statistic in ("mean", "std"):
        column = f"metrics.cv_{metric}_{statistic}"
        assert sp.loc["baseline", column] == pytest.approx(sk.loc["baseline", column], rel=1e-6)
    if task == "classification":  # wine has three classes: Spark's GBT takes two
        assert "hist_gbm left out" in out
        assert sorted(sp.index) == ["baseline", "logistic"]
    else:
        assert sorted(sp.index) == sorted(sk.index)
    winner = sp_parent["tags.winner"]
    better = (lambda a, b: a < b) if metric == "rmse" else (lambda a, b: a > b)
    assert winner != "baseline"
    assert better(
        sp.loc[winner, f"metrics.cv_{metric}_mean"], sp.loc["baseline", f"metrics.cv_{metric}_mean"]
    )
    assert (
        spark.table(f"{gold}.{name}_evaluation").where("split = 'test'").count()
        == len(sk_parent.filter(like="metrics.test_")) * 2
    )

    model = mlflow.pyfunc.load_model(f"models:/{name}_spark@challenger")
    inputs = frame.drop(columns=["row", "target", "day"], errors="ignore").head(8).astype("float64")
    predicted = np.asarray(model.predict(inputs))
    assert len(predicted) == 8
    if task == "classification":
        assert set(predicted) <= set(frame["target"])
        assert (predicted == frame["target"].head(8).to_numpy()).mean() >= 0.75
    else:
        assert np.isfinite(predicted).all()

    if task == "classification":
        # %%deploy scores with the classifier's own transform: the classes themselves, as text
        # (tests/test_spark_engine_remote.py checks a regression's scoring, gate and monitoring).
        run_ok(
            shell,
            f"%%deploy {name}_spark --run\nmodel: {name}_spark@challenger\n"
            f"table: {loader}\nkeys: [row]\nresult_type: string\n",
        )
        scored = spark.table(f"{gold}.{name}_spark_predictions").toPandas().set_index("row")
        own = (
            mlflow.spark.load_model(f"models:/{name}_spark@challenger")
            .transform(spark.table(f"{gold}.{loader}"))
            .select("row", "prediction")
            .toPandas()
            .set_index("row")["prediction"]
        )
        assert len(scored) == len(frame) and set(own) <= set(frame["target"])
        assert (scored.loc[own.index, "prediction"] == own).all()


def test_forecast_lags_stay_inside_each_series(zoo) -> None:
    shell, spark, gold = zoo
    rng = np.random.default_rng(0)
    weeks = pd.date_range("2024-01-07", periods=60, freq="W")
    frames = []
    for level, store in ((20, "north"), (50, "south"), (80, "east")):
        noise = np.cumsum(rng.normal(0, 2, len(weeks)))  # a random walk: last week predicts
        frames.append(pd.DataFrame({"store": store, "week": weeks, "units": level + noise}))
    sales = pd.concat(frames, ignore_index=True).sample(frac=1.0, random_state=1)
    save(spark, sales, f"{gold}.store_sales")
    run_ok(
        shell,
        "%%modelzoo store_sales --run\ntable: store_sales\ntarget: units\ntask: forecast\n"
        "time_col: week\nlags: [1, 2]\nseries: [store]\ncv: 3\nmodels: [linear]\n",
    )
    data = shell.user_ns["data"]
    assert shell.user_ns["features"] == ["store", "units_lag_1", "units_lag_2"]
    expected = sales.sort_values("week").assign(
        lag1=lambda f: f.groupby("store")["units"].shift(1),
        lag2=lambda f: f.groupby("store")["units"].shift(2),
    )
    merged = data.merge(expected, on=["store", "units"])
    assert len(merged) == len(sales)
    assert np.allclose(merged["units_lag_1"], merged["lag1"], equal_nan=True)
    assert np.allclose(merged["units_lag_2"], merged["lag2"], equal_nan=True)
    assert merged["units_lag_1"].isna().sum() == 3  # the first week of each store has no past

    runs = runs_of("/dbx_architect/store_sales")
    cv = runs[runs["tags.mlflow.parentRunId"].notna()].set_index("tags.mlflow.runName")
    assert cv.loc["linear", "metrics.cv_rmse_mean"] < cv.loc["baseline", "metrics.cv_rmse_mean"] / 2


@pytest.mark.parametrize("engine", ["sklearn", "spark"])
@pytest.mark.parametrize(
    ("rows", "task", "message"),
    [
        ([], "regression", "0 training rows are too few for 3 folds"),
        (
            [(float(i), 0.5 + i % 2) for i in range(40)],
            "classification",
            "target holds continuous numbers: use task: regression",
        ),
    ],
    ids=["empty", "fractional classes"],
)
def test_checks_before_cross_validation_stop_the_cell_in_one_line(
    zoo, engine, rows, task, message
) -> None:
    shell, spark, gold = zoo
    table = f"checked_{next(_ids)}"
    spark.createDataFrame(rows, "x DOUBLE, target DOUBLE").write.format("delta").saveAsTable(
        f"{gold}.{table}"
    )
    model = "logistic" if task == "classification" else "linear"
    result = run(
        shell,
        f"%%modelzoo {table} --run\ntable: {table}\ntarget: target\ntask: {task}\n"
        f"engine: {engine}\ncv: 3\nmodels: [{model}]\n",
    )
    assert isinstance(result.error_in_exec, ValueError)
    assert str(result.error_in_exec) == message
    assert runs_of(f"/dbx_architect/{table}").empty  # stopped before MLflow


def test_a_table_above_sample_rows_is_sampled_by_hash(zoo, capsys) -> None:
    shell, spark, gold = zoo
    from sklearn.datasets import load_diabetes

    frame = load_diabetes(as_frame=True).frame
    save(spark, frame, f"{gold}.diabetes")
    cell = (
        "%%modelzoo sampled --run\ntable: diabetes\ntarget: target\ntask: regression\ncv: 3\n"
        "models: [linear]\nsample_rows: {}\n"
    )
    run_ok(shell, cell.format(len(frame)))  # exactly at the cap: every row, no sampling
    assert "Sampling" not in capsys.readouterr().out
    assert len(shell.user_ns["data"]) == len(frame)
    every_row = shell.user_ns["data"].set_index("_row_hash")

    run_ok(shell, cell.format(200))
    assert f"Sampling: 200 of {len(frame)} rows go to the driver (sample_rows)" in (
        capsys.readouterr().out
    )
    sampled = shell.user_ns["data"]
    kept = every_row.index  # the hash of every row
    assert 100 < len(sampled) < len(frame)
    assert set(sampled["_row_hash"]) <= set(kept)
    # The sample is the rows whose hash falls under the rate, with their split and fold.
    rate = int(200 / len(frame) * 1_000_000)
    assert set(sampled["_row_hash"]) == {h for h in kept if h % 1_000_000 < rate}
    assert (
        sampled.set_index("_row_hash")[["_split", "_fold"]]
        .eq(every_row.loc[sampled["_row_hash"], ["_split", "_fold"]])
        .all()
        .all()
    )
