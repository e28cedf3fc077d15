"""The model zoo's Spark engine, %%deploy and %%monitor on Spark Connect and on a standalone
cluster (executors in other JVMs), each in a fresh process, against the same job on this test
run's classic session: the same folds, leaderboard, winner, predictions and drift statistics."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys

import pytest
from conftest import ROOT
from spark_engine_job import run_job

pytestmark = pytest.mark.spark
JOB = ROOT / "tests" / "spark_engine_job.py"


def selected(request, marker: str) -> bool:
    """Whether this run selected this module's test marked *marker*."""
    return any(
        item.module is request.module and item.get_closest_marker(marker)
        for item in request.session.items
    )


@pytest.fixture(scope="module")
def remote_jobs(request, tmp_path_factory):
    """The selected engines' jobs, started side by side; ``{engine: subprocess.Popen}``."""
    from dbx_architect.runtime.cluster import StandaloneCluster

    unset = ("SPARK_REMOTE", "DBX_SPARK_MASTER", "MLFLOW_TRACKING_URI")
    base = {k: v for k, v in os.environ.items() if k not in unset}
    with contextlib.ExitStack() as stack:
        engines = {}
        if selected(request, "connect"):
            engines["connect"] = {"SPARK_REMOTE": "local[2]"}
        if selected(request, "cluster"):
            root = tmp_path_factory.mktemp("cluster")
            cluster = stack.enter_context(StandaloneCluster(workers=2, root=root))
            engines["cluster"] = {"DBX_SPARK_MASTER": cluster.url}
        jobs = {}
        for engine, env in engines.items():
            out = tmp_path_factory.mktemp(engine)
            jobs[engine] = subprocess.Popen(
                [sys.executable, str(JOB), str(out)],
                stdout=subprocess.PIPE,
                stderr=(out / "stderr.log").open("w"),
                text=True,
                env={**base, **env},
                cwd=out,
            )
            jobs[engine].stderr_path = out / "stderr.log"
        yield jobs
        for job in jobs.values():
            job.kill()
            job.wait()


@pytest.fixture(scope="module")
def classic_job(ip_session, remote_jobs, tmp_path_factory, spark):
    """The same job on the test run's classic local[2] session (while the others run)."""
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
            return run_job(shell)
        finally:
            shell.user_ns.pop("spark", None)
            spark.sql("DROP SCHEMA IF EXISTS spark_catalog.gold_engines CASCADE")


def finished(job) -> dict:
    stdout, _ = job.communicate(timeout=900)
    assert job.returncode == 0, job.stderr_path.read_text()[-3000:]
    lines = [line for line in stdout.splitlines() if line.startswith("RESULT ")]
    assert lines, stdout[-2000:]
    return json.loads(lines[-1].removeprefix("RESULT "))


def same_as_classic(result: dict, classic: dict) -> None:
    assert classic["session"] == "pyspark.sql.session"
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
    assert len(result["monitoring"]) == len(classic["monitoring"])
    for got, expected in zip(result["monitoring"], classic["monitoring"], strict=True):
        assert got[:2] == expected[:2] and got[3] == expected[3]
        assert got[2] == pytest.approx(expected[2], rel=1e-9, abs=1e-12), got


@pytest.mark.connect
def test_spark_engine_zoo_deploy_monitor_on_spark_connect(remote_jobs, classic_job) -> None:
    result = finished(remote_jobs["connect"])
    assert result["session"] == "pyspark.sql.connect.session"
    same_as_classic(result, classic_job)


@pytest.mark.cluster
def test_spark_engine_zoo_deploy_monitor_on_a_standalone_cluster(remote_jobs, classic_job) -> None:
    result = finished(remote_jobs["cluster"])
    assert result["session"] == "pyspark.sql.session"
    assert result["master"].startswith("spark://127.0.0.1:")
    same_as_classic(result, classic_job)
