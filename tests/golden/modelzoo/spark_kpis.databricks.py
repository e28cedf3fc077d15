# %%modelzoo spark_kpis
# table: weekly_demand
# target: units
# task: regression
# engine: spark
# exclude: [revenue]
# models: [linear]
# kpis:
#   overstock: {sql: "sum(greatest(prediction - label, 0) * price)", goal: min}
#   lost_sales: "sum(case when label > prediction then (label - prediction) * price else 0 end)"
# select_by: overstock

import datetime
import os
import time
from concurrent.futures import ThreadPoolExecutor, as_completed

import mlflow
import numpy as np
import pandas as pd
import pyspark
from databricks.sdk import WorkspaceClient
from matplotlib.figure import Figure
from mlflow.models import infer_signature
from pyspark.ml import Pipeline
from pyspark.ml.evaluation import RegressionEvaluator
from pyspark.ml.feature import (
    Imputer,
    OneHotEncoder,
    StandardScaler,
    StringIndexer,
    VectorAssembler,
)
from pyspark.ml.regression import DecisionTreeRegressor, LinearRegression
from pyspark.sql import functions as F
from pyspark.sql.types import NumericType
from pyspark.util import inheritable_thread_target

source_table = "main.gold.weekly_demand"
target = "units"
seed = 42
folds = 5
test_size = 0.2
metric_names = ["rmse", "mae", "r2"]
primary_metric = "rmse"  # lower is better
select_by = "kpi_overstock"  # picks the winner; lower is better
kpi_lower_is_better = {"kpi_overstock": True, "kpi_lost_sales": False}
mlflow.set_registry_uri("databricks-uc")

# 1. The data, at one Delta version (logged with every run); rows without a target cannot
# train or be scored.
data_version = spark.sql(f"DESCRIBE HISTORY {source_table} LIMIT 1").first()["version"]
df = spark.sql(f"SELECT * FROM {source_table} VERSION AS OF {data_version}")
df = df.where(F.col(target).isNotNull())
features = [c for c in df.columns if c not in ["units", "revenue"]]
kpi_columns = ["price"]  # the table columns the KPIs read
missing = [c for c in kpi_columns if c not in df.columns]
if missing:
    raise ValueError(
        f"kpis: column {missing[0]!r} is not in {source_table}; columns: {', '.join(df.columns)}"
    )
kpi_only = [c for c in kpi_columns if c not in features and c != target]  # kept for the KPIs
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
# One pass over the data counts the rows.
stats = df.agg(
    F.count("*").alias("rows"),
    F.count_if(F.col("_split") == "train").alias("train_rows"),
).first()
train_rows, test_rows = stats["train_rows"], stats["rows"] - stats["train_rows"]
if train_rows < 2 * folds:
    raise ValueError(f"{train_rows} training rows are too few for {folds} folds")
# The fold hash names the exact assignment of training rows to folds (equal hashes, equal
# folds): the XOR of a hash of each training row's id and fold.
df = df.withColumn("_assignment", F.xxhash64("_row_hash", "_fold"))

# Numeric features become doubles for Spark ML; the other features are categories.
numeric = [c for c in features if isinstance(df.schema[c].dataType, NumericType)]
categorical = [c for c in features if c not in numeric]
target_type = df.schema[target].dataType.simpleString()
df = df.select(
    *[F.col(c).cast("double") for c in numeric],
    *categorical,
    target,
    *kpi_only,
    "_row_hash",
    "_split",
    "_fold",
    "_assignment",
)
df = df.withColumn("_label", F.col(target).cast("double"))
train = df.where(F.col("_split") == "train").persist()  # every candidate reads it once per fold
test = df.where(F.col("_split") == "test")
assignment = train.agg(F.bit_xor("_assignment").alias("hash")).first()["hash"]
fold_hash = format(assignment & 0xFFFF_FFFF_FFFF_FFFF, "016x")
print(f"{train_rows} train rows in {folds} folds, {test_rows} test rows (fold hash {fold_hash})")


# 3. Preprocessing is part of each candidate's pipeline, so it is fitted inside every fold.
def preprocessing():
    """Imputed and scaled numbers plus one-hot categories, assembled into `features`."""
    stages, vectors = [], []
    if numeric:
        imputed = [f"_imputed_{c}" for c in numeric]
        stages += [
            Imputer(inputCols=numeric, outputCols=imputed),
            VectorAssembler(inputCols=imputed, outputCol="_numeric"),
            StandardScaler(inputCol="_numeric", outputCol="_scaled", withMean=True),
        ]
        vectors.append("_scaled")
    if categorical:
        indexed = [f"_indexed_{c}" for c in categorical]
        encoded = [f"_encoded_{c}" for c in categorical]
        stages += [
            StringIndexer(inputCols=categorical, outputCols=indexed, handleInvalid="keep"),
            OneHotEncoder(inputCols=indexed, outputCols=encoded, handleInvalid="keep"),
        ]
        vectors += encoded
    return [*stages, VectorAssembler(inputCols=vectors, outputCol="features")]


candidates = {
    "baseline": DecisionTreeRegressor(maxDepth=0),
    "linear": LinearRegression(regParam=0.0),
}


def pipeline(candidate):
    """The preprocessing and one candidate as a Spark ML Pipeline; `prediction` is the output."""
    estimator = candidates[candidate].copy().setLabelCol("_label")
    return Pipeline(stages=[*preprocessing(), estimator])


def score(predictions):
    """Every regression metric of one set of predictions, computed by Spark."""
    predictions = predictions.select("_label", "prediction").persist()
    metrics = {
        metric: RegressionEvaluator(labelCol="_label", metricName=metric).evaluate(predictions)
        for metric in metric_names
    }
    predictions.unpersist()
    return metrics


# Business KPIs: the spec's SQL (checked by dbx_architect with sqlglot), evaluated by Spark over
# the scored rows: the table's columns, label, prediction.
kpi_sql = {
    "kpi_overstock": """
SUM(GREATEST(`prediction` - `label`, 0) * `price`)
""",
    "kpi_lost_sales": """
SUM(CASE WHEN `label` > `prediction` THEN (`label` - `prediction`) * `price` ELSE 0 END)
""",
}


def kpi_values(predictions):
    """Every KPI of one set of scored rows, computed by Spark SQL (NULL, no rows: NaN)."""
    rows = predictions.select(*kpi_columns, F.col(target).alias("label"), "prediction")
    values = rows.selectExpr(*[f"{sql} AS {key}" for key, sql in kpi_sql.items()]).first().asDict()
    return {key: float("nan") if value is None else float(value) for key, value in values.items()}


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
    """Cross-validate one candidate on the shared folds, fitting and scoring in Spark."""
    began = time.perf_counter()
    per_fold, fit_times, predict_times = [], [], []
    for k in range(folds):
        fit_on = train.where(F.col("_fold") != k)
        started = time.perf_counter()
        model = pipeline(candidate).fit(fit_on)
        fit_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        scored = model.transform(train.where(F.col("_fold") == k))
        per_fold.append({**score(scored), **kpi_values(scored)})
        predict_times.append(time.perf_counter() - started)
    candidate, metrics, seconds = summarize(candidate, per_fold, fit_times, predict_times, began)
    tested = kpi_values(
        pipeline(candidate).fit(train).transform(test)
    )  # refitted on every training row
    metrics.update({f"test_{key}": value for key, value in tested.items()})
    return candidate, metrics, seconds


def cross_validate_all():
    """Every candidate cross-validated side by side (their Spark jobs share the cluster), each
    yielded as it finishes: (candidate, metrics, seconds). Each thread inherits this session
    (Spark Connect keeps the active session per thread) and its job tags."""
    in_thread = inheritable_thread_target(spark)(evaluate)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        running = [pool.submit(in_thread, candidate) for candidate in candidates]
        for future in as_completed(running):
            yield future.result()


def candidate_params(candidate):
    """The estimator's class and every parameter, for its MLflow run."""
    estimator = candidates[candidate]
    params = {param.name: value for param, value in estimator.extractParamMap().items()}
    return {"model": type(estimator).__name__, **params}


def refit_winner(winner):
    """The winner's pipeline fitted on all training rows, and its metrics on the test set."""
    model = pipeline(winner).fit(train)
    test_metrics = {
        f"test_{metric}": value for metric, value in score(model.transform(test)).items()
    }
    train.unpersist()
    return model, test_metrics


def log_winner(model):
    """Log *model* in the active run with its signature, an input example and requirements."""
    example = test.select(*features).limit(100)
    requirements = [
        f"mlflow=={mlflow.__version__}",
        f"pyspark=={pyspark.__version__}",
        f"pandas=={pd.__version__}",
        f"numpy=={np.__version__}",
    ]
    # Spark ML models are written through a Unity Catalog volume on shared and serverless compute.
    spark.sql("CREATE SCHEMA IF NOT EXISTS main.ml")
    spark.sql("CREATE VOLUME IF NOT EXISTS main.ml.mlflow_tmp")
    os.environ.setdefault("MLFLOW_DFS_TMP", "/Volumes/main/ml/mlflow_tmp")
    return mlflow.spark.log_model(
        model,
        artifact_path="model",  # the Spark flavor has not moved to name= yet
        signature=infer_signature(
            example.toPandas(), model.transform(example).select("prediction").toPandas()
        ),
        input_example=example.limit(5).toPandas(),
        pip_requirements=requirements,
        dfs_tmpdir=os.environ["MLFLOW_DFS_TMP"],
    )


# 4. Cross-validate every candidate on the same folds; one parent MLflow run, a nested run each.
experiment = "/Shared/dbx_architect/spark_kpis"
if mlflow.get_experiment_by_name(experiment) is None:
    # A fresh workspace may lack the experiment's folder: create it (and its parents).
    WorkspaceClient().workspace.mkdirs(experiment.rsplit("/", 1)[0])
    mlflow.create_experiment(experiment)
mlflow.set_experiment(experiment)
tags = {
    "source_table": source_table,
    "data_version": str(data_version),
    "fold_hash": fold_hash,
    "engine": "spark",
}

workers = min(len(candidates), os.cpu_count() or 1)
print(f"Cross-validating {len(candidates)} candidates, {workers} at a time")
results = {}
with mlflow.start_run(run_name="modelzoo spark_kpis", tags=tags) as parent:
    mlflow.log_params(
        {
            "task": "regression",
            "split": "random",
            "test_size": test_size,
            "folds": folds,
            "seed": seed,
        }
    )
    # Each candidate's nested run is logged as soon as it is cross-validated.
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
    # One panel per measure: the metric, then each KPI.
    lower_is_better = {primary_metric: True, **kpi_lower_is_better}
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
    print(
        f"winner: {winner}; test " + ", ".join(f"{k[5:]} {v:.4f}" for k, v in test_metrics.items())
    )

    evaluated_at = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    evaluation = [
        (
            parent.info.run_id,
            "spark_kpis",
            row["candidate"],
            metric,
            "cv",
            float(row[f"cv_{metric}_mean"]),
            evaluated_at,
        )
        for row in leaderboard_rows
        for metric in metric_names
    ] + [
        (parent.info.run_id, "spark_kpis", winner, key[5:], "test", float(value), evaluated_at)
        for key, value in test_metrics.items()
    ]
    evaluation += [  # the KPIs of every candidate, cross-validated and on test
        (
            parent.info.run_id,
            "spark_kpis",
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
    spark.sql("CREATE SCHEMA IF NOT EXISTS main.gold")
    spark.sql("""
CREATE TABLE IF NOT EXISTS main.gold.spark_kpis_evaluation (
  run_id STRING,
  model_name STRING,
  candidate STRING,
  metric STRING,
  split STRING,
  value DOUBLE,
  evaluated_at TIMESTAMP
)
USING DELTA
COMMENT 'Model zoo leaderboards of spark_kpis: one row per run, candidate, metric and split.'
TBLPROPERTIES (
  'delta.enableChangeDataFeed' = 'true'
)
""")
    (
        spark.createDataFrame(evaluation, spark.table("main.gold.spark_kpis_evaluation").schema)
        .write.format("delta")
        .mode("append")
        .option("txnAppId", parent.info.run_id)  # written once per run
        .option("txnVersion", 0)
        .saveAsTable("main.gold.spark_kpis_evaluation")
    )

    # 7. Log the winner with its signature, an input example and explicit requirements.
    logged = log_winner(model)
