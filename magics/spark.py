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

    @magic_arguments()
    @argument(
        "--master",
        default=None,
        help="Spark master: local[*] (default), local[2], spark://host:7077 (standalone).",
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
        master = args.master or (remote if remote.startswith("local") else "local[*]")
        try:
            spark = start_local_spark(args.root, master, connect=connect)
        except DbxArchitectError as err:
            raise UsageError(str(err)) from None
        self.shell.push({"spark": spark})
        print(describe(spark, args.root))
