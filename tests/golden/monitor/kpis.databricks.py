# %%monitor kpis
# time_col: day
# label: churned
# label_table: churn_labels
# keys: [account_id, day]
# kpis:
#   retained: >-
#     sum(case when prediction = 1 and label = 1 then revenue * 0.3 else 0 end)
#     - 15 * sum(prediction)
#   missed: {sql: "count(case when label = 1 and prediction = 0 then 1 end)", goal: min}
#   confident: avg(probability)

import datetime
import math
import os

import mlflow
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from mlflow import MlflowClient
from pyspark.ml.feature import Bucketizer
from pyspark.sql import functions as F
from pyspark.sql.types import NumericType
from scipy.stats import kstwo

mlflow.set_registry_uri("databricks-uc")
client = MlflowClient()
model_name = "main.ml.kpis"
scored_table = "main.gold.kpis_predictions"
monitoring_table = "main.gold.kpis_monitoring"
time_col = "day"
PSI_THRESHOLD = 0.2  # PSI above this is drift
KS_ALPHA = 0.05  # KS: family-wise level over a window's numeric columns (Bonferroni)
BINS = 10  # quantile bins of the baseline for PSI (NULL is one more)
FINE_BINS = 1000  # quantile buckets for KS: exact at each edge, within 1/FINE_BINS between
MIN_ROWS = 100  # fewer non-null values in a window: no statistic, said so
TRIGGER_K, TRIGGER_N = 2, 3  # retrain: k of the last n windows breached, the latest too
EPSILON = 1e-4  # a bin's share is at least this in PSI, so an empty bin stays finite


def scored_by(model_uri, df, where, carried, result_type):
    """The `carried` columns of df with the model's `prediction`, computed next to the data."""
    info = mlflow.models.get_model_info(model_uri)
    features = info.signature.inputs.input_names()
    missing = [c for c in features if c not in df.columns]
    if missing:
        raise ValueError(f"{where} lacks the model's features: {', '.join(missing)}")
    # The model's inputs as they were logged: numbers as doubles.
    inputs = [
        F.col(c).cast("double").alias(c)
        if isinstance(df.schema[c].dataType, NumericType)
        else F.col(c)
        for c in features
    ]
    if "spark" in info.flavors:
        # A Spark ML pipeline (%%modelzoo engine: spark) transforms the DataFrame on the
        # executors; as a Python UDF it would start a Spark session inside every worker.
        spark.sql("CREATE SCHEMA IF NOT EXISTS main.ml")
        spark.sql("CREATE VOLUME IF NOT EXISTS main.ml.mlflow_tmp")
        os.environ.setdefault("MLFLOW_DFS_TMP", "/Volumes/main/ml/mlflow_tmp")
        pipeline = mlflow.spark.load_model(model_uri)
        kept = [F.col(c).alias(f"_carried_{i}") for i, c in enumerate(carried)]
        return pipeline.transform(df.select(*kept, *inputs)).select(
            *[F.col(f"_carried_{i}").alias(c) for i, c in enumerate(carried)],
            F.col("prediction").cast(result_type).alias("prediction"),
        )
    predict = mlflow.pyfunc.spark_udf(
        spark, model_uri, result_type=result_type, env_manager="local"
    )
    return df.select(*carried, predict(*inputs).alias("prediction"))


# 1. The model version being monitored and the rows it was trained on: the baseline.
try:
    version = client.get_model_version_by_alias(model_name, "champion")
except mlflow.exceptions.MlflowException:
    raise ValueError(
        f"{model_name} has no @champion: register and promote a model first (%%modelzoo)"
    ) from None
model_uri = f"models:/{model_name}/{version.version}"
trained = client.get_run(version.run_id)
if not {"source_table", "data_version"} <= set(trained.data.tags):
    raise ValueError(
        f"{model_name} v{version.version} does not say what it was trained on (no source_table"
        " and data_version tags on its run): give baseline: TABLE"
    )
baseline_name = (
    f"{trained.data.tags['source_table']} VERSION AS OF {trained.data.tags['data_version']}"
)
baseline = spark.sql(f"SELECT * FROM {baseline_name}")
features = mlflow.models.get_model_info(model_uri).signature.inputs.input_names()

if not spark.catalog.tableExists(scored_table):
    raise ValueError(
        f"{scored_table} does not exist: score with %%deploy first, or name the scored table"
        " with table:"
    )
current = spark.table(scored_table)
for column, value in (("model_name", model_name), ("model_version", str(version.version))):
    if column in current.columns:  # a predictions table: the rows this version scored
        current = current.where(F.col(column) == value)
for where, df in ((scored_table, current), (f"the baseline {baseline_name}", baseline)):
    missing = [c for c in features if c not in df.columns]
    if missing:
        raise ValueError(
            f"{where} lacks the model's features: {', '.join(missing)}"
            " (name the columns to check with features:)"
        )
monitored = [*features]
if "prediction" in current.columns:  # prediction drift: the baseline scored by the same version
    result_type = (
        "double" if isinstance(current.schema["prediction"].dataType, NumericType) else "string"
    )
    baseline = scored_by(
        model_uri, baseline, f"the baseline {baseline_name}", baseline.columns, result_type
    )
    monitored.append("prediction")
baseline = baseline.persist()  # read three times (rows, quantiles, profile), scored once
baseline_rows = baseline.count()
if baseline_rows < MIN_ROWS:
    raise ValueError(
        f"the baseline {baseline_name} has {baseline_rows} rows, fewer than min_rows"
        f" ({MIN_ROWS}): no drift statistic can be trusted"
    )

# 2. Windows of one day by day. Windows already in the monitoring table are kept; the latest
# of them is computed again (it may have grown), with every newer one. Each is MERGEd, so a rerun
# replaces its own rows.
spark.sql("CREATE SCHEMA IF NOT EXISTS main.gold")
spark.sql(f"""
CREATE TABLE IF NOT EXISTS {monitoring_table} (
  model_name STRING,
  model_version STRING,
  window_start TIMESTAMP,
  window_end TIMESTAMP,
  feature STRING,
  statistic STRING,
  value DOUBLE,
  threshold DOUBLE,
  breached BOOLEAN,
  computed_at TIMESTAMP
)
USING DELTA
COMMENT 'Drift of {model_name} per window, feature and statistic (PSI, KS, rows, performance).'
TBLPROPERTIES ('delta.enableChangeDataFeed' = 'true')
""")
history = spark.table(monitoring_table).where(
    (F.col("model_name") == model_name) & (F.col("model_version") == str(version.version))
)
resume = history.agg(F.max("window_start")).first()[0]
if resume is not None:  # rows without a time stay in, to be counted each run
    current = current.where((F.col(time_col) >= F.lit(resume)) | F.col(time_col).isNull())
current = current.withColumn("window_start", F.date_trunc("day", F.col(time_col)))

# 3. Bin edges from the baseline, one pass: FINE_BINS quantiles per numeric column for KS and the
# BINS quantiles PSI merges them into. Other columns are compared value by value.
numeric = [c for c in monitored if isinstance(baseline.schema[c].dataType, NumericType)]
categorical = [c for c in monitored if c not in numeric]
fine = [j / FINE_BINS for j in range(1, FINE_BINS)]
coarse = [i / BINS for i in range(1, BINS)]
quantiles = baseline.approxQuantile(numeric, fine + coarse, 1e-4) if numeric else []
splits, psi_edges = {}, {}
for column, values in zip(numeric, quantiles, strict=True):
    if not values:
        raise ValueError(
            f"the baseline {baseline_name} has no values in {column}: leave it out with features:"
        )
    splits[column] = [-math.inf, *sorted(set(values)), math.inf]
    psi_edges[column] = sorted(set(values[len(fine) :]))
NULL = "∅"  # the bin of NULL (and NaN) values


def profile(df):
    """Row counts per window, column and bin in one pass; numeric bins are bucket numbers."""
    values = df.select(
        "window_start",
        *[F.coalesce(F.col(c).cast("double"), F.lit(math.nan)).alias(c) for c in numeric],
        *[F.coalesce(F.col(c).cast("string"), F.lit(NULL)).alias(c) for c in categorical],
    )
    if numeric:  # NaN (and NULL, made NaN) lands in the extra bucket len(splits) - 1
        buckets = [f"{c}__bucket" for c in numeric]
        values = Bucketizer(
            splitsArray=[splits[c] for c in numeric],
            inputCols=numeric,
            outputCols=buckets,
            handleInvalid="keep",
        ).transform(values)
        values = values.select(
            "window_start",
            *[
                F.col(b).cast("int").cast("string").alias(c)
                for b, c in zip(buckets, numeric, strict=True)
            ],
            *categorical,
        )
    long = values.unpivot("window_start", monitored, "feature", "bin")
    return long.groupBy("window_start", "feature", "bin").count().toPandas()


def psi(expected, actual):
    """Population stability index of two share vectors over the same bins."""
    p, q = np.maximum(expected, EPSILON), np.maximum(actual, EPSILON)
    return float(np.sum((q - p) * np.log(q / p)))


def shares(counts, column):
    """One column's counts as PSI bins (quantile bins, then NULL) and KS buckets."""
    if column not in numeric:
        return counts, None
    buckets = np.zeros(len(splits[column]), dtype=float)  # the last one holds NULL / NaN
    for label, count in counts.items():
        buckets[int(label)] = count
    # the PSI bin of each bucket: how many PSI edges lie at or below the bucket's lower edge
    bins = np.searchsorted(psi_edges[column], splits[column][:-1], side="right")
    psi_counts = np.bincount(bins, weights=buckets[:-1], minlength=len(psi_edges[column]) + 1)
    return pd.Series(
        [*psi_counts, buckets[-1]], index=[*map(str, range(len(psi_counts))), NULL]
    ), buckets[:-1]


base_profile = profile(baseline.withColumn("window_start", F.lit(None).cast("timestamp")))
baseline.unpersist()
window_profile = profile(current)
# Rows without a time fall in no window: counted (one bin per column per row) and said below.
undated = window_profile[window_profile["window_start"].isna()]
undated_rows = int(undated[undated["feature"] == monitored[0]]["count"].sum())
base = {
    column: shares(group.set_index("bin")["count"], column)
    for column, group in base_profile.groupby("feature")
}

# 4. Per window and column: rows, NULL share, PSI, and for numbers KS (statistic and p-value).
computed_at = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
window_end = {
    "day": pd.DateOffset(days=1),
    "week": pd.DateOffset(weeks=1),
    "month": pd.DateOffset(months=1),
}["day"]
ks_level = KS_ALPHA / max(len(numeric), 1)


def span(start):
    """A window's start and end as the datetimes Spark takes."""
    return pd.Timestamp(start).to_pydatetime(), (pd.Timestamp(start) + window_end).to_pydatetime()


records, too_few = [], {}


def record(where, statistic, value, threshold=None, breached=None):
    """One row of the monitoring table; *where* is (window start, column)."""
    window_start, column = where
    records.append(
        (
            model_name,
            str(version.version),
            *span(window_start),
            column,
            statistic,
            value,
            threshold,
            breached,
            computed_at,
        )
    )


for (window_start, column), group in window_profile.groupby(["window_start", "feature"]):
    where = (window_start, column)
    psi_bins, ks_buckets = shares(group.set_index("bin")["count"], column)
    base_bins, base_buckets = base[column]
    total = float(psi_bins.sum())
    rows = total - float(psi_bins.get(NULL, 0.0))
    record(where, "rows", rows)
    record(where, "null_share", 1 - rows / total)
    if rows < MIN_ROWS:
        too_few.setdefault(f"{window_start:%Y-%m-%d}", []).append(f"{column} {rows:.0f}")
        continue
    bins = base_bins.index.union(psi_bins.index)
    value = psi(
        base_bins.reindex(bins, fill_value=0).to_numpy() / base_bins.sum(),
        psi_bins.reindex(bins, fill_value=0).to_numpy() / total,
    )
    record(where, "psi", value, PSI_THRESHOLD, value > PSI_THRESHOLD)
    if ks_buckets is not None:
        n, m = base_buckets.sum(), ks_buckets.sum()
        statistic = float(np.max(np.abs(np.cumsum(base_buckets) / n - np.cumsum(ks_buckets) / m)))
        p_value = float(kstwo.sf(statistic, round(n * m / (n + m))))
        record(where, "ks", statistic)
        record(where, "ks_pvalue", p_value, ks_level, p_value < ks_level)

# 5. Performance and business KPIs where labels have arrived (main.gold.churn_labels, joined on
# account_id, day).
labelled = current.join(
    spark.table("main.gold.churn_labels").select(*["account_id", "day"], "churned"),
    ["account_id", "day"],
)
if "prediction" not in labelled.columns:
    raise ValueError(
        f"{scored_table} has no prediction column: performance needs what the model predicted"
        " (%%deploy writes it)"
    )
labelled = labelled.where(F.col("churned").isNotNull() & F.col("window_start").isNotNull())
if isinstance(labelled.schema["prediction"].dataType, NumericType):
    error = F.col("prediction") - F.col("churned")
    performance = {"rmse": F.sqrt(F.avg(error * error)), "mae": F.avg(F.abs(error))}
else:
    performance = {
        "accuracy": F.avg((F.col("prediction") == F.col("churned").cast("string")).cast("double"))
    }
# Business KPIs: Spark SQL aggregates over the same rows, where label is churned, prediction
# what the model predicted and probability the positive class's probability.
# retained: higher is better
performance["kpi_retained"] = F.expr(
    "SUM(CASE WHEN `prediction` = 1 AND `label` = 1 THEN `revenue` * 0.3 ELSE 0 END) - 15 "
    "* SUM(`prediction`)"
)
# missed: lower is better
performance["kpi_missed"] = F.expr("COUNT(CASE WHEN `label` = 1 AND `prediction` = 0 THEN 1 END)")
# confident: higher is better
performance["kpi_confident"] = F.expr("AVG(`probability`)")
present = {c.lower() for c in labelled.columns}
missing = [c for c in ["revenue"] if c.lower() not in present]
if missing:
    raise ValueError(
        f"kpis: column {missing[0]!r} is not in {scored_table};"
        f" columns: {', '.join(current.columns)}"
    )
if "probability" not in {c.lower() for c in labelled.columns}:
    raise ValueError(
        f"kpis: {scored_table} has no probability column (%%deploy writes prediction only)"
    )
labelled = labelled.withColumn("label", F.col("churned"))  # the KPIs' name for the truth
labelled_report = {}  # window start: labelled rows, performance and KPIs
for row in (
    labelled.groupBy("window_start")
    .agg(F.count("*").alias("labelled_rows"), *[v.alias(k) for k, v in performance.items()])
    .collect()
):
    labelled_report[row["window_start"]] = {
        k: None if row[k] is None else float(row[k]) for k in ["labelled_rows", *performance]
    }
    for statistic, value in labelled_report[row["window_start"]].items():
        records.append(
            (
                model_name,
                str(version.version),
                *span(row["window_start"]),
                "prediction",
                statistic,
                value,
                None,
                None,
                computed_at,
            )
        )

# 6. Write the window statistics (MERGE: a rerun replaces them), then the
# trigger over the history.
if records:
    batch = spark.createDataFrame(
        records,
        spark.table(monitoring_table).schema,
    )
    batch.createOrReplaceTempView("_monitor_batch")
    spark.sql(f"""
MERGE INTO {monitoring_table} AS t USING _monitor_batch AS s
ON t.model_name = s.model_name AND t.model_version = s.model_version
   AND t.window_start = s.window_start AND t.feature = s.feature AND t.statistic = s.statistic
WHEN MATCHED THEN UPDATE SET *
WHEN NOT MATCHED THEN INSERT *
""")
history = spark.table(monitoring_table).where(
    (F.col("model_name") == model_name) & (F.col("model_version") == str(version.version))
)
tests = history.where(F.col("statistic").isin("psi", "ks_pvalue")).toPandas()
windows = tests.groupby("window_start")["breached"].any().sort_index()
latest = windows.tail(TRIGGER_N)
retrain = bool(len(latest)) and bool(latest.iloc[-1]) and int(latest.sum()) >= TRIGGER_K
alerts = (
    tests[tests["breached"].astype(bool)][
        ["window_start", "feature", "statistic", "value", "threshold"]
    ]
    .sort_values(["window_start", "feature", "statistic"])
    .reset_index(drop=True)
)
older = sorted(
    (
        int(v.version)
        for v in client.search_model_versions(f"name='{model_name}'")
        if int(v.version) < int(version.version)
    ),
    reverse=True,
)
rollback_plan = (
    f"if v{version.version} misbehaves: %%deploy with rollback: true moves @champion back to"
    f" v{older[0]}"
    if older
    else f"v{version.version} is the first version of {model_name}: there is no older one to"
    " roll back to; retrain instead"
)
verdict = (
    f"retrain: {int(latest.sum())} of the last {len(latest)} windows breached, the latest too"
    f" (trigger {TRIGGER_K} of {TRIGGER_N})"
    if retrain
    else f"no retrain: {int(latest.sum())} of the last {len(latest)} windows breached"
    f" (trigger {TRIGGER_K} of {TRIGGER_N}, the latest must breach)"
)

# 7. The drift chart (PSI per column and window) and the verdict, logged to
# MLflow next to the training run.
psi_history = tests[tests["statistic"] == "psi"].pivot_table(
    index="feature", columns="window_start", values="value"
)
with mlflow.start_run(
    experiment_id=trained.info.experiment_id, run_name=f"monitor {model_name} v{version.version}"
):
    if len(psi_history):
        figure = Figure(figsize=(1.5 + 0.5 * psi_history.shape[1], 1 + 0.35 * len(psi_history)))
        axes = figure.subplots()
        image = axes.imshow(
            psi_history.to_numpy(),
            aspect="auto",
            cmap="Reds",
            vmin=0,
            vmax=max(2 * PSI_THRESHOLD, float(np.nanmax(psi_history.to_numpy()))),
        )
        axes.set_yticks(range(len(psi_history)), psi_history.index)
        axes.set_xticks(
            range(psi_history.shape[1]), [f"{w:%Y-%m-%d}" for w in psi_history.columns], rotation=90
        )
        for (i, j), value in np.ndenumerate(psi_history.to_numpy()):
            if value > PSI_THRESHOLD:
                axes.text(j, i, "!", ha="center", va="center")
        figure.colorbar(image, label=f"PSI (! above {PSI_THRESHOLD})")
        axes.set_title(
            f"{model_name} v{version.version}: drift against {baseline_name}", fontsize=9
        )
        figure.tight_layout()
        mlflow.log_figure(figure, "drift.png")
    mlflow.log_text(alerts.to_csv(index=False), "alerts.csv")
    mlflow.log_metrics(
        {
            "windows_breached": float(latest.sum()),
            "retrain": float(retrain),
            "max_psi_latest_window": float(
                tests[
                    (tests["statistic"] == "psi") & (tests["window_start"] == windows.index.max())
                ]["value"].max()
            )
            if len(windows)
            else 0.0,
        }
    )
    if labelled_report:  # the latest labelled window's KPIs
        latest_labelled = labelled_report[max(labelled_report)]
        mlflow.log_metrics(
            {
                f"{k}_latest_labelled_window": v
                for k, v in latest_labelled.items()
                if k.startswith("kpi_") and v is not None
            }
        )
    mlflow.set_tags(
        {
            "monitored_table": scored_table,
            "baseline": baseline_name,
            "verdict": verdict,
            "rollback_plan": rollback_plan,
        }
    )

computed_windows = len({r[2] for r in records})
print(
    f"{monitoring_table}: {model_name} v{version.version}, {computed_windows} window(s)"
    f" computed against {baseline_name} ({baseline_rows} rows)"
)
if undated_rows:
    print(f"  {undated_rows} rows have no {time_col}: they fall in no window")
for window_start, counts in too_few.items():
    few = ", ".join(counts)
    print(
        f"  {window_start}: fewer values than min_rows ({MIN_ROWS}), no drift statistic for {few}"
    )
for window_start, breached in windows.items():
    found = alerts[alerts["window_start"] == window_start]
    drifted = [
        f"{column} ("
        + ", ".join(
            f"PSI {v:.2f}" if s == "psi" else f"KS p {v:.1e}"
            for s, v in zip(rows["statistic"], rows["value"], strict=True)
        )
        + ")"
        for column, rows in found.groupby("feature")
    ]
    print(
        f"  {window_start:%Y-%m-%d}: "
        + (f"drift in {', '.join(drifted)}" if breached else "no drift")
    )
for window_start, values in sorted(labelled_report.items()):
    measured = ", ".join(
        f"{k} {v:.4g}"
        for k, v in values.items()
        if k in ("rmse", "mae", "accuracy") and v is not None
    )
    measured += "; KPIs: " + ", ".join(
        f"{k.removeprefix('kpi_')} " + ("NULL" if v is None else f"{v:.6g}")
        for k, v in values.items()
        if k.startswith("kpi_")
    )
    print(f"  {window_start:%Y-%m-%d}: {values['labelled_rows']:.0f} labelled rows, {measured}")
print(verdict)
print(f"rollback plan: {rollback_plan}")
alerts
