"""The example notebooks, executed end to end as the README's first command runs them (nbclient)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import CONNECT_ON_A_FREE_PORT, ROOT, background_job, job_env, run_process

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
    env = job_env(unset=("SPARK_REMOTE", "DBX_SPARK_MASTER", "MLFLOW_TRACKING_URI"))
    if remote:
        env["SPARK_REMOTE"] = remote  # %dbx_spark then starts a local Spark Connect server
        env.update(CONNECT_ON_A_FREE_PORT)
    if master:
        env["DBX_SPARK_MASTER"] = master  # %dbx_spark's default master
    result = run_process(
        [sys.executable, str(ROOT / "examples" / "run_demo.py"), str(out), example],
        timeout=1200,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


# The runs start with the session, one at a time beside the in-process tests (conftest.py's
# background jobs); each returns its output folder and stdout.


@background_job
def classic_demo(folder: Path) -> tuple[Path, str]:
    return folder / "out", run_example(folder / "out", "demand_forecast")


@background_job
def churn_demo(folder: Path) -> tuple[Path, str]:
    return folder / "out", run_example(folder / "out", "churn")


@background_job
def connect_demo(folder: Path) -> tuple[Path, str]:
    """The whole demo behind a local Spark Connect server (no SparkContext in the notebook)."""
    return folder / "out", run_example(folder / "out", "demand_forecast", remote="local[2]")


@background_job
def cluster_demo(folder: Path) -> tuple[Path, str, str]:
    """The whole demo on one master and two workers started here (executors in other JVMs)."""
    from dbx_architect.runtime.cluster import StandaloneCluster

    # C1 only in the cluster's JVMs too, as in every other JVM of the test run (conftest.py)
    java = job_env().get("SPARK_SUBMIT_OPTS", "")
    with StandaloneCluster(workers=2, root=folder / "cluster", java_options=java) as cluster:
        stdout = run_example(folder / "out", "demand_forecast", master=cluster.url)
    return folder / "out", stdout, cluster.url


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


@pytest.mark.background("classic_demo")
def test_demand_forecast_runs_end_to_end(background) -> None:
    out, stdout = background.result("classic_demo")
    rows = check_results(out, stdout, "demand_forecast")
    assert (
        rows["spark_catalog.gold.weekly_demand_predictions"]
        == rows["spark_catalog.gold.weekly_demand"]
    )
    assert rows["spark_catalog.gold.weekly_demand_monitoring"] > 0


@pytest.mark.background("churn_demo")
def test_churn_runs_end_to_end(background) -> None:
    check_results(*background.result("churn_demo"), "churn")


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


def same_results(out, stdout: str, classic: tuple, session: str) -> None:
    """The same tables, winner, scoring and drift lines as the classic local run."""
    classic_out, classic_stdout = classic
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
@pytest.mark.background("classic_demo", "connect_demo")
def test_demand_forecast_on_spark_connect_matches_classic(background) -> None:
    """The whole demo behind a local Spark Connect server (no SparkContext in the notebook)."""
    out, stdout = background.result("connect_demo")
    same_results(out, stdout, background.result("classic_demo"), "behind Spark Connect")


@pytest.mark.cluster
@pytest.mark.background("classic_demo", "cluster_demo")
def test_demand_forecast_on_a_standalone_cluster_matches_classic(background) -> None:
    """The whole demo on one master and two workers started here (executors in other JVMs)."""
    out, stdout, url = background.result("cluster_demo")
    same_results(out, stdout, background.result("classic_demo"), f"spark: {url},")
