"""The model zoo's `engine: spark`, %%deploy and %%monitor as a user runs them, on one engine.

    python tests/spark_engine_job.py OUT        (SPARK_REMOTE or DBX_SPARK_MASTER pick the engine)

In a fresh IPython shell working in OUT: ``%load_ext dbx_architect``, ``%dbx_spark``, a training
table of 3,000 rows, a Spark ML model zoo registered and promoted, a gate and batch scoring of the
table, drift monitoring of the scores. Writes OUT/result.json with what the tests compare across
engines. ``run_job`` does the same in a shell that already has ``spark``.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd

CELLS = [
    """%%modelzoo demand --run
table: sales
target: units
task: regression
engine: spark
exclude: [id]
cv: 2
models: [linear, random_forest]
params: {random_forest: {numTrees: 5, maxDepth: 3}}
register: demand
promote_if: {min_improvement: 0}
""",
    # the one version is @challenger and @champion: the gate scores the Spark model twice, then
    # the table is scored
    "%%deploy demand --run\ntable: sales\nkeys: [id]\ngate: {data: sales, label: units}\n",
    "%%monitor demand --run\nmin_rows: 50\n",
]


def training_rows(rows: int = 3000) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    frame = pd.DataFrame(
        {
            "id": [f"s{i:05d}" for i in range(rows)],
            "price": rng.uniform(1, 5, rows),
            "promo": rng.integers(0, 2, rows),
            "store": rng.choice(["north", "south", "east"], rows),
        }
    )
    effect = frame["store"].map({"north": 0.0, "south": 4.0, "east": -2.0})
    frame["units"] = 30 - 4 * frame["price"] + 6 * frame["promo"] + effect + rng.normal(0, 1, rows)
    return frame


def run_job(shell) -> dict:
    """Run the cells in *shell* (which has ``spark``); what they produced, for comparison."""
    import mlflow

    spark = shell.user_ns["spark"]
    shell.run_line_magic("dbx_config", "gold_schema=gold_engines")
    spark.sql("CREATE SCHEMA IF NOT EXISTS spark_catalog.gold_engines")
    # One file, so every engine reads the rows in the same order and partitions.
    spark.createDataFrame(training_rows()).coalesce(1).write.format("delta").mode(
        "overwrite"
    ).saveAsTable("spark_catalog.gold_engines.sales")
    for cell in CELLS:
        result = shell.run_cell(cell, store_history=False)
        if result.error_in_exec is not None:
            raise RuntimeError(f"{cell.splitlines()[0]}: {result.error_in_exec!r}")

    runs = mlflow.search_runs(experiment_names=["/dbx_architect/demand"], output_format="pandas")
    # the zoo's parent run (%%monitor logs its own run in the same experiment)
    parent = runs[runs["tags.mlflow.parentRunId"].isna() & runs["tags.winner"].notna()].iloc[0]
    children = runs[runs["tags.mlflow.parentRunId"] == parent["run_id"]]
    gate = runs[runs["tags.gate"].notna()].iloc[0]
    predictions = spark.table("spark_catalog.gold_engines.demand_predictions")
    # what the registered pipeline itself predicts for the table, to hold %%deploy to
    own = mlflow.spark.load_model("models:/demand@champion").transform(
        spark.table("spark_catalog.gold_engines.sales")
    )
    monitoring = spark.table("spark_catalog.gold_engines.demand_monitoring").toPandas()
    return {
        "session": type(spark).__module__,
        "master": spark.conf.get("spark.master"),
        "winner": parent["tags.winner"],
        "fold_hash": parent["tags.fold_hash"],
        "cv_rmse": dict(
            zip(children["tags.mlflow.runName"], children["metrics.cv_rmse_mean"], strict=True)
        ),
        "flavors": sorted(mlflow.models.get_model_info("models:/demand@champion").flavors),
        "gate_rmse": [gate["metrics.challenger_rmse"], gate["metrics.champion_rmse"]],
        "predictions": {
            row["id"]: row["prediction"] for row in predictions.select("id", "prediction").collect()
        },
        "own": {row["id"]: (row["prediction"], row["units"]) for row in own.collect()},
        "monitoring": sorted(
            (r.feature, r.statistic, r.value, bool(r.breached)) for r in monitoring.itertuples()
        ),
    }


def main(out: Path) -> None:
    from IPython.core.interactiveshell import InteractiveShell

    out.mkdir(parents=True, exist_ok=True)
    os.chdir(out)
    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "dbx_architect")
    shell.run_line_magic("dbx_spark", "")
    if "spark" not in shell.user_ns:
        raise RuntimeError("%dbx_spark did not start a session")
    (out / "result.json").write_text(json.dumps(run_job(shell)))
    sys.stdout.flush()
    # Leave without the interpreter's finalization: there, pyspark's Spark Connect ML models
    # release their server-side cache from __del__ with a gRPC call that can hang (pyspark 4.2).
    os._exit(0)


if __name__ == "__main__":
    main(Path(sys.argv[1]).resolve())
