"""``%dbx_spark``: one local SparkSession with Delta Lake and a metastore that persists."""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import RuntimeSetupError
from . import jars

DELTA_CONF = {
    "spark.sql.extensions": "io.delta.sql.DeltaSparkSessionExtension",
    "spark.sql.catalog.spark_catalog": "org.apache.spark.sql.delta.catalog.DeltaCatalog",
}


@dataclass(frozen=True)
class LocalRuntime:
    """Where the local runtime keeps its state: one folder, default ``./.dbx_architect``."""

    root: Path

    @property
    def warehouse(self) -> Path:
        return self.root / "warehouse"

    @property
    def metastore(self) -> Path:
        return self.root / "metastore"

    @property
    def mlflow_uri(self) -> str:
        return f"sqlite:///{self.root.parent / 'mlflow.db'}"

    @property
    def artifacts(self) -> Path:
        return self.root / "mlruns"


def find_java() -> str:
    """The ``java`` Spark will use, or a message saying what to install."""
    home = os.environ.get("JAVA_HOME")
    if home and (Path(home) / "bin" / "java").exists():
        return str(Path(home) / "bin" / "java")
    found = shutil.which("java")
    if not found:
        raise RuntimeSetupError(
            "Java was not found: Spark needs a Java 17 or 21 runtime. Install one "
            "(apt-get install openjdk-17-jre-headless, brew install openjdk@17) or set JAVA_HOME."
        )
    return found


def _check_python_packages(connect: bool = False) -> None:
    for distribution in ("pyspark", "delta-spark"):
        jars.installed_version(distribution)
    if connect and importlib.util.find_spec("grpc") is None:
        raise RuntimeSetupError(
            "--connect needs the Spark Connect client (grpcio, zstandard...): "
            "pip install 'pyspark[connect]', which dbx-architect[local] includes"
        )


# Spark's JVM writes to the kernel's stderr, which front ends show in the cell: keep it to errors.
LOG4J = """\
rootLogger.level = error
rootLogger.appenderRef.console.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n
# The Hive metastore logs an error for CREATE SCHEMA IF NOT EXISTS on an existing schema.
logger.hms.name = org.apache.hadoop.hive.metastore.RetryingHMSHandler
logger.hms.level = off
logger.hive.name = org.apache.hadoop.hive.metastore.ObjectStore
logger.hive.level = off
# Spark ML's least squares falls back to L-BFGS when one-hot columns make the normal equations
# singular; breeze logs each line-search restart of that fallback as an error.
logger.breeze.name = breeze.optimize
logger.breeze.level = off
"""


def session_conf(runtime: LocalRuntime, master: str, coordinate: str) -> dict[str, str]:
    """Every setting of the local session, in one place (the tests read it too)."""
    java_opts = (
        f"-Dderby.system.home={runtime.metastore} "
        f"-Dderby.stream.error.file={runtime.metastore / 'derby.log'} "
        f"-Dlog4j2.configurationFile=file:{runtime.root / 'log4j2.properties'}"
    )
    return {
        "spark.master": master,
        "spark.app.name": "dbx_architect",
        **DELTA_CONF,
        **jars.jar_conf(coordinate),
        "spark.sql.catalogImplementation": "hive",
        "spark.sql.warehouse.dir": str(runtime.warehouse),
        "spark.driver.extraJavaOptions": java_opts,
        "spark.driver.host": "127.0.0.1",
        "spark.driver.bindAddress": "127.0.0.1",
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.shuffle.partitions": "8",
        "spark.databricks.delta.snapshotPartitions": "2",
        "spark.sql.session.timeZone": "UTC",
    }


def start_local_spark(
    root: str | Path = ".dbx_architect", master: str = "local[*]", connect: bool = False
) -> Any:
    """Start (or reuse) the local SparkSession with Delta, and point MLflow at SQLite.

    With *connect* the same session runs behind a local Spark Connect server (what serverless,
    Standard access mode and Databricks Connect give): the notebook gets a Connect client.
    """
    runtime = LocalRuntime(Path(root).resolve())
    find_java()
    _check_python_packages(connect)
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None and is_connect(active) == connect:
        return active
    if active is not None:
        kind = "Spark Connect" if is_connect(active) else "classic"
        raise RuntimeSetupError(
            f"a {kind} session is already running in this kernel; restart the kernel to switch"
        )
    for folder in (runtime.warehouse, runtime.metastore, runtime.artifacts):
        folder.mkdir(parents=True, exist_ok=True)
    (runtime.root / "log4j2.properties").write_text(LOG4J)
    os.environ.setdefault("MLFLOW_TRACKING_URI", runtime.mlflow_uri)
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    # Python workers (UDFs, mlflow's spark_udf) run this interpreter, with the notebook's packages.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    coordinate = jars.delta_coordinate()
    try:
        spark = _build(runtime, master, coordinate, connect)
    except Exception as err:  # the JVM exits when Ivy cannot resolve the Delta jars
        if jars.cached_jars(coordinate):
            raise RuntimeSetupError(f"Spark did not start: {err}") from err
        jars.fetch_with_maven(coordinate)
        spark = _build(runtime, master, coordinate, connect)
    jars.remember_jars(coordinate, spark.conf.get("spark.jars", ""))
    if not connect:
        spark.sparkContext.setLogLevel("ERROR")
    return spark


def is_connect(spark: Any) -> bool:
    """True for a Spark Connect client session (no SparkContext, no JVM on this side)."""
    from .databricks_connect import is_connect_session

    return is_connect_session(spark)


def _build(runtime: LocalRuntime, master: str, coordinate: str, connect: bool = False) -> Any:
    from pyspark.sql import SparkSession

    conf = session_conf(runtime, master, coordinate)
    if connect:  # pyspark starts the server in this process, then connects to it
        builder = SparkSession.builder.remote(conf.pop("spark.master"))
        for key, value in conf.items():
            builder = builder.config(key, value)
        with warnings.catch_warnings():  # static settings went to the server; not per session
            warnings.filterwarnings("ignore", message="Failed to set spark")
            return builder.getOrCreate()
    builder = SparkSession.builder
    for key, value in conf.items():
        builder = builder.config(key, value)
    return builder.enableHiveSupport().getOrCreate()


def describe(spark: Any, runtime_root: str | Path = ".dbx_architect") -> str:
    """One line saying what the session is and where its state lives."""
    runtime = LocalRuntime(Path(runtime_root).resolve())
    return (
        f"spark: {spark.conf.get('spark.master')}"
        + (" behind Spark Connect" if is_connect(spark) else "")
        + f", Spark {spark.version}, "
        f"Delta {jars.installed_version('delta-spark')}; tables in {runtime.warehouse}; "
        f"MLflow {os.environ.get('MLFLOW_TRACKING_URI', runtime.mlflow_uri)}"
    )
