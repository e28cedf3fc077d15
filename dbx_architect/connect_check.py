"""What breaks on Spark Connect (serverless, Standard access mode, Databricks Connect).

A Connect client has no SparkContext, no RDDs and no JVM on its side. :func:`check_source`
reads Python source (a cell, a file, a notebook's code cells) and names every use of those, with
the line and the Connect-safe replacement. ``dbx-architect check`` runs it over files and
notebooks; the tests run it over every cell the magics generate.
"""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass
from pathlib import Path

# attribute -> (what is wrong, what to write instead)
ATTRIBUTES = {
    "sparkContext": (
        "SparkContext does not exist on Spark Connect",
        "SparkSession methods: spark.conf.get/set, spark.range, spark.createDataFrame, "
        "spark.read; spark.version",
    ),
    "rdd": (
        "RDDs do not exist on Spark Connect",
        "DataFrame operations: select/withColumn, mapInPandas, applyInPandas, toPandas",
    ),
    "_jvm": ("the JVM is not reachable from a Connect client", "the public Python API"),
    "_jsparkSession": ("the JVM is not reachable from a Connect client", "the public Python API"),
    "_jsc": ("the JVM is not reachable from a Connect client", "the public Python API"),
    "_jdf": ("the JVM is not reachable from a Connect client", "the public Python API"),
    "_jconf": ("the JVM is not reachable from a Connect client", "spark.conf.get/set"),
}
# methods of SparkContext, flagged on any object but pyspark.sql.functions
SPARK_CONTEXT_METHODS = {
    "parallelize": "spark.createDataFrame(rows, schema) or spark.range(n)",
    "textFile": 'spark.read.text(path) (one row per line, column "value")',
    "wholeTextFiles": 'spark.read.option("wholetext", True).text(path)',
    "accumulator": "an aggregate (df.agg) or an observation (df.observe)",
    "setLogLevel": "the cluster's log4j settings (Connect clients cannot change them)",
    "setCheckpointDir": "df.localCheckpoint() or write the DataFrame to a Delta table",
    "addPyFile": "%pip install or a workspace / volume file on sys.path",
}
NAMES = {
    "SparkContext": ("SparkContext does not exist on Spark Connect", "SparkSession"),
    "SQLContext": ("SQLContext does not exist on Spark Connect", "SparkSession (spark.sql)"),
    "HiveContext": ("HiveContext does not exist on Spark Connect", "SparkSession (spark.sql)"),
}
DELTA_TABLE = (
    "the DeltaTable API needs Delta Connect on the server (Databricks has it; open-source Spark "
    "needs the delta-connect plugin)",
    "SQL works everywhere: MERGE INTO, DELETE FROM, DESCRIBE HISTORY, RESTORE TABLE",
)
FUNCTION_MODULES = {"F", "functions", "sf"}  # F.broadcast and friends are fine
SERVERLESS = (
    "Databricks serverless compute has no DataFrame cache",
    "let each action recompute, or write the rows to a Delta table and read that "
    "(%dbx_config compute=serverless makes the magics do so)",
)


@dataclass(frozen=True)
class Finding:
    line: int
    column: int
    what: str
    instead: str
    severity: str = "error"  # error: fails on Connect; warning: depends on the server

    def format(self, where: str) -> str:
        return f"{where}:{self.line}:{self.column + 1}: {self.what}; Connect-safe: {self.instead}"


def check_source(source: str) -> list[Finding]:
    """Every Connect-incompatible use in *source*, in order (IPython magics are skipped)."""
    lines = ["" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines()]
    tree = ast.parse("\n".join(lines))
    findings: list[Finding] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            base = node.value.id if isinstance(node.value, ast.Name) else None
            if node.attr in ATTRIBUTES:
                findings.append(Finding(node.lineno, node.col_offset, *ATTRIBUTES[node.attr]))
            elif node.attr in SPARK_CONTEXT_METHODS and base not in FUNCTION_MODULES:
                findings.append(
                    Finding(node.lineno, node.col_offset,
                            f".{node.attr}() is a SparkContext method, not on Spark Connect",
                            SPARK_CONTEXT_METHODS[node.attr])
                )  # fmt: skip
            elif node.attr in ("cache", "persist") and base not in FUNCTION_MODULES:
                findings.append(Finding(node.lineno, node.col_offset, *SERVERLESS, "warning"))
            elif base == "DeltaTable":
                findings.append(Finding(node.lineno, node.col_offset, *DELTA_TABLE, "warning"))
        elif isinstance(node, ast.Name) and node.id in NAMES:
            findings.append(Finding(node.lineno, node.col_offset, *NAMES[node.id]))
        elif isinstance(node, ast.ImportFrom) and node.module in ("pyspark", "pyspark.sql"):
            for alias in node.names:
                if alias.name in NAMES:
                    findings.append(Finding(node.lineno, node.col_offset, *NAMES[alias.name]))
    return sorted(set(findings), key=lambda f: (f.line, f.column))


def check_path(path: Path) -> list[tuple[str, Finding]]:
    """Findings of a ``.py`` file or of each code cell of an ``.ipynb`` (``file:cell N``)."""
    if path.suffix == ".ipynb":
        cells = json.loads(path.read_text()).get("cells", [])
        found = []
        for number, cell in enumerate(cells, 1):
            if cell.get("cell_type") == "code":
                source = "".join(cell.get("source", ""))
                found += [(f"{path}:cell {number}", f) for f in check_source(source)]
        return found
    return [(str(path), f) for f in check_source(path.read_text())]
