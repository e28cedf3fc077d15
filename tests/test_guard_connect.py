"""The guard's runtime layer on Spark Connect's classes (serverless, Databricks Connect).

The wrappers sit on the client classes and judge before the original method runs, so a
stopped call never reaches a server: the real classes are exercised here without one.
"""

from __future__ import annotations

import pytest
from conftest import run

pytest.importorskip("grpc")


def stopped(shell, cell: str) -> str:
    """The runtime layer stopped the call: the static check could not read the cell."""
    result = run(shell, cell)
    assert result.error_before_exec is None, result.error_before_exec
    assert "before it ran" in str(result.error_in_exec), result.error_in_exec
    return str(result.error_in_exec)


def test_connect_sql_and_writers_are_guarded_until_off(shell) -> None:
    from pyspark.sql.connect import readwriter, session

    original_sql = session.SparkSession.__dict__["sql"]
    shell.push({"build": lambda *parts: " ".join(parts)})
    run(shell, "import pyspark.sql.connect.session")
    run(shell, "%guard on")
    try:
        text = stopped(
            shell,
            "from pyspark.sql.connect.session import SparkSession\n"
            "SparkSession.sql(None, build('DROP', 'TABLE', 'main.gold.sales'))",
        )
        assert "stopped drop main.gold.sales (SparkSession.sql)" in text
        text = stopped(
            shell,
            "from pyspark.sql.connect.readwriter import DataFrameWriter\n"
            "writer = DataFrameWriter(None, None)\n"
            "writer.mode(build('overwrite')).saveAsTable('main.gold.sales')",
        )
        assert "main.gold.sales" in text and "saveAsTable" in text
        text = stopped(
            shell,
            "from pyspark.sql.connect.readwriter import DataFrameWriterV2\n"
            "DataFrameWriterV2(None, None, build('main.gold.sales')).createOrReplace()",
        )
        assert "main.gold.sales (DataFrameWriterV2.createOrReplace)" in text
    finally:
        run(shell, "%guard off")
    assert session.SparkSession.__dict__["sql"] is original_sql
    assert "mode" in readwriter.DataFrameWriter.__dict__
