# %%modelzoo spark_classification_registered
# table: churn
# target: churned
# task: classification
# engine: spark
# models: [logistic, random_forest, hist_gbm]
# params: {random_forest: {numTrees: 50, maxDepth: 8}}
# register: churn
# promote_if: {min_improvement: 0.005}

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
from mlflow import MlflowClient
from mlflow.models import infer_signature
from pyspark.ml import Pipeline
from pyspark.ml.classification import (
    DecisionTreeClassifier,
    GBTClassifier,
    LogisticRegression,
    RandomForestClassifier,
)
from pyspark.ml.evaluation import BinaryClassificationEvaluator, MulticlassClassificationEvaluator
from pyspark.ml.feature import (
    Imputer,
    IndexToString,
    OneHotEncoder,
    SQLTransformer,
    StandardScaler,
    StringIndexer,
    VectorAssembler,
)
from pyspark.ml.functions import vector_to_array
from pyspark.sql import functions as F
from pyspark.sql.types import NumericType
from pyspark.util import inheritable_thread_target

source_table = "main.gold.churn"
target = "churned"
seed = 42
folds = 5
test_size = 0.2
metric_names = ["f1_weighted", "accuracy", "roc_auc", "log_loss"]
primary_metric = "f1_weighted"  # higher is better
select_by = "f1_weighted"  # picks the winner; higher is better
mlflow.set_registry_uri("databricks-uc")

# 1. The data, at one Delta version (logged with every run); rows without a target cannot
# train or be scored.
data_version = spark.sql(f"DESCRIBE HISTORY {source_table} LIMIT 1").first()["version"]
df = spark.sql(f"SELECT * FROM {source_table} VERSION AS OF {data_version}")
df = df.where(F.col(target).isNotNull())
features = [c for c in df.columns if c not in ["churned"]]
numeric_target = isinstance(df.schema[target].dataType, NumericType)

# 2. One split for every candidate, decided in Spark and kept as columns: a hash with the
# seed puts each row in train or test, and each train row in a fold.
df = df.withColumn("_row_hash", F.xxhash64(*[F.col(c) for c in sorted(df.columns)], F.lit(seed)))
split_hash = F.col("_row_hash")
in_test = F.pmod(split_hash, 10_000) < int(test_size * 10_000)
df = df.withColumn("_split", F.when(in_test, "test").otherwise("train"))
df = df.withColumn("_fold", F.pmod(F.xxhash64(split_hash, F.lit(seed + 1)), folds).cast("int"))
# One pass over the data counts the rows and looks for a target that is not a class.
stats = df.agg(
    F.count("*").alias("rows"),
    F.count_if(F.col("_split") == "train").alias("train_rows"),
    (F.count_if(F.col(target) != F.floor(target)) if numeric_target else F.lit(0)).alias(
        "fractional"
    ),
).first()
train_rows, test_rows = stats["train_rows"], stats["rows"] - stats["train_rows"]
if stats["fractional"]:
    raise ValueError(f"{target} holds continuous numbers: use task: regression")
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
    "_row_hash",
    "_split",
    "_fold",
    "_assignment",
)
# The classes become indexes 0..k-1 (in alphabetical order of their text); each model maps its
# predictions back to the classes.
label_indexer = StringIndexer(
    inputCol=target, outputCol="_label", stringOrderType="alphabetAsc"
).fit(df)
classes = label_indexer.labels
df = label_indexer.transform(df)
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
    "baseline": DecisionTreeClassifier(maxDepth=0),
    "logistic": LogisticRegression(maxIter=100),
    "random_forest": RandomForestClassifier(numTrees=50, seed=42, maxDepth=8),
    "hist_gbm": GBTClassifier(maxIter=20, seed=42),
}
if len(classes) > 2:
    del candidates["hist_gbm"]
    print(
        f"hist_gbm left out: Spark ML's GBTClassifier takes two classes, "
        f"{target} has {len(classes)}"
    )


def pipeline(candidate):
    """The preprocessing and one candidate as a Spark ML Pipeline; `prediction` is the output."""
    estimator = candidates[candidate].copy().setLabelCol("_label")
    estimator.setPredictionCol("_prediction_index")
    to_class = IndexToString(
        inputCol="_prediction_index", outputCol="_predicted_class", labels=classes
    )
    typed = SQLTransformer(
        statement=f"SELECT *, CAST(_predicted_class AS {target_type}) AS prediction FROM __THIS__"
    )
    return Pipeline(stages=[*preprocessing(), estimator, to_class, typed])


multiclass = {"f1_weighted": "weightedFMeasure", "accuracy": "accuracy", "log_loss": "logLoss"}


def score(predictions):
    """Every classification metric of one set of predictions, computed by Spark."""
    predictions = predictions.select("_label", "_prediction_index", "probability").persist()
    metrics = {
        metric: MulticlassClassificationEvaluator(
            labelCol="_label", predictionCol="_prediction_index", metricName=name
        ).evaluate(predictions)
        for metric, name in multiclass.items()
    }
    # roc_auc as scikit-learn's roc_auc_ovr_weighted: the AUC of the second class when there are
    # two, else the AUC of each class against the rest, weighted by how often it occurs.
    counts = dict(predictions.groupBy("_label").count().collect())
    positives = [1.0] if len(classes) == 2 else sorted(counts)
    areas = [
        BinaryClassificationEvaluator(labelCol="_is_class", rawPredictionCol="_score").evaluate(
            predictions.select(
                (F.col("_label") == c).cast("double").alias("_is_class"),
                vector_to_array("probability")[int(c)].alias("_score"),
            )
        )
        for c in positives
    ]
    metrics["roc_auc"] = float(np.average(areas, weights=[counts.get(c, 1) for c in positives]))
    predictions.unpersist()
    return {metric: metrics[metric] for metric in metric_names}


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
    """Cross-validate one candidate on the shared folds, fitting and scoring in Spark."""
    began = time.perf_counter()
    per_fold, fit_times, predict_times = [], [], []
    for k in range(folds):
        fit_on = train.where(F.col("_fold") != k)
        started = time.perf_counter()
        model = pipeline(candidate).fit(fit_on)
        fit_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        per_fold.append(score(model.transform(train.where(F.col("_fold") == k))))
        predict_times.append(time.perf_counter() - started)
    return summarize(candidate, per_fold, fit_times, predict_times, began)


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
experiment = "/Shared/dbx_architect/spark_classification_registered"
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
with mlflow.start_run(run_name="modelzoo spark_classification_registered", tags=tags) as parent:
    mlflow.log_params(
        {
            "task": "classification",
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
        .sort_values(f"cv_{select_by}_mean", ascending=False, kind="stable")
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
    axes.set_xlabel(f"{primary_metric} ({folds}-fold CV, higher is better)")
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
            "spark_classification_registered",
            row["candidate"],
            metric,
            "cv",
            float(row[f"cv_{metric}_mean"]),
            evaluated_at,
        )
        for row in leaderboard_rows
        for metric in metric_names
    ] + [
        (
            parent.info.run_id,
            "spark_classification_registered",
            winner,
            key[5:],
            "test",
            float(value),
            evaluated_at,
        )
        for key, value in test_metrics.items()
    ]
    spark.sql("CREATE SCHEMA IF NOT EXISTS main.gold")
    spark.sql("""
CREATE TABLE IF NOT EXISTS main.gold.spark_classification_registered_evaluation (
  run_id STRING,
  model_name STRING,
  candidate STRING,
  metric STRING,
  split STRING,
  value DOUBLE,
  evaluated_at TIMESTAMP
)
USING DELTA
COMMENT 'Model zoo leaderboards of spark_classification_registered: one row per run, candidate, metric and split.'
TBLPROPERTIES (
  'delta.enableChangeDataFeed' = 'true'
)
""")
    (
        spark.createDataFrame(
            evaluation, spark.table("main.gold.spark_classification_registered_evaluation").schema
        )
        .write.format("delta")
        .mode("append")
        .option("txnAppId", parent.info.run_id)  # written once per run
        .option("txnVersion", 0)
        .saveAsTable("main.gold.spark_classification_registered_evaluation")
    )

    # 7. Log the winner with its signature, an input example and explicit requirements.
    logged = log_winner(model)

    # 8. Register: the new version gets @challenger; it becomes @champion only if it beats the
    # current champion on test f1_weighted by at least 0.005.
    client = MlflowClient()
    registered_model = "main.ml.churn"
    spark.sql("CREATE SCHEMA IF NOT EXISTS main.ml")
    version = mlflow.register_model(logged.model_uri, registered_model).version
    client.set_registered_model_alias(registered_model, "challenger", version)
    try:
        champion = client.get_model_version_by_alias(registered_model, "champion")
    except mlflow.exceptions.MlflowException:
        champion = None
    new_score = test_metrics["test_f1_weighted"]
    if champion is None:
        promote, reason = True, "no champion yet"
    else:
        old_score = client.get_run(champion.run_id).data.metrics["test_f1_weighted"]
        gain = new_score - old_score
        promote = gain >= 0.005
        reason = (
            f"test f1_weighted {new_score:.4f} "
            f"vs champion v{champion.version} {old_score:.4f}"
            f" (gain {gain:.4f}, needs 0.005)"
        )
    mlflow.set_tags({"promotion": ("promoted: " if promote else "kept champion: ") + reason})
    if promote:
        client.set_registered_model_alias(registered_model, "champion", version)
    outcome = "promoted to @champion" if promote else "not promoted"
    print(f"{registered_model} v{version} is @challenger; {outcome} ({reason})")
