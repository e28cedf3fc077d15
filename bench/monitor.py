"""The generated %%deploy and %%monitor cells on synthetic data, on local Spark + Delta + MLflow.

    python bench/monitor.py [--rows N] [--baseline-rows M]      (defaults: 1,000,000 and 200,000)

Prints, measured in this one run (each cell once, after a warm-up on a small table):
  - scoring: a small scikit-learn model (gradient boosting, 10 numeric features) registered with
    @champion scores an N-row Delta table. The %%deploy cell (a Spark UDF next to the data, then
    a MERGE into the predictions table) against the naive way (toPandas, predict on the driver,
    createDataFrame + saveAsTable), with and without Arrow (the local session has it off);
    rows/s of each and the ratio;
  - drift: the %%monitor cell over N scored rows of 50 numeric features spread over 7 days,
    against an M-row baseline (the table and Delta version the model's run was trained on):
    wall time, Spark jobs, and how often it read the scored and baseline tables (rows read by
    each table's scans / the table's rows) and how many rows the model's UDF scored; next to a
    plain scan of the scored table (groupBy(day).count(), which reads one column), one pass
    that reads all 51 monitored columns (groupBy(day) sums), each the best of 3, and the
    ratios (the issue's target: one pass over the data per window).
Issue 8. Timings are printed, not checked.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import logging
import os
import re
import shutil
import tempfile
import time
from collections import Counter
from pathlib import Path

SCORE_FEATURES = [f"x{i:02d}" for i in range(10)]
DRIFT_FEATURES = [f"f{i:02d}" for i in range(50)]
DAYS = 7
SHIFTED_DAYS = 2  # the last days, where the first SHIFTED features move by half a sd
SHIFTED = 5
START = "2026-03-02"


@contextlib.contextmanager
def arrow(spark, enabled: bool):
    """Arrow for toPandas / createDataFrame(pandas) inside the block, the old setting after."""
    key = "spark.sql.execution.arrow.pyspark.enabled"
    before = spark.conf.get(key)
    spark.conf.set(key, str(enabled).lower())
    try:
        yield
    finally:
        spark.conf.set(key, before)


class SparkWork:
    """What Spark did inside the block: jobs, rows read per table, rows through Python UDFs.

    Read from the session's status stores (no UI needed): the jobs of a job group, and the
    final plan graph and metrics of every SQL execution (nested ones too, as in MERGE) that
    started in the block. "Scan parquet <table>" nodes count the rows read from a table's
    files; ArrowEvalPython nodes the rows a Python UDF returned.
    """

    def __init__(self, spark, group: str) -> None:
        self.spark, self.group = spark, group
        self.jobs = 0
        self.scanned: Counter[str] = Counter()
        self.python_rows = 0
        self.input_records = 0  # read by all the jobs' stages (files and cached blocks)

    def __enter__(self) -> SparkWork:
        self.first_execution = self._store().executionsCount()
        self.spark.sparkContext.setJobGroup(self.group, self.group)
        return self

    def __exit__(self, *exc) -> None:
        self.spark.sparkContext.setJobGroup("", "")
        time.sleep(2)  # the listener bus is asynchronous: let the last events land
        jobs = self.spark.sparkContext.statusTracker().getJobIdsForGroup(self.group)
        self.jobs = len(jobs)
        convert = self.spark.sparkContext._jvm.scala.jdk.javaapi.CollectionConverters.asJava
        core = self.spark.sparkContext._jsc.sc().statusStore()
        stages = {stage for job in jobs for stage in convert(core.job(job).stageIds())}
        for stage in stages:
            with contextlib.suppress(Exception):  # a skipped stage has no attempt
                self.input_records += core.lastStageAttempt(stage).inputRecords()
        store = self._store()
        executions = store.executionsList()
        for execution in convert(executions):
            execution_id = execution.executionId()
            if execution_id < self.first_execution:
                continue
            values = {
                pair._1(): pair._2()
                for pair in convert(store.executionMetrics(execution_id).toSeq())
            }
            for node in convert(store.planGraph(execution_id).allNodes()):
                name = node.name()
                rows = next(
                    (
                        number(values.get(m.accumulatorId(), "0"))
                        for m in convert(node.metrics())
                        if m.name() == "number of output rows"
                    ),
                    0,
                )
                scan = re.match(r"Scan parquet (\S+)", name)
                if scan:
                    self.scanned[scan.group(1)] += rows
                elif name.startswith("ArrowEvalPython"):
                    self.python_rows += rows

    def _store(self):
        return self.spark._jsparkSession.sharedState().statusStore()


def number(text: str) -> int:
    """A metric's value as the status store formats it ("1,000,000", or "total (min, med, max)
    ...\\n1,000,000 (...)" for per-task metrics)."""
    found = re.findall(r"[\d,]+", text.split("\n")[-1])
    return int(found[0].replace(",", "")) if found else 0


def run_cell(spark, code: str, name: str) -> tuple[float, str]:
    """Run a generated cell as the magic does (exec in a namespace with spark); seconds, output."""
    out = io.StringIO()
    began = time.perf_counter()
    with contextlib.redirect_stdout(out):
        exec(compile(code, name, "exec"), {"spark": spark})
    return time.perf_counter() - began, out.getvalue()


def requirements() -> list[str]:
    """Explicit pip requirements, so log_model does not infer them in a subprocess."""
    import mlflow
    import numpy
    import pandas
    import sklearn

    return [
        f"mlflow=={mlflow.__version__}",
        f"scikit-learn=={sklearn.__version__}",
        f"pandas=={pandas.__version__}",
        f"numpy=={numpy.__version__}",
    ]


def register(model, frame, name: str, tags: dict[str, str]) -> str:
    """Log and register *model*, point @champion at the new version; the version."""
    import mlflow
    from mlflow.models import infer_signature

    with mlflow.start_run(run_name=name):
        mlflow.set_tags(tags)
        info = mlflow.sklearn.log_model(
            model,
            name="model",
            signature=infer_signature(frame.head(100), model.predict(frame.head(100))),
            pip_requirements=requirements(),
            serialization_format="cloudpickle",  # as %%modelzoo logs (skops refuses HGB trees)
            registered_model_name=name,
        )
    version = str(info.registered_model_version)
    mlflow.MlflowClient().set_registered_model_alias(name, "champion", version)
    return version


# ---------------------------------------------------------------------------------------------
# 1. Scoring throughput


def score_table(spark, table: str, rows: int) -> None:
    spark.range(rows).selectExpr(
        "id", *[f"rand({seed}) * 10 - 5 AS {c}" for seed, c in enumerate(SCORE_FEATURES)]
    ).write.format("delta").mode("overwrite").saveAsTable(table)


def train_scorer():
    import numpy as np
    import pandas as pd
    from sklearn.ensemble import HistGradientBoostingRegressor

    rng = np.random.default_rng(8)
    frame = pd.DataFrame(rng.uniform(-5, 5, (20_000, len(SCORE_FEATURES))), columns=SCORE_FEATURES)
    target = np.sin(frame["x00"]) * 3 + frame["x01"] * frame["x02"] + frame["x03"] ** 2
    target += rng.normal(0, 0.5, len(frame))
    model = HistGradientBoostingRegressor(max_iter=50, random_state=0).fit(frame, target)
    return model, frame


def naive(spark, source: str, target: str, name: str) -> float:
    """What one writes by hand: everything through the driver."""
    import mlflow

    spark.sql(f"DROP TABLE IF EXISTS {target}")  # a fresh table, as the cell writes
    began = time.perf_counter()
    model = mlflow.sklearn.load_model(f"models:/{name}@champion")
    frame = spark.table(source).toPandas()
    frame["prediction"] = model.predict(frame[SCORE_FEATURES])
    spark.createDataFrame(frame).write.format("delta").saveAsTable(target)
    return time.perf_counter() - began


def deploy_code(settings, name: str, table: str, predictions: str) -> str:
    from dbx_architect.expand import expand

    body = f"model: {name}\ntable: {table}\nkeys: [id]\npredictions_table: {predictions}\n"
    return expand("deploy", name, name, body, settings).code


def scoring(spark, settings, rows: int) -> dict[str, float]:
    name = "bench_scorer"
    model, frame = train_scorer()
    register(model, frame, name, {"source_table": "synthetic"})
    score_table(spark, "gold.score_warmup", 20_000)
    score_table(spark, "gold.score_input", rows)
    print(f"scoring: HistGradientBoostingRegressor(max_iter=50), {len(SCORE_FEATURES)} features")

    # warm-up: both ways on a small table (the UDF's first worker, Delta's first MERGE)
    run_cell(spark, deploy_code(settings, name, "score_warmup", "warm_predictions"), "warm")
    naive(spark, "gold.score_warmup", "gold.warm_naive", name)
    with arrow(spark, True):
        naive(spark, "gold.score_warmup", "gold.warm_naive", name)

    with SparkWork(spark, "deploy") as work:
        ours, printed = run_cell(
            spark, deploy_code(settings, name, "score_input", "score_predictions"), "deploy"
        )
    written = spark.table("gold.score_predictions").count()
    print(
        f"  %%deploy cell:            {ours:6.1f} s  {rows / ours:>9,.0f} rows/s  "
        f"({written:,} rows written; {work.jobs} Spark jobs; model UDF scored "
        f"{work.python_rows:,} rows = {work.python_rows / rows:.2f}x the table)",
        flush=True,
    )
    plain = naive(spark, "gold.score_input", "gold.score_naive", name)
    print(
        f"  naive, Arrow off (local): {plain:6.1f} s  {rows / plain:>9,.0f} rows/s  "
        f"(toPandas, predict on the driver, createDataFrame + saveAsTable)",
        flush=True,
    )
    with arrow(spark, True):
        fast = naive(spark, "gold.score_input", "gold.score_naive", name)
    print(
        f"  naive, Arrow on:          {fast:6.1f} s  {rows / fast:>9,.0f} rows/s",
        flush=True,
    )
    print(
        f"  %%deploy / naive throughput: {plain / ours:.2f}x (Arrow off), "
        f"{fast / ours:.2f}x (Arrow on)   [{printed.strip().splitlines()[-1]}]",
        flush=True,
    )
    return {"ours": ours, "plain": plain, "fast": fast}


# ---------------------------------------------------------------------------------------------
# 2. Drift


def normal(seed: int, shift: str = "0") -> str:
    return f"randn({seed}) + {shift}"


def drift_tables(spark, rows: int, baseline_rows: int, suffix: str, coef, intercept) -> None:
    """A training table and a scored table (with prediction and model columns) of 50 features;
    on the last days the first features drift."""
    spark.range(baseline_rows).selectExpr(
        "id",
        *[f"{normal(100 + i)} AS {c}" for i, c in enumerate(DRIFT_FEATURES)],
    ).selectExpr("*", f"{linear(coef, intercept)} + randn(99) AS y").write.format("delta").mode(
        "overwrite"
    ).saveAsTable(f"gold.drift_train{suffix}")
    late = f"CASE WHEN id % {DAYS} >= {DAYS - SHIFTED_DAYS} THEN 0.5 ELSE 0.0 END"
    spark.range(rows).selectExpr(
        "id",
        f"date_add(DATE'{START}', cast(id % {DAYS} AS int)) AS day",
        *[
            f"{normal(200 + i, late if i < SHIFTED else '0')} AS {c}"
            for i, c in enumerate(DRIFT_FEATURES)
        ],
    ).selectExpr(
        "*",
        f"{linear(coef, intercept)} AS prediction",
        "'bench_drift' AS model_name",
        "'1' AS model_version",
    ).write.format("delta").mode("overwrite").saveAsTable(f"gold.drift_scored{suffix}")


def linear(coef, intercept) -> str:
    return " + ".join(
        [
            repr(float(intercept)),
            *(f"{float(c)!r} * {f}" for c, f in zip(coef, DRIFT_FEATURES, strict=True)),
        ]
    )


def train_drift_model(spark, table: str):
    """A LinearRegression on a sample of the baseline table, logged as trained on it."""
    from sklearn.linear_model import LinearRegression

    version = spark.sql(f"DESCRIBE HISTORY {table} LIMIT 1").first()["version"]
    with arrow(spark, True):
        sample = spark.table(table).limit(20_000).toPandas()
    model = LinearRegression().fit(sample[DRIFT_FEATURES], sample["y"])
    tags = {"source_table": f"spark_catalog.{table}", "data_version": str(version)}
    return register(model, sample[DRIFT_FEATURES], "bench_drift", tags)


def best_of(runs: int, query) -> float:
    """The fastest of *runs* runs of *query()* (a new DataFrame each time: collecting the same
    one again would reuse its shuffle files); the references take a second, noise matters."""
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        query().collect()
        times.append(time.perf_counter() - began)
    return min(times)


def monitor_code(settings, table: str, extra: str = "") -> str:
    from dbx_architect.expand import expand

    body = f"table: {table}\ntime_col: day\n{extra}"
    return expand("monitor", "bench_drift", "bench_drift", body, settings).code


def drift(spark, settings, rows: int, baseline_rows: int) -> dict[str, float]:
    import numpy as np
    from pyspark.sql import functions as F

    rng = np.random.default_rng(9)
    coef, intercept = rng.normal(0, 1, len(DRIFT_FEATURES)), 2.0
    drift_tables(spark, rows, baseline_rows, "", coef, intercept)
    version = train_drift_model(spark, "gold.drift_train")
    assert version == "1"  # the scored table says model_version '1'
    drift_tables(spark, 20_000, 5_000, "_warmup", coef, intercept)
    print(
        f"drift: {len(DRIFT_FEATURES)} double features + prediction, {rows:,} scored rows over "
        f"{DAYS} days ({SHIFTED} features shifted on the last {SHIFTED_DAYS}), "
        f"baseline {baseline_rows:,} rows (LinearRegression's training table, by its run's tags)"
    )

    # warm-up: the same cell on small tables, into a monitoring table of its own
    warm = monitor_code(
        settings,
        "drift_scored_warmup",
        "baseline: drift_train_warmup\nmonitoring_table: bench_drift_warmup_monitoring\n",
    )
    run_cell(spark, warm, "warm")

    with SparkWork(spark, "monitor") as work:
        seconds, printed = run_cell(spark, monitor_code(settings, "drift_scored"), "monitor")
    with SparkWork(spark, "scan") as scan_work:
        scan = best_of(3, lambda: spark.table("gold.drift_scored").groupBy("day").count())
    # one pass that reads every monitored column, as drift must
    sums = [F.sum(c) for c in [*DRIFT_FEATURES, "prediction"]]
    wide = best_of(3, lambda: spark.table("gold.drift_scored").groupBy("day").agg(*sums))
    scored = work.scanned.get("spark_catalog.gold.drift_scored", 0)
    baseline = work.scanned.get("spark_catalog.gold.drift_train", 0)
    others = {
        t: n for t, n in work.scanned.items() if "drift_scored" not in t and "drift_train" not in t
    }
    lines = printed.strip().splitlines()
    print(
        f"  %%monitor cell:   {seconds:6.1f} s  ({work.jobs} Spark jobs; their stages read "
        f"{work.input_records:,} records from files and caches)\n"
        f"    rows read from the scored table:   {scored:>11,} = {scored / rows:.2f} passes\n"
        f"    rows read from the baseline table: {baseline:>11,} = {baseline / baseline_rows:.2f} "
        f"passes (model UDF scored {work.python_rows:,} rows = "
        f"{work.python_rows / baseline_rows:.2f}x the baseline)\n"
        f"    other scans: {', '.join(f'{t} {n:,}' for t, n in sorted(others.items())) or '-'}\n"
        f"    cell said: {lines[0]} | {lines[-2]}",
        flush=True,
    )
    print(
        f"  full scan of the scored table (groupBy(day).count(), best of 3): {scan:5.1f} s "
        f"({scan_work.jobs // 3} Spark jobs; {scan_work.input_records // 3:,} records read)\n"
        f"  one pass over all 51 monitored columns (groupBy(day) sums, best of 3): {wide:5.1f} s\n"
        f"  %%monitor / scan: {seconds / scan:.1f}x; %%monitor / 51-column pass: "
        f"{seconds / wide:.1f}x",
        flush=True,
    )
    return {
        "seconds": seconds,
        "jobs": work.jobs,
        "scored_passes": scored / rows,
        "baseline_passes": baseline / baseline_rows,
        "udf_passes": work.python_rows / baseline_rows,
        "scan": scan,
        "wide": wide,
    }


def main(rows: int, baseline_rows: int) -> None:
    began = time.perf_counter()
    root = Path(tempfile.mkdtemp(prefix="dbx_monitor_"))
    os.chdir(root)
    os.environ["MLFLOW_TRACKING_URI"] = f"sqlite:///{root / 'mlflow.db'}"
    from dbx_architect.runtime.spark import start_local_spark
    from dbx_architect.settings import DbxArchitect, Settings

    spark = start_local_spark(root / ".dbx_architect", master="local[2]")
    spark.sql("CREATE SCHEMA IF NOT EXISTS gold")
    settings = Settings.from_config(DbxArchitect(), "local")
    import mlflow  # noqa: F401  (imported once, outside the timings)

    logging.getLogger("mlflow").setLevel(logging.ERROR)  # registrations, the pickle warning

    score = scoring(spark, settings, rows)
    monitor = drift(spark, settings, rows, baseline_rows)
    total = time.perf_counter() - began
    print(
        f"\nsummary ({rows:,} rows, local[2], whole run {total:.0f} s)\n"
        f"  scoring  %%deploy {rows / score['ours']:>9,.0f} rows/s | naive Arrow off "
        f"{rows / score['plain']:>9,.0f} rows/s | naive Arrow on {rows / score['fast']:>9,.0f} "
        f"rows/s | ours/naive {score['plain'] / score['ours']:.2f}x, "
        f"{score['fast'] / score['ours']:.2f}x\n"
        f"  drift    %%monitor {monitor['seconds']:.1f} s, {monitor['jobs']} jobs, "
        f"scored table read {monitor['scored_passes']:.2f}x, baseline read "
        f"{monitor['baseline_passes']:.2f}x (UDF {monitor['udf_passes']:.2f}x) | full scan "
        f"{monitor['scan']:.1f} s (51 columns {monitor['wide']:.1f} s) | monitor/scan "
        f"{monitor['seconds'] / monitor['scan']:.1f}x ({monitor['seconds'] / monitor['wide']:.1f}x)"
    )
    spark.stop()
    shutil.rmtree(root, ignore_errors=True)  # the tables: ~0.8 GB at a million rows


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows scored and monitored")
    parser.add_argument(
        "--baseline-rows",
        type=int,
        default=200_000,
        help="rows of the drift model's training table",
    )
    args = parser.parse_args()
    main(args.rows, args.baseline_rows)
