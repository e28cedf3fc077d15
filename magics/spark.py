"""``%dbx_spark``: a local SparkSession with Delta Lake, put in the notebook as ``spark``."""

from __future__ import annotations

import os
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring

from ..errors import DbxArchitectError


@magics_class
class SparkMagics(Magics):
    """Start or reuse the local runtime."""

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
        default=0,
        help="Start a standalone cluster of this many workers (1 core, 1g each) on 127.0.0.1 "
        "and run on it; it stops with the kernel.",
    )
    @argument(
        "--connect",
        action="store_true",
        help="Run the session behind a local Spark Connect server, as serverless and Databricks "
        "Connect do (no SparkContext in the notebook). SPARK_REMOTE=local[...] does the same.",
    )
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
        args = parse_argstring(self.dbx_spark, line)
        from ..runtime.spark import describe, start_local_spark

        remote = os.environ.get("SPARK_REMOTE", "")
        connect = args.connect or remote.startswith("local")
        master = (
            args.master
            or (remote if remote.startswith("local") else None)
            or os.environ.get("DBX_SPARK_MASTER", "local[*]")
        )
        try:
            if args.workers:
                master = self._start_cluster(args.workers, args.root)
            spark = start_local_spark(args.root, master, connect=connect)
        except DbxArchitectError as err:
            raise UsageError(str(err)) from None
        self.shell.push({"spark": spark})
        print(describe(spark, args.root))
