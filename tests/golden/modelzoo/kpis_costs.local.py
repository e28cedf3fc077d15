# %%modelzoo kpis_costs
# table: churn
# target: churned
# task: classification
# exclude: [revenue]
# models: [logistic, hist_gbm]
# kpis:
#   retained: sum(case when prediction = 1 and label = 1 then revenue end) - 15 * count(*)
#   contacted: {sql: avg(probability), goal: min}
# costs: {false_negative: 300, false_positive: 15}
# select_by: retained
# register: churn
# promote_if: {metric: cost, min_improvement: 100}

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
from mlflow import MlflowClient
from mlflow.models import infer_signature
from pyspark.sql import functions as F
from pyspark.sql.types import NumericType
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import get_scorer
from sklearn.model_selection import PredefinedSplit, cross_validate
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

source_table = "spark_catalog.gold.churn"
target = "churned"
seed = 42
folds = 5
test_size = 0.2
metric_names = ["f1_weighted", "accuracy", "roc_auc", "log_loss"]
primary_metric = "f1_weighted"  # higher is better
select_by = "kpi_retained"  # picks the winner; higher is better
kpi_lower_is_better = {"kpi_retained": False, "kpi_contacted": True, "kpi_cost": True}

# 1. The data, at one Delta version (logged with every run); rows without a target cannot
# train or be scored.
data_version = spark.sql(f"DESCRIBE HISTORY {source_table} LIMIT 1").first()["version"]
df = spark.sql(f"SELECT * FROM {source_table} VERSION AS OF {data_version}")
df = df.where(F.col(target).isNotNull())
features = [c for c in df.columns if c not in ["churned", "revenue"]]
kpi_columns = ["revenue"]  # the table columns the KPIs read
missing = [c for c in kpi_columns if c not in df.columns]
if missing:
    raise ValueError(
        f"kpis: column {missing[0]!r} is not in {source_table}; columns: {', '.join(df.columns)}"
    )
kpi_only = [c for c in kpi_columns if c not in features and c != target]  # kept for the KPIs
numeric_target = isinstance(df.schema[target].dataType, NumericType)

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
columns = [*features, target, *kpi_only, "_row_hash", "_split", "_fold", "_assignment"]
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
if numeric_target and (data[target] % 1 != 0).any():
    raise ValueError(f"{target} holds continuous numbers: use task: regression")
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
classes = np.unique(y_train)  # as the models order them: probability is of the second
if len(classes) != 2:
    raise ValueError(f"costs needs two classes; {target} has {len(classes)}")
positive_class = classes[-1]

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
    "baseline": DummyClassifier(strategy="prior"),
    "logistic": LogisticRegression(max_iter=1000),
    "hist_gbm": HistGradientBoostingClassifier(random_state=42),
}
scorers = {
    "f1_weighted": "f1_weighted",
    "accuracy": "accuracy",
    "roc_auc": "roc_auc_ovr_weighted",
    "log_loss": "neg_log_loss",
}  # metric -> scikit-learn scorer


def score(name, value):
    """Scorers named neg_* report minus the metric: give the metric its own sign back."""
    return -value if scorers[name].startswith("neg_") else value


# Business KPIs over the scored rows (the table's columns, label, prediction, probability):
# the spec's SQL, translated once into numpy by dbx_architect (sqlglot).
kpis = {
    # sum(case when prediction = 1 and label = 1 then revenue end) - 15 * count(*)
    "retained": lambda rows: float(
        np.nansum(
            np.where(
                np.logical_and(rows["prediction"] == 1, rows["label"] == 1), rows["revenue"], np.nan
            )
        )
        - 15 * len(rows)
    ),
    # avg(probability)
    "contacted": lambda rows: float(np.nanmean(rows["probability"])),
    # 300 per false negative + 15 per false positive
    "cost": lambda rows: float(
        300.0
        * np.count_nonzero(
            (rows["label"] == positive_class) & (rows["prediction"] != positive_class)
        )
        + 15.0
        * np.count_nonzero(
            (rows["label"] != positive_class) & (rows["prediction"] == positive_class)
        )
    ),
}


def scored(model, rows):
    """*rows* with what the KPIs read: label, the model's prediction and (two classes) the
    probability of positive_class."""
    frame = rows[["_row_hash", "_split", "_fold", *kpi_columns]].assign(
        label=rows[target].to_numpy()
    )
    frame["prediction"] = model.predict(rows[features])
    if len(classes) == 2:
        frame["probability"] = model.predict_proba(rows[features])[:, 1]
    return frame


def at_threshold(rows, threshold):
    """*rows* predicted again: positive_class when its probability is at least *threshold*."""
    return rows.assign(
        prediction=np.where(rows["probability"] >= threshold, classes[1], classes[0])
    )


class AtThreshold:
    """The winner as it is logged: a fitted two-class model that predicts its second class when
    that class's probability is at least `threshold`, so whatever scores it uses the threshold."""

    def __init__(self, model, threshold):
        self.model, self.threshold, self.classes_ = model, threshold, model.classes_

    def predict_proba(self, X):
        return self.model.predict_proba(X)

    def predict(self, X):
        return self.classes_[(self.predict_proba(X)[:, 1] >= self.threshold).astype(int)]


# The decision threshold: the one of 0.00, 0.01, ..., 1.00 with the least total cost
# (300.0 per false negative, 15.0 per false positive) over every fold's out-of-fold probabilities.
thresholds = np.round(np.linspace(0, 1, 101), 2)


def tune_threshold(held_out):
    """The cheapest threshold on the held-out rows of every fold (the lowest one on a tie)."""
    rows = pd.concat(held_out)
    positive = (rows["label"] == positive_class).to_numpy()
    flagged = rows["probability"].to_numpy()[None, :] >= thresholds[:, None]  # a row per threshold
    costs = 300.0 * (positive & ~flagged).sum(axis=1) + 15.0 * (~positive & flagged).sum(axis=1)
    return float(thresholds[np.argmin(costs)])


def summarize(candidate, per_fold, fit_times, predict_times, began):
    """(candidate, metrics, seconds): mean and std over the folds of every metric and KPI."""
    metrics = {}
    for metric in per_fold[0]:  # the metrics and the KPIs
        values = np.array([scores[metric] for scores in per_fold])
        metrics[f"cv_{metric}_mean"], metrics[f"cv_{metric}_std"] = values.mean(), values.std()
    metrics["fit_time_s"] = float(np.mean(fit_times))
    metrics["predict_time_s"] = float(np.mean(predict_times))
    return candidate, metrics, time.perf_counter() - began


def evaluate(candidate):
    """Cross-validate one candidate on the shared folds (metrics in their own sign, KPIs on each
    fold's held-out rows), refit it on the training rows for its test KPIs:
    (candidate, metrics, seconds, scored rows)."""
    began = time.perf_counter()
    pipeline = Pipeline([("preprocess", preprocess), ("model", candidates[candidate])])
    result = cross_validate(
        pipeline,
        X_train,
        y_train,
        cv=fold_splits,
        scoring=scorers,
        n_jobs=1,
        return_estimator=True,
        return_indices=True,
    )
    per_fold = [
        {metric: score(metric, result[f"test_{metric}"][k]) for metric in scorers}
        for k in range(len(result["fit_time"]))
    ]
    held_out = [
        scored(model, train.iloc[rows])
        for model, rows in zip(result["estimator"], result["indices"]["test"], strict=True)
    ]
    on_test = scored(clone(pipeline).fit(X_train, y_train), test)
    threshold = tune_threshold(held_out)
    held_out, on_test = (
        [at_threshold(rows, threshold) for rows in held_out],
        at_threshold(on_test, threshold),
    )
    for scores, rows in zip(per_fold, held_out, strict=True):
        scores.update({f"kpi_{name}": kpi(rows) for name, kpi in kpis.items()})
    candidate, metrics, seconds = summarize(
        candidate, per_fold, result["fit_time"], result["score_time"], began
    )
    metrics.update({f"test_kpi_{name}": kpi(on_test) for name, kpi in kpis.items()})
    metrics["decision_threshold"] = threshold
    return candidate, metrics, seconds, pd.concat([*held_out, on_test])


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
    """The winner's pipeline fitted on all training rows at its tuned threshold, and its metrics
    on the test set."""
    final = clone(candidates[winner])
    model = Pipeline([("preprocess", preprocess), ("model", final)]).fit(X_train, y_train)
    test_metrics = {
        f"test_{metric}": score(metric, get_scorer(scorer)(model, X_test, y_test))
        for metric, scorer in scorers.items()
    }
    # Test metrics at 0.5, as in the folds; the logged model predicts at the tuned threshold.
    model = AtThreshold(model, results[winner]["decision_threshold"])
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
experiment = "/dbx_architect/kpis_costs"
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
with mlflow.start_run(run_name="modelzoo kpis_costs", tags=tags) as parent:
    mlflow.log_params(
        {
            "task": "classification",
            "split": "random",
            "test_size": test_size,
            "folds": folds,
            "seed": seed,
        }
    )
    # Each candidate's nested run is logged as soon as it is cross-validated, while the worker
    # processes still cross-validate the others.
    # Its scored held-out and test rows go with it as predictions.csv.
    for candidate, metrics, seconds, predictions in cross_validate_all():
        results[candidate] = metrics
        print(
            f"{candidate}: {select_by} {metrics[f'cv_{select_by}_mean']:.4f} "
            f"± {metrics[f'cv_{select_by}_std']:.4f} ({seconds:.1f} s)"
        )
        with mlflow.start_run(run_name=candidate, nested=True, tags=tags):
            mlflow.log_params(candidate_params(candidate))
            mlflow.log_metrics(metrics)
            mlflow.log_text(predictions.to_csv(index=False), "predictions.csv")
    results = {candidate: results[candidate] for candidate in candidates}  # in the spec's order
    leaderboard_rows = [{"candidate": name, **metrics} for name, metrics in results.items()]

    # 5. The leaderboard: shown, logged as CSV and PNG, kept in a Gold evaluation table.
    leaderboard = (
        pd.DataFrame(leaderboard_rows)
        .sort_values(f"cv_{select_by}_mean", ascending=False, kind="stable")
        .reset_index(drop=True)
    )
    print(leaderboard.to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    mlflow.log_text(leaderboard.to_csv(index=False), "leaderboard.csv")
    # One panel per measure: the metric, then each KPI.
    lower_is_better = {primary_metric: False, **kpi_lower_is_better}
    shown = list(lower_is_better)
    figure = Figure(figsize=(4 + 3 * len(shown), 0.5 + 0.4 * len(leaderboard)))
    for axes, measure in zip(
        figure.subplots(1, len(shown), sharey=True, squeeze=False)[0], shown, strict=True
    ):
        axes.barh(
            leaderboard["candidate"],
            leaderboard[f"cv_{measure}_mean"],
            xerr=leaderboard[f"cv_{measure}_std"],
        )
        better = "lower" if lower_is_better[measure] else "higher"
        axes.set_xlabel(f"{measure} ({folds}-fold CV, {better} is better)")
    axes.invert_yaxis()  # shared: the winner on top of every panel
    figure.tight_layout()
    mlflow.log_figure(figure, "leaderboard.png")

    # 6. The winner is refitted on all training rows and scored once on the test set.
    winner = leaderboard.loc[0, "candidate"]
    model, test_metrics = refit_winner(winner)
    test_metrics.update(
        {f"test_{key}": results[winner][f"test_{key}"] for key in kpi_lower_is_better}
    )
    mlflow.log_metrics(test_metrics)
    mlflow.set_tags({"winner": winner})
    # The winner's threshold, tuned on its out-of-fold probabilities, goes with the model.
    threshold = results[winner]["decision_threshold"]
    mlflow.log_param("decision_threshold", threshold)
    mlflow.set_tags({"decision_threshold": str(threshold), "positive_class": str(positive_class)})
    print(
        f"winner: {winner}; test " + ", ".join(f"{k[5:]} {v:.4f}" for k, v in test_metrics.items())
    )

    evaluated_at = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    evaluation = [
        (
            parent.info.run_id,
            "kpis_costs",
            row["candidate"],
            metric,
            "cv",
            float(row[f"cv_{metric}_mean"]),
            evaluated_at,
        )
        for row in leaderboard_rows
        for metric in metric_names
    ] + [
        (parent.info.run_id, "kpis_costs", winner, key[5:], "test", float(value), evaluated_at)
        for key, value in test_metrics.items()
    ]
    evaluation += [  # the KPIs of every candidate, cross-validated and on test
        (
            parent.info.run_id,
            "kpis_costs",
            row["candidate"],
            key,
            split,
            float(row[column]),
            evaluated_at,
        )
        for row in leaderboard_rows
        for key in kpi_lower_is_better
        for split, column in (("cv", f"cv_{key}_mean"), ("test", f"test_{key}"))
        if split == "cv" or row["candidate"] != winner  # the winner's test rows are above
    ]
    spark.sql("CREATE SCHEMA IF NOT EXISTS spark_catalog.gold")
    spark.sql("""
CREATE TABLE IF NOT EXISTS spark_catalog.gold.kpis_costs_evaluation (
  run_id STRING,
  model_name STRING,
  candidate STRING,
  metric STRING,
  split STRING,
  value DOUBLE,
  evaluated_at TIMESTAMP
)
USING DELTA
COMMENT 'Model zoo leaderboards of kpis_costs: one row per run, candidate, metric and split.'
TBLPROPERTIES (
  'delta.enableChangeDataFeed' = 'true'
)
""")
    (
        spark.createDataFrame(
            evaluation, spark.table("spark_catalog.gold.kpis_costs_evaluation").schema
        )
        .write.format("delta")
        .mode("append")
        .option("txnAppId", parent.info.run_id)  # written once per run
        .option("txnVersion", 0)
        .saveAsTable("spark_catalog.gold.kpis_costs_evaluation")
    )

    # 7. Log the winner with its signature, an input example and explicit requirements.
    logged = log_winner(model)

    # 8. Register: the new version gets @challenger; it becomes @champion only if it beats the
    # current champion on test kpi_cost by at least 100.0.
    client = MlflowClient()
    registered_model = "churn"
    version = mlflow.register_model(logged.model_uri, registered_model).version
    client.set_registered_model_alias(registered_model, "challenger", version)
    client.update_model_version(
        registered_model,
        version,
        description=(
            f"Decision threshold {threshold}: predicts {positive_class} when its probability is "
            "at least that (tuned to the costs of %%modelzoo)."
        ),
    )
    try:
        champion = client.get_model_version_by_alias(registered_model, "champion")
    except mlflow.exceptions.MlflowException:
        champion = None
    new_score = test_metrics["test_kpi_cost"]
    if champion is None:
        promote, reason = True, "no champion yet"
    else:
        old_score = client.get_run(champion.run_id).data.metrics["test_kpi_cost"]
        gain = old_score - new_score
        promote = gain >= 100.0
        reason = (
            f"test kpi_cost {new_score:.4f} "
            f"vs champion v{champion.version} {old_score:.4f}"
            f" (gain {gain:.4f}, needs 100.0)"
        )
    mlflow.set_tags({"promotion": ("promoted: " if promote else "kept champion: ") + reason})
    if promote:
        client.set_registered_model_alias(registered_model, "champion", version)
    outcome = "promoted to @champion" if promote else "not promoted"
    print(f"{registered_model} v{version} is @challenger; {outcome} ({reason})")
