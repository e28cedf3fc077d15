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
    """The README's demo: the demand forecast on a classic local session."""
    return folder / "out", run_example(folder / "out", "demand_forecast")


@background_job
def connect_demo(folder: Path) -> tuple[Path, str]:
    """The churn example behind a local Spark Connect server (no SparkContext in the notebook).

    Each example runs once per test run: the demand forecast on classic Spark, churn behind
    Connect, the expanded outline on a standalone cluster (tests/test_outline.py).
    """
    return folder / "out", run_example(folder / "out", "churn", remote="local[2]")


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


@pytest.mark.connect
@pytest.mark.background("connect_demo")
def test_churn_runs_end_to_end_behind_spark_connect(background) -> None:
    out, stdout = background.result("connect_demo")
    check_results(out, stdout, "churn")
    spark_line = cell_lines(out, "churn", "%load_ext", lambda line: line.startswith("spark: "))
    assert spark_line and "behind Spark Connect" in spark_line[0], spark_line


def cell_lines(out, example: str, prefix: str, keep) -> list[str]:
    """The printed lines of the executed example's cells that start with *prefix*, filtered."""
    import nbformat

    notebook = nbformat.read(out / f"{example}.executed.ipynb", as_version=4)
    return [
        line
        for cell in notebook.cells
        if cell.cell_type == "code" and cell.source.startswith(prefix)
        for output in cell.get("outputs", [])
        for line in output.get("text", "").splitlines()
        if keep(line)
    ]
