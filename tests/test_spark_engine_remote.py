"""The model zoo's Spark engine, %%deploy and %%monitor behind Spark Connect, in a fresh process,
against the same job on this test run's classic session: the same folds, leaderboard, winner,
predictions and drift statistics. The job also runs on a standalone cluster
(`DBX_SPARK_MASTER=spark://... python tests/spark_engine_job.py OUT`); that comparison is kept out
of the suite for time (the suite's cluster test runs the expanded demand outline there)."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from conftest import CONNECT_ON_A_FREE_PORT, ROOT, background_job, job_env, run_process
from spark_engine_job import run_job

pytestmark = pytest.mark.spark
JOB = ROOT / "tests" / "spark_engine_job.py"


def run_elsewhere(out, **env) -> dict:
    """The job in a fresh process whose %dbx_spark *env* points at another engine."""
    out.mkdir(parents=True, exist_ok=True)
    unset = ("SPARK_REMOTE", "DBX_SPARK_MASTER", "MLFLOW_TRACKING_URI")
    with (out / "job.log").open("w") as log:  # a file: a full pipe would stall the job
        job = run_process(
            [sys.executable, str(JOB), str(out)],
            timeout=900,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=job_env(unset, **env),
            cwd=out,
        )
    assert job.returncode == 0, (out / "job.log").read_text()[-3000:]
    return json.loads((out / "result.json").read_text())


@background_job
def engine_job_on_connect(folder) -> dict:
    """Started with the session, beside the in-process tests (conftest.py's background jobs)."""
    return run_elsewhere(folder, SPARK_REMOTE="local[2]", **CONNECT_ON_A_FREE_PORT)


# session-scoped: the connect test that reads it runs last, after other modules
@pytest.fixture(scope="session")
def classic_job(ip_session, tmp_path_factory, spark):
    """The same job on the test run's classic local[2] session."""
    import mlflow

    root = tmp_path_factory.mktemp("classic")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        patch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{root / 'mlflow.db'}")
        mlflow.set_tracking_uri(f"sqlite:///{root / 'mlflow.db'}")
        shell = ip_session
        if "dbx_architect" in shell.extension_manager.loaded:
            shell.run_line_magic("unload_ext", "dbx_architect")
        shell.config.pop("DbxArchitect", None)
        shell.run_line_magic("load_ext", "dbx_architect")
        shell.push({"spark": spark})
        try:
            return json.loads(json.dumps(run_job(shell)))  # as the other jobs' result.json
        finally:
            shell.user_ns.pop("spark", None)
            spark.sql("DROP SCHEMA IF EXISTS spark_catalog.gold_engines CASCADE")


def test_spark_engine_job_on_classic_spark(classic_job) -> None:
    """%%deploy, its gate and %%monitor's baseline score with the pipeline's own transform."""
    result = classic_job
    assert result["session"] == "pyspark.sql.session"
    assert result["flavors"] == ["python_function", "spark"]
    assert result["winner"] != "baseline"
    ids = sorted(result["own"])
    assert sorted(result["predictions"]) == ids
    predicted = np.array([result["predictions"][i] for i in ids])
    own, units = np.array([result["own"][i] for i in ids]).T
    assert predicted == pytest.approx(own, rel=1e-12)
    rmse = float(np.sqrt(np.mean((own - units) ** 2)))
    assert result["gate_rmse"] == pytest.approx([rmse, rmse])
    # the baseline (the training table at its version) scored as %%deploy scored it: PSI 0
    psi = [v for f, s, v, _ in result["monitoring"] if (f, s) == ("prediction", "psi")]
    assert psi == pytest.approx([0.0], abs=1e-12)
    assert not [row for row in result["monitoring"] if row[3]]


def same_as_classic(result: dict, classic: dict) -> None:
    assert result["flavors"] == classic["flavors"] == ["python_function", "spark"]
    assert result["fold_hash"] == classic["fold_hash"]
    assert result["winner"] == classic["winner"] != "baseline"
    assert result["cv_rmse"].keys() == classic["cv_rmse"].keys()
    for model, rmse in classic["cv_rmse"].items():
        assert result["cv_rmse"][model] == pytest.approx(rmse, rel=1e-9), model
    assert result["predictions"].keys() == classic["predictions"].keys()
    ids = sorted(classic["predictions"])
    assert [result["predictions"][i] for i in ids] == pytest.approx(
        [classic["predictions"][i] for i in ids], rel=1e-9
    )
    assert result["gate_rmse"] == pytest.approx(classic["gate_rmse"], rel=1e-9)
    assert len(result["monitoring"]) == len(classic["monitoring"])
    for got, expected in zip(result["monitoring"], classic["monitoring"], strict=True):
        assert got[:2] == expected[:2] and got[3] == expected[3]
        assert got[2] == pytest.approx(expected[2], rel=1e-9, abs=1e-12), got


@pytest.mark.connect
@pytest.mark.background("engine_job_on_connect")
def test_spark_engine_zoo_deploy_monitor_on_spark_connect(classic_job, background) -> None:
    result = background.result("engine_job_on_connect")
    assert result["session"] == "pyspark.sql.connect.session"
    same_as_classic(result, classic_job)
