"""The import lines of a generated cell, computed from the names its code uses.

Templates write no imports. After rendering, :func:`add_imports` reads the code's syntax tree,
keeps the free names it finds in a table of known imports, and puts their import statements on
top, grouped and ordered the way isort (and ruff's ``I`` rules) order them. A cell therefore
imports exactly what it uses, whatever branch of a template produced it.

An entry of a table is ``"module"`` (``import module``), ``"module:name"`` (``from module import
name``), either with ``" as alias"``; the key is the name the code uses.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterable, Mapping


def _table(entries: Iterable[str]) -> dict[str, str]:
    """Entries by the name each binds in the cell."""
    return {entry.rsplit(" as ", 1)[-1].split(":")[-1].split(".")[0]: entry for entry in entries}


# What any generated cell may use.
COMMON = _table(
    [
        "datetime",
        "math",
        "os",
        "time",
        "concurrent.futures:ThreadPoolExecutor",
        "concurrent.futures:as_completed",
        "pathlib:Path",
        "cloudpickle",
        "mlflow",
        "numpy as np",
        "pandas as pd",
        "pyspark",
        "sklearn",
        "databricks.sdk:WorkspaceClient",
        "databricks.sdk.errors:NotFound",
        "databricks.sdk.service.dataquality:AggregationGranularity",
        "databricks.sdk.service.dataquality:DataProfilingConfig",
        "databricks.sdk.service.dataquality:InferenceLogConfig",
        "databricks.sdk.service.dataquality:InferenceProblemType",
        "databricks.sdk.service.dataquality:Monitor",
        "databricks.sdk.service.catalog:MonitorInferenceLog",
        "databricks.sdk.service.catalog:MonitorInferenceLogProblemType",
        "matplotlib.figure:Figure",
        "mlflow:MlflowClient",
        "mlflow.models:infer_signature",
        "pyspark:pipelines as dp",
        "pyspark.ml.evaluation:BinaryClassificationEvaluator",
        "pyspark.ml.evaluation:MulticlassClassificationEvaluator",
        "pyspark.ml.evaluation:RegressionEvaluator",
        "pyspark.ml.feature:Bucketizer",
        "pyspark.sql:functions as F",
        "pyspark.sql.types:NumericType",
        "pyspark.sql.window:Window",
        "pyspark.util:inheritable_thread_target",
        "scipy.stats:kstwo",
    ]
)

# Names that mean different classes under the two model zoo engines.
ENGINES = {
    "sklearn": _table(
        [
            "joblib:Parallel",
            "joblib:delayed",
            "sklearn.base:clone",
            "sklearn.compose:ColumnTransformer",
            "sklearn.impute:SimpleImputer",
            "sklearn.metrics:get_scorer",
            "sklearn.model_selection:PredefinedSplit",
            "sklearn.model_selection:cross_validate",
            "sklearn.pipeline:Pipeline",
            "sklearn.pipeline:make_pipeline",
            "sklearn.preprocessing:OneHotEncoder",
            "sklearn.preprocessing:StandardScaler",
        ]
    ),
    "spark": _table(
        [
            "pyspark.ml:Pipeline",
            "pyspark.ml.feature:Imputer",
            "pyspark.ml.feature:IndexToString",
            "pyspark.ml.feature:OneHotEncoder",
            "pyspark.ml.feature:SQLTransformer",
            "pyspark.ml.feature:StandardScaler",
            "pyspark.ml.feature:StringIndexer",
            "pyspark.ml.feature:VectorAssembler",
            "pyspark.ml.functions:vector_to_array",
        ]
    ),
}


def known(extra: Iterable[str] = ()) -> dict[str, str]:
    """The common table plus *extra* entries (which win on a clash)."""
    return {**COMMON, **_table(extra)}


def free_names(tree: ast.AST) -> set[str]:
    """Names the code reads but never binds: what must come from an import (or the notebook)."""
    read: set[str] = set()
    bound: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (read if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
        elif isinstance(node, ast.alias):
            bound.add((node.asname or node.name).split(".")[0])
    return read - bound


def _top_module(entry: str) -> str:
    return entry.split(" ")[0].split(":")[0].split(".")[0]


def _sort_key(module: str) -> tuple[str, str]:
    return module.lower(), module


def _from_key(item: tuple[tuple[str, bool], list[str]]) -> tuple[tuple[str, str], bool]:
    (module, renamed), _ = item
    return _sort_key(module), renamed


def _member_key(member: str) -> tuple[int, str]:
    """isort's order by type: CONSTANTS, then Classes, then everything else."""
    name = member.split(" as ")[0]
    kind = 0 if name.isupper() and len(name) > 1 else 1 if name[:1].isupper() else 2
    return kind, name


def import_lines(entries: Iterable[str]) -> list[str]:
    """Import statements for *entries*: standard library, a blank line, then the rest."""
    entries = list(entries)
    sections: list[list[str]] = []
    for stdlib in (True, False):
        chosen = [e for e in entries if (_top_module(e) in sys.stdlib_module_names) is stdlib]
        straight = sorted({e for e in chosen if ":" not in e}, key=_sort_key)
        members: dict[tuple[str, bool], list[str]] = {}
        for entry in dict.fromkeys(e for e in chosen if ":" in e):
            module, member = entry.split(":")
            members.setdefault((module, " as " in member), []).append(member)
        froms = [
            f"from {module} import {', '.join(sorted(names, key=_member_key))}"
            for (module, _), names in sorted(members.items(), key=_from_key)
        ]
        lines = [f"import {e}" for e in straight] + froms
        if lines:
            sections.append(lines)
    return [line for i, s in enumerate(sections) for line in ([""] if i else []) + s]


def add_imports(code: str, table: Mapping[str, str]) -> str:
    """*code* with the imports of the names it uses from *table* on top (under its leading
    comment lines, which describe the whole cell)."""
    used = free_names(ast.parse(code))
    lines = import_lines(table[name] for name in sorted(used) if name in table)
    if not lines:
        return code
    body = code.split("\n")
    header = next((i for i, line in enumerate(body) if not line.startswith("#")), len(body))
    return "\n".join([*body[:header], *lines, "", *body[header:]])
