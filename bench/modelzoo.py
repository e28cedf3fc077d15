"""The generated %%modelzoo cell on scikit-learn's bundled data, and MLflow's cost per candidate.

    python bench/modelzoo.py

Prints, measured in this one run on local Spark + Delta + MLflow (SQLite in a temp folder):
  - wall time from the cell's start to a registered winner, per data set, and its share spent in
    cross-validation (the candidates' own fit and score time);
  - MLflow logging overhead per candidate: one nested run with the parameters and metrics the
    cell logs (target: <= 0.5 s).
The comparison with PyCaret and LazyPredict (in a venv of their own) is bench/automl_compare.py.
"""

from __future__ import annotations

import contextlib
import io
import os
import statistics
import tempfile
import time
from pathlib import Path

CELLS = {
    "diabetes (regression, 442 rows)": (
        "diabetes",
        "table: diabetes\ntarget: target\ntask: regression\ncv: 5\n"
        "models: [linear, random_forest, extra_trees, hist_gbm]\nregister: bench_diabetes\n",
    ),
    "breast cancer (binary, 569 rows)": (
        "cancer",
        "table: cancer\ntarget: target\ntask: classification\ncv: 5\n"
        "models: [logistic, random_forest, extra_trees, hist_gbm]\nregister: bench_cancer\n",
    ),
    "wine (multiclass, 178 rows)": (
        "wine",
        "table: wine\ntarget: target\ntask: classification\ncv: 5\n"
        "models: [logistic, random_forest, extra_trees, hist_gbm]\nregister: bench_wine\n",
    ),
}


def main() -> None:
    root = Path(tempfile.mkdtemp(prefix="dbx_zoo_"))
    os.chdir(root)
    os.environ["MLFLOW_TRACKING_URI"] = f"sqlite:///{root / 'mlflow.db'}"
    from sklearn.datasets import load_breast_cancer, load_diabetes, load_wine

    from dbx_architect.expand import expand
    from dbx_architect.runtime.spark import start_local_spark
    from dbx_architect.settings import DbxArchitect, Settings

    spark = start_local_spark(root / ".dbx_architect", master="local[2]")
    spark.sql("CREATE SCHEMA IF NOT EXISTS gold")
    for table, loader in (
        ("diabetes", load_diabetes),
        ("cancer", load_breast_cancer),
        ("wine", load_wine),
    ):
        frame = loader(as_frame=True).frame
        frame.columns = [c.replace(" ", "_") for c in frame.columns]
        spark.createDataFrame(frame).write.format("delta").mode("overwrite").saveAsTable(
            f"gold.{table}"
        )
    settings = Settings.from_config(DbxArchitect(), "local")
    import mlflow  # noqa: F401  (imported once, outside the timings)

    for label, (name, body) in CELLS.items():
        code = expand("modelzoo", name, name, body, settings).code
        namespace = {"spark": spark}
        began = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):
            exec(compile(code, name, "exec"), namespace)
        wall = time.perf_counter() - began
        board = namespace["leaderboard"]
        cv_seconds = float(((board["fit_time_s"] + board["predict_time_s"]) * 5).sum())
        best = board.iloc[0]
        metric = namespace["primary_metric"]
        print(
            f"{label:34s} leaderboard + registered winner in {wall:5.1f} s "
            f"(cross-validation {cv_seconds:4.1f} s); best {best['candidate']} "
            f"{metric} {best[f'cv_{metric}_mean']:.4f}"
        )
    overhead = logging_overhead()
    print(
        f"MLflow logging per candidate: median {statistics.median(overhead) * 1000:.0f} ms "
        f"(max {max(overhead) * 1000:.0f} ms over {len(overhead)}; target <= 500 ms)"
    )
    spark.stop()


def logging_overhead(runs: int = 20) -> list[float]:
    """What the cell does around each candidate's cross-validation, timed alone."""
    import mlflow
    from sklearn.ensemble import RandomForestRegressor

    mlflow.set_experiment("/bench/logging")
    estimator = RandomForestRegressor()
    metrics = {f"cv_{m}_{s}": 0.5 for m in ("rmse", "mae", "r2") for s in ("mean", "std")}
    metrics |= {"fit_time_s": 0.1, "predict_time_s": 0.01}
    times = []
    with mlflow.start_run(run_name="parent"):
        for index in range(runs):
            began = time.perf_counter()
            with mlflow.start_run(
                run_name=f"candidate {index}", nested=True, tags={"fold_hash": "x"}
            ):
                mlflow.log_params({"model": type(estimator).__name__, **estimator.get_params()})
                mlflow.log_metrics(metrics)
            times.append(time.perf_counter() - began)
    return times


if __name__ == "__main__":
    main()
