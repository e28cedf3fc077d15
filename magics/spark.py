"""``%dbx_spark``: a local SparkSession with Delta Lake, put in the notebook as ``spark``."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments

from ..errors import DbxArchitectError, short
from .arguments import parse_line

if TYPE_CHECKING:
    from IPython.core.interactiveshell import InteractiveShell

MAX_WORKERS = 8  # each worker is a JVM with 1 core and 1 GB
# What %dbx_spark can run on: local, local[N], local[*] (with an optional ",retries"), or a
# standalone master spark://host:port. A master URL is not SQL: a pattern is the whole grammar.
MASTER = re.compile(
    r"local(?:\[(?:\*|[1-9][0-9]{0,3})(?:,[1-9][0-9]{0,2})?\])?"
    r"|spark://[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252})?:(?P<port>[0-9]{1,5})"
)


def check_master(value: str, where: str) -> str:
    """*value* when Spark can run on it here, else a one-line ``UsageError``."""
    match = MASTER.fullmatch(value)
    if match is None or (match["port"] is not None and not 0 < int(match["port"]) < 65536):
        raise UsageError(
            f"%dbx_spark: {where}: {short(value)} is not local, local[N], local[*] or "
            "spark://host:port"
        )
    return value


@magics_class
class SparkMagics(Magics):
    """Start or reuse the local runtime."""

    shell: InteractiveShell  # registered by load_ipython_extension, always on a shell
    cluster: Any = None  # the standalone cluster %dbx_spark --workers started

    def _start_cluster(self, workers: int, root: str) -> str:
        import atexit
        from pathlib import Path

        from ..runtime.cluster import StandaloneCluster

        if self.cluster is None:
            self.cluster = StandaloneCluster(workers=workers, root=Path(root) / "cluster")
            self.cluster.start()
            atexit.register(self.cluster.stop)
        return self.cluster.url

    @magic_arguments()
    @argument(
        "--master",
        default=None,
        help="Spark master: local[*] (default), local[2], spark://host:7077 (a standalone "
        "cluster); DBX_SPARK_MASTER sets the default.",
    )
    @argument(
        "--workers",
        type=int,
        default=None,
        help=f"Start a standalone cluster of 1 to {MAX_WORKERS} workers (1 core, 1g each) on "
        "127.0.0.1 and run on it; it stops with the kernel.",
    )
    @argument(
        "--connect",
        action="store_true",
        help="Run the session behind a local Spark Connect server, as serverless and Databricks "
        "Connect do (no SparkContext in the notebook). SPARK_REMOTE=local[...] does the same.",
    )
    @argument(
        "--databricks",
        action="store_true",
        help="A Databricks Connect session (databricks-connect, installed in its own environment): "
        "the code runs on Databricks compute and the magics target Databricks.",
    )
    @argument("--profile", default=None, help="With --databricks: a ~/.databrickscfg profile.")
    @argument("--serverless", action="store_true", help="With --databricks: serverless compute.")
    @argument("--cluster-id", default=None, help="With --databricks: a cluster to run on.")
    @argument(
        "--root",
        default=".dbx_architect",
        help="Folder of the warehouse, metastore, checkpoints and MLflow artifacts.",
    )
    @line_magic
    def dbx_spark(self, line: str) -> Any:
        """Start (or reuse) a local SparkSession with Delta Lake and inject it as ``spark``.

        Tables persist under ./.dbx_architect/ across kernel restarts; MLflow logs to
        ./mlflow.db (SQLite) unless MLFLOW_TRACKING_URI is set.
        """
        args = parse_line(self.dbx_spark, line, "%dbx_spark")
        if args.databricks or args.profile or args.serverless or args.cluster_id:
            spark = databricks_session(args)
            self.shell.push({"spark": spark})
            print(f"spark: Databricks Connect ({'serverless' if args.serverless else 'cluster'})")
            return
        master, connect = _master(args)  # every option is checked before anything starts
        _check_root(args.root)
        from ..runtime.spark import describe, start_local_spark

        try:
            if args.workers is not None:
                master = self._start_cluster(args.workers, args.root)
            spark = start_local_spark(args.root, master, connect=connect)
        except DbxArchitectError as err:
            raise UsageError(str(err)) from None
        except OSError as err:
            raise UsageError(f"%dbx_spark: --root: {err.filename}: {err.strerror}") from None
        self.shell.push({"spark": spark})
        print(describe(spark, args.root))


INSTALL_CONNECT = (
    "%dbx_spark: --databricks needs databricks-connect, which replaces pyspark: install it in "
    "its own environment, e.g. python -m venv .venv-dbc && .venv-dbc/bin/pip install "
    '"databricks-connect==17.3.*" dbx-architect (the version of your cluster\'s runtime), '
    "not next to dbx-architect[local]"
)


def databricks_session(args: Any) -> Any:
    """``DatabricksSession`` from the line's options, or a one-line ``UsageError``."""
    if not args.databricks:
        raise UsageError(
            "%dbx_spark: --profile, --serverless and --cluster-id go with --databricks"
        )
    if args.serverless and args.cluster_id:
        raise UsageError("%dbx_spark: --serverless or --cluster-id, not both")
    if args.master or args.workers is not None or args.connect:
        raise UsageError(
            "%dbx_spark: --databricks runs on Databricks; drop --master, --workers, --connect"
        )
    try:
        from databricks.connect import DatabricksSession
    except ImportError:
        raise UsageError(INSTALL_CONNECT) from None
    builder = DatabricksSession.builder
    if args.profile:
        builder = builder.profile(args.profile)
    if args.serverless:
        builder = builder.serverless()
    elif args.cluster_id:
        builder = builder.clusterId(args.cluster_id)
    try:
        return builder.getOrCreate()
    except Exception as err:  # noqa: BLE001 - auth, network, a missing profile: one line each
        from ..errors import one_line

        raise UsageError(f"%dbx_spark: Databricks Connect: {one_line(str(err))}") from None


def _master(args: Any) -> tuple[str, bool]:
    """The master URL and whether to run behind Spark Connect, from the line or the env."""
    if args.workers is not None:
        if not 1 <= args.workers <= MAX_WORKERS:
            raise UsageError(
                f"%dbx_spark: --workers: give 1 to {MAX_WORKERS} (each worker is a JVM with "
                f"1 core and 1 GB), got {args.workers}"
            )
        if args.master:
            raise UsageError("%dbx_spark: --workers starts its own cluster; drop --master")
    remote = os.environ.get("SPARK_REMOTE", "")
    connect = args.connect or remote.startswith("local")
    if args.master:
        return check_master(args.master, "--master"), connect
    if remote.startswith("local"):
        return check_master(remote, "SPARK_REMOTE"), connect
    default = os.environ.get("DBX_SPARK_MASTER", "local[*]")
    return check_master(default, "DBX_SPARK_MASTER"), connect


def _check_root(root: str) -> None:
    if not root.strip() or any(ord(c) < 32 or ord(c) == 127 for c in root):
        raise UsageError(f"%dbx_spark: --root: {short(root)} cannot name a folder")
    if Path(root).exists() and not Path(root).is_dir():
        raise UsageError(f"%dbx_spark: --root: {short(root)} is a file, not a folder")
