# %%modelzoo regression
# table: weekly_demand
# target: units
# task: regression
# exclude: [store]
# cv: 5
# models: [linear, random_forest, extra_trees, hist_gbm]
# params: {random_forest: {n_estimators: 300, max_depth: 12}}

import datetime
import os
import time
from pathlib import Path

import cloudpickle
import mlflow
import numpy as np
import pandas as pd
import sklearn
from joblib import Parallel, delayed
from matplotlib.figure import Figure
from mlflow.models import infer_signature
from pyspark.sql import functions as F
from pyspark.sql.types import NumericType
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.dummy import DummyRegressor
from sklearn.ensemble import (
    ExtraTreesRegressor,
    HistGradientBoostingRegressor,
    RandomForestRegressor,
)
from sklearn.impute import SimpleImputer
from sklearn.linear_model import Ridge
from sklearn.metrics import get_scorer
from sklearn.model_selection import PredefinedSplit, cross_validate
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

source_table = "spark_catalog.gold.weekly_demand"
target = "units"
seed = 42
folds = 5
test_size = 0.2
metric_names = ["rmse", "mae", "r2"]
primary_metric = "rmse"  # lower is better
select_by = "rmse"  # picks the winner; lower is better

# 1. The data, at one Delta version (logged with every run); rows without a target cannot
# train or be scored.
data_version = spark.sql(f"DESCRIBE HISTORY {source_table} LIMIT 1").first()["version"]
df = spark.sql(f"SELECT * FROM {source_table} VERSION AS OF {data_version}")
df = df.where(F.col(target).isNotNull())
features = [c for c in df.columns if c not in ["units", "store"]]
numeric_target = isinstance(df.schema[target].dataType, NumericType)
if not numeric_target:
    kind = df.schema[target].dataType.simpleString()
    raise ValueError(f"{target} is {kind}, not a number: use task: classification")

# 2. One split for every candidate, decided in Spark and kept as columns: a hash with the
# seed puts each row in train or test, and each train row in a fold.
df = df.withColumn("_row_hash", F.xxhash64(*[F.col(c) for c in sorted(df.columns)], F.lit(seed)))
split_hash = F.col("_row_hash")
in_test = F.pmod(split_hash, 10_000) < int(test_size * 10_000)
df = df.withColumn("_split", F.when(in_test, "test").otherwise("train"))
df = df.withColumn("_fold", F.pmod(F.xxhash64(split_hash, F.lit(seed + 1)), folds).cast("int"))
# The fold hash names the exact assignment of training rows to folds (equal hashes, equal
# folds): the XOR of a hash of each training row's id and fold.
df = df.withColumn("_assignment", F.xxhash64("_row_hash", "_fold"))
columns = [*features, target, "_row_hash", "_split", "_fold", "_assignment"]
# One Spark query brings the rows to the driver in Arrow batches (on by default on Databricks),
# and the counts and checks read them there; one row more than sample_rows tells a larger table,
# which is then counted and sampled.
if spark.conf.get("spark.sql.execution.arrow.pyspark.enabled", "false").lower() != "true":
    spark.conf.set("spark.sql.execution.arrow.pyspark.enabled", "true")
data = df.select(*columns).limit(1000001).toPandas()
if len(data) > 1000000:
    rows = df.count()
    print(f"Sampling: 1000000 of {rows} rows go to the driver (sample_rows)")
    df = df.where(F.pmod(F.col("_row_hash"), 1_000_000) < int(1000000 / rows * 1_000_000))
    data = df.select(*columns).toPandas()
data = data.sort_values("_row_hash", kind="stable").reset_index(drop=True)
train_rows = int((data["_split"] == "train").sum())
if train_rows < 2 * folds:
    raise ValueError(f"{train_rows} training rows are too few for {folds} folds")
# Numeric features are doubles for the model (a NULL turns an integer column into floats
# anyway), so the logged signature does not depend on where the NULLs fell.
numeric = [c for c in features if pd.api.types.is_numeric_dtype(data[c]) and data[c].dtype != bool]
categorical = [c for c in features if c not in numeric]
data[numeric] = data[numeric].astype("float64")
train, test = data[data["_split"] == "train"], data[data["_split"] == "test"]
X_train, y_train, X_test, y_test = train[features], train[target], test[features], test[target]
fold = train["_fold"].to_numpy().astype(int)
fold_hash = format(
    int(np.bitwise_xor.reduce(train["_assignment"].to_numpy())) & 0xFFFF_FFFF_FFFF_FFFF, "016x"
)
fold_splits = PredefinedSplit(fold)
print(f"{len(train)} train rows in {folds} folds, {len(test)} test rows (fold hash {fold_hash})")

# 3. Preprocessing is part of each candidate's pipeline, so it is fitted inside every fold.
preprocess = ColumnTransformer(
    [
        ("numeric", make_pipeline(SimpleImputer(), StandardScaler()), numeric),
        (
            "categorical",
            make_pipeline(
                SimpleImputer(strategy="most_frequent"), OneHotEncoder(handle_unknown="ignore")
            ),
            categorical,
        ),
    ]
)
candidates = {
    "baseline": DummyRegressor(strategy="mean"),
    "linear": Ridge(alpha=1.0),
    "random_forest": RandomForestRegressor(n_estimators=300, random_state=42, max_depth=12),
    "extra_trees": ExtraTreesRegressor(n_estimators=100, random_state=42),
    "hist_gbm": HistGradientBoostingRegressor(random_state=42),
}
scorers = {
    "rmse": "neg_root_mean_squared_error",
    "mae": "neg_mean_absolute_error",
    "r2": "r2",
}  # metric -> scikit-learn scorer


def score(name, value):
    """Scorers named neg_* report minus the metric: give the metric its own sign back."""
    return -value if scorers[name].startswith("neg_") else value


def summarize(candidate, per_fold, fit_times, predict_times, began):
    """(candidate, metrics, seconds): mean and standard deviation over the folds of every metric."""
    metrics = {}
    for metric in per_fold[0]:  # the metrics
        values = np.array([scores[metric] for scores in per_fold])
        metrics[f"cv_{metric}_mean"], metrics[f"cv_{metric}_std"] = values.mean(), values.std()
    metrics["fit_time_s"] = float(np.mean(fit_times))
    metrics["predict_time_s"] = float(np.mean(predict_times))
    return candidate, metrics, time.perf_counter() - began


def evaluate(candidate):
    """Cross-validate one candidate on the shared folds; metrics in their own sign."""
    began = time.perf_counter()
    pipeline = Pipeline([("preprocess", preprocess), ("model", candidates[candidate])])
    result = cross_validate(pipeline, X_train, y_train, cv=fold_splits, scoring=scorers, n_jobs=1)
    per_fold = [
        {metric: score(metric, result[f"test_{metric}"][k]) for metric in scorers}
        for k in range(len(result["fit_time"]))
    ]
    return summarize(candidate, per_fold, result["fit_time"], result["score_time"], began)


def cross_validate_all():
    """Every candidate cross-validated side by side in worker processes (as many as there are
    cores), each yielded as it finishes: (candidate, metrics, seconds)."""
    yield from Parallel(n_jobs=workers, return_as="generator_unordered")(
        delayed(evaluate)(candidate) for candidate in candidates
    )


def candidate_params(candidate):
    """The estimator's class and every parameter, for its MLflow run."""
    estimator = candidates[candidate]
    return {"model": type(estimator).__name__, **estimator.get_params()}


def refit_winner(winner):
    """The winner's pipeline fitted on all training rows, and its metrics on the test set."""
    final = clone(candidates[winner])
    if winner in ["random_forest", "extra_trees"]:
        final.set_params(n_jobs=-1)  # alone now: every core (one each in cross-validation)
    model = Pipeline([("preprocess", preprocess), ("model", final)]).fit(X_train, y_train)
    test_metrics = {
        f"test_{metric}": score(metric, get_scorer(scorer)(model, X_test, y_test))
        for metric, scorer in scorers.items()
    }
    return model, test_metrics


def log_winner(model):
    """Log *model* in the active run with its signature, an input example and requirements."""
    requirements = [
        f"mlflow=={mlflow.__version__}",
        f"cloudpickle=={cloudpickle.__version__}",
        f"scikit-learn=={sklearn.__version__}",
        f"pandas=={pd.__version__}",
        f"numpy=={np.__version__}",
    ]
    # MLflow 3 names a logged model (name=); MLflow 2, which Databricks Runtime ML 15.4 and 16.4
    # LTS ship, calls it artifact_path=.
    mlflow_3 = int(mlflow.__version__.split(".")[0]) >= 3
    location = {"name": "model"} if mlflow_3 else {"artifact_path": "model"}
    return mlflow.sklearn.log_model(
        model,
        **location,
        signature=infer_signature(X_train.head(100), model.predict(X_train.head(100))),
        input_example=X_train.head(5),
        pip_requirements=requirements,
        serialization_format="cloudpickle",  # any pipeline loads back, whatever types it holds
    )


# 4. Cross-validate every candidate on the same folds; one parent MLflow run, a nested run each.
experiment = "/dbx_architect/regression"
if mlflow.get_experiment_by_name(experiment) is None:
    Path("./.dbx_architect/mlruns").mkdir(parents=True, exist_ok=True)
    mlflow.create_experiment(
        experiment, artifact_location=Path("./.dbx_architect/mlruns").resolve().as_uri()
    )
mlflow.set_experiment(experiment)
tags = {
    "source_table": source_table,
    "data_version": str(data_version),
    "fold_hash": fold_hash,
    "engine": "sklearn",
}

workers = min(len(candidates), os.cpu_count() or 1)
print(f"Cross-validating {len(candidates)} candidates, {workers} at a time")
results = {}
with mlflow.start_run(run_name="modelzoo regression", tags=tags) as parent:
    mlflow.log_params(
        {
            "task": "regression",
            "split": "random",
            "test_size": test_size,
            "folds": folds,
            "seed": seed,
        }
    )
    # Each candidate's nested run is logged as soon as it is cross-validated, while the worker
    # processes still cross-validate the others.
    for candidate, metrics, seconds in cross_validate_all():
        results[candidate] = metrics
        print(
            f"{candidate}: {select_by} {metrics[f'cv_{select_by}_mean']:.4f} "
            f"± {metrics[f'cv_{select_by}_std']:.4f} ({seconds:.1f} s)"
        )
        with mlflow.start_run(run_name=candidate, nested=True, tags=tags):
            mlflow.log_params(candidate_params(candidate))
            mlflow.log_metrics(metrics)
    results = {candidate: results[candidate] for candidate in candidates}  # in the spec's order
    leaderboard_rows = [{"candidate": name, **metrics} for name, metrics in results.items()]

    # 5. The leaderboard: shown, logged as CSV and PNG, kept in a Gold evaluation table.
    leaderboard = (
        pd.DataFrame(leaderboard_rows)
        .sort_values(f"cv_{select_by}_mean", ascending=True, kind="stable")
        .reset_index(drop=True)
    )
    print(leaderboard.to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    mlflow.log_text(leaderboard.to_csv(index=False), "leaderboard.csv")
    figure = Figure(figsize=(7, 0.5 + 0.4 * len(leaderboard)))
    axes = figure.subplots()
    axes.barh(
        leaderboard["candidate"],
        leaderboard[f"cv_{primary_metric}_mean"],
        xerr=leaderboard[f"cv_{primary_metric}_std"],
    )
    axes.invert_yaxis()
    axes.set_xlabel(f"{primary_metric} ({folds}-fold CV, lower is better)")
    figure.tight_layout()
    mlflow.log_figure(figure, "leaderboard.png")

    # 6. The winner is refitted on all training rows and scored once on the test set.
    winner = leaderboard.loc[0, "candidate"]
    model, test_metrics = refit_winner(winner)
    mlflow.log_metrics(test_metrics)
    mlflow.set_tags({"winner": winner})
    print(
        f"winner: {winner}; test " + ", ".join(f"{k[5:]} {v:.4f}" for k, v in test_metrics.items())
    )

    evaluated_at = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    evaluation = [
        (
            parent.info.run_id,
            "regression",
            row["candidate"],
            metric,
            "cv",
            float(row[f"cv_{metric}_mean"]),
            evaluated_at,
        )
        for row in leaderboard_rows
        for metric in metric_names
    ] + [
        (parent.info.run_id, "regression", winner, key[5:], "test", float(value), evaluated_at)
        for key, value in test_metrics.items()
    ]
    spark.sql("CREATE SCHEMA IF NOT EXISTS spark_catalog.gold")
    spark.sql("""
CREATE TABLE IF NOT EXISTS spark_catalog.gold.regression_evaluation (
  run_id STRING,
  model_name STRING,
  candidate STRING,
  metric STRING,
  split STRING,
  value DOUBLE,
  evaluated_at TIMESTAMP
)
USING DELTA
COMMENT 'Model zoo leaderboards of regression: one row per run, candidate, metric and split.'
TBLPROPERTIES (
  'delta.enableChangeDataFeed' = 'true'
)
""")
    (
        spark.createDataFrame(
            evaluation, spark.table("spark_catalog.gold.regression_evaluation").schema
        )
        .write.format("delta")
        .mode("append")
        .option("txnAppId", parent.info.run_id)  # written once per run
        .option("txnVersion", 0)
        .saveAsTable("spark_catalog.gold.regression_evaluation")
    )

    # 7. Log the winner with its signature, an input example and explicit requirements.
    logged = log_winner(model)
