"""The example notebooks, executed end to end as the README's first command runs them (nbclient)."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from conftest import ROOT

pytestmark = pytest.mark.spark

EXAMPLES = {
    "demand_forecast": (
        "weekly_demand",
        [
            "spark_catalog.bronze.sales",
            "spark_catalog.silver.sales",
            "spark_catalog.silver.sales_quarantine",
            "spark_catalog.gold.weekly_demand",
            "spark_catalog.gold.weekly_demand_evaluation",
            "spark_catalog.gold.weekly_demand_predictions",
            "spark_catalog.gold.weekly_demand_monitoring",
        ],
    ),
    "churn": (
        "churn",
        [
            "spark_catalog.bronze.customers",
            "spark_catalog.silver.usage",
            "spark_catalog.gold.churn_features",
            "spark_catalog.gold.churn_evaluation",
        ],
    ),
}


def run_example(out, example: str, remote: str | None = None, master: str | None = None) -> str:
    """``examples/run_demo.py`` in a subprocess (a fresh kernel); its stdout."""
    # each run keeps its own MLflow store in its folder, as a user's would (the test session's
    # Spark fixture points MLFLOW_TRACKING_URI at its own store)
    unset = ("SPARK_REMOTE", "DBX_SPARK_MASTER", "MLFLOW_TRACKING_URI")
    env = {k: v for k, v in os.environ.items() if k not in unset}
    if remote:
        env["SPARK_REMOTE"] = remote  # %dbx_spark then starts a local Spark Connect server
    if master:
        env["DBX_SPARK_MASTER"] = master  # %dbx_spark's default master
    result = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "run_demo.py"), str(out), example],
        capture_output=True,
        text=True,
        timeout=1200,
        env=env,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


@pytest.fixture(scope="module")
def classic_demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("classic") / "out"
    return out, run_example(out, "demand_forecast")


def check_results(out, stdout: str, example: str) -> dict[str, int]:
    model, tables = EXAMPLES[example]
    rows = {
        t: int(n) for t, n in re.findall(r"^(spark_catalog\.\w+\.\w+): (\d+) rows", stdout, re.M)
    }
    for table in tables:
        assert rows[table] > 0, table
    assert re.search(rf"^registered model: {model}, @champion = v1$", stdout, re.MULTILINE)
    assert f"MLflow tracking: sqlite:///{out / 'mlflow.db'}" in stdout
    assert (out / f"{example}.executed.ipynb").exists()
    return rows


def test_demand_forecast_runs_end_to_end(classic_demo) -> None:
    out, stdout = classic_demo
    rows = check_results(out, stdout, "demand_forecast")
    assert (
        rows["spark_catalog.gold.weekly_demand_predictions"]
        == rows["spark_catalog.gold.weekly_demand"]
    )
    assert rows["spark_catalog.gold.weekly_demand_monitoring"] > 0


def test_churn_runs_end_to_end(tmp_path) -> None:
    check_results(tmp_path / "out", run_example(tmp_path / "out", "churn"), "churn")


def cell_lines(out, prefix: str, keep) -> list[str]:
    """The printed lines of the executed demo's cells that start with *prefix*, filtered."""
    import nbformat

    notebook = nbformat.read(out / "demand_forecast.executed.ipynb", as_version=4)
    return [
        line
        for cell in notebook.cells
        if cell.cell_type == "code" and cell.source.startswith(prefix)
        for output in cell.get("outputs", [])
        for line in output.get("text", "").splitlines()
        if keep(line)
    ]


def same_results(out, stdout: str, classic_demo, session: str) -> None:
    """The same tables, winner, scoring and drift lines as the classic local run."""
    classic_out, classic_stdout = classic_demo
    rows = check_results(out, stdout, "demand_forecast")
    assert rows == check_results(classic_out, classic_stdout, "demand_forecast")
    spark_line = cell_lines(out, "%load_ext", lambda line: line.startswith("spark: "))
    assert spark_line and session in spark_line[0], spark_line
    for prefix, keep in [
        ("%%modelzoo", lambda line: line.startswith("winner: ")),
        ("%%monitor", lambda line: line.startswith("  ") or "retrain" in line),
        ("%%deploy", lambda line: "rows scored by" in line),
    ]:
        lines = cell_lines(out, prefix, keep)
        assert lines and lines == cell_lines(classic_out, prefix, keep), prefix


@pytest.mark.connect
def test_demand_forecast_on_spark_connect_matches_classic(classic_demo, tmp_path) -> None:
    """The whole demo behind a local Spark Connect server (no SparkContext in the notebook)."""
    stdout = run_example(tmp_path / "out", "demand_forecast", remote="local[2]")
    same_results(tmp_path / "out", stdout, classic_demo, "behind Spark Connect")


@pytest.mark.cluster
def test_demand_forecast_on_a_standalone_cluster_matches_classic(classic_demo, tmp_path) -> None:
    """The whole demo on one master and two workers started here (executors in other JVMs)."""
    from dbx_architect.runtime.cluster import StandaloneCluster

    with StandaloneCluster(workers=2, root=tmp_path / "cluster") as cluster:
        stdout = run_example(tmp_path / "out", "demand_forecast", master=cluster.url)
    same_results(tmp_path / "out", stdout, classic_demo, f"spark: {cluster.url},")
