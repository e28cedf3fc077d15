"""Findings of the review of Databricks-target code against the documentation (issue 17), each
with the test that would have caught it. No workspace: the rendered cells are read as code."""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

import pytest

from dbx_architect.outline import plan_from_text
from dbx_architect.outline.notebook import cells
from dbx_architect.settings import DbxArchitect, Settings

ROOT = Path(__file__).resolve().parent.parent
DATABRICKS_GOLDENS = sorted((ROOT / "tests" / "golden").rglob("*.databricks.py"))
OWNED = [p for p in DATABRICKS_GOLDENS if "SET OWNER" in p.read_text()]
REQUIREMENTS = sorted((ROOT / "examples" / "requirements").glob("*.yaml"))
WRITES = ("MERGE ", ".saveAsTable(", ".toTable(", ".writeTo(", "foreachBatch(")


def _sql_calls(source: str) -> list[tuple[int, str]]:
    """(line, text) of every spark.sql(...) whose argument is a string (f-string parts joined)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and ast.unparse(node.func) == "spark.sql" and node.args:
            found.append((node.lineno, ast.unparse(node.args[0])))
    return found


@pytest.mark.parametrize("path", OWNED, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_ownership_moves_after_every_write_and_only_when_it_changes(path: Path) -> None:
    source = path.read_text()
    owners = [line for line, sql in _sql_calls(source) if "SET OWNER" in sql]
    lines = source.splitlines()
    last_write = max(i for i, text in enumerate(lines, 1) if any(w in text for w in WRITES))
    assert min(owners) > last_write, f"SET OWNER on line {min(owners)}, a write on {last_write}"
    guard = lines[min(owners) - 2].strip()
    assert guard.startswith("if owner_row is None or owner_row["), guard


def _databricks_settings() -> Settings:
    return Settings.from_config(DbxArchitect(), "databricks")


@pytest.mark.parametrize("path", REQUIREMENTS, ids=lambda p: p.stem)
def test_outline_grants_are_usable_and_schema_ownership_moves_last(path: Path) -> None:
    the_plan = plan_from_text(path.read_text(), _databricks_settings())
    sources = [source for kind, source in cells(the_plan, expanded=True) if kind == "code"]
    statements = [sql for source in sources for _, sql in _sql_calls(source)]
    grants = [
        re.match(r"'GRANT (.+) ON (CATALOG|SCHEMA) (\S+) TO `(.+)`'", sql) for sql in statements
    ]
    held = {(m[1], m[2], m[3], m[4]) for m in grants if m}
    assert held, "the example names readers or an ML group"
    for privilege, kind, name, who in held:
        if kind == "SCHEMA" and privilege != "USE SCHEMA":
            assert ("USE SCHEMA", "SCHEMA", name, who) in held or privilege == "ALL PRIVILEGES"
            catalog = name.split(".")[0]
            assert ("USE CATALOG", "CATALOG", catalog, who) in held, (privilege, name, who)
    owner_cells = [i for i, source in enumerate(sources) if "ALTER SCHEMA {schema} OWNER" in source]
    writing = [i for i, source in enumerate(sources) if any(w in source for w in WRITES)]
    assert owner_cells and min(owner_cells) > max(writing)


ZOO_GOLDENS = sorted((ROOT / "tests" / "golden" / "modelzoo").glob("*.py"))


def _calls(source: str, suffix: str) -> list[ast.Call]:
    return [
        node
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call) and ast.unparse(node.func).endswith(suffix)
    ]


@pytest.mark.parametrize("path", ZOO_GOLDENS, ids=lambda p: p.stem)
def test_log_model_works_on_mlflow_2_and_3(path: Path) -> None:
    """Databricks Runtime ML LTS still ships MLflow 2 (artifact_path=); MLflow 3 wants name=."""
    source = path.read_text()
    (call,) = _calls(source, ".log_model")
    keywords = {k.arg for k in call.keywords}
    assert "name" not in keywords, "name= alone fails on MLflow 2"
    assert "registered_model_name" not in keywords  # ModelInfo has no version on MLflow < 2.14
    if "artifact_path" not in keywords:
        assert None in keywords and "mlflow.__version__" in source, "** chosen by MLflow version"
        namespace: dict[str, object] = {}
        chooser = [line.strip() for line in source.splitlines() if "location = " in line]
        for major in ("2.13.1", "3.17.2"):
            exec(  # the cell's own two lines, with a given MLflow version
                f"mlflow_3 = int({major!r}.split('.')[0]) >= 3\n{chooser[0]}", namespace
            )
            expected = "name" if major.startswith("3") else "artifact_path"
            assert set(namespace["location"]) == {expected}  # type: ignore[call-overload]


@pytest.mark.parametrize(
    "path", [p for p in ZOO_GOLDENS if "databricks" in p.name], ids=lambda p: p.stem
)
def test_unity_catalog_models_get_their_schema_and_experiments_their_folder(path: Path) -> None:
    source = path.read_text()
    lines = source.splitlines()
    registers = [c.lineno for c in _calls(source, "mlflow.register_model")]
    if registers:
        schema_lines = [
            line for line, sql in _sql_calls(source) if "CREATE SCHEMA IF NOT EXISTS main.ml" in sql
        ]
        assert schema_lines and min(schema_lines) < min(registers)
    (create,) = _calls(source, "mlflow.create_experiment")
    folder = [c.lineno for c in _calls(source, "workspace.mkdirs")]
    assert folder and folder[0] < create.lineno, lines[create.lineno - 1]


MONITORED = """
time_col: day
window: week
label: units
{label_table}keys: [store, item, day]
lakehouse_monitoring: true
"""


@pytest.mark.parametrize("label_table", [True, False], ids=["label_table", "label_column"])
def test_lakehouse_monitoring_label_problem_type_and_current_api(label_table: bool) -> None:
    """label_col only when the scored table holds the label; the problem type from the model's
    task; the data-quality API when the SDK has it, the quality monitors API otherwise."""
    dataquality = pytest.importorskip("databricks.sdk.service.dataquality")
    catalog = pytest.importorskip("databricks.sdk.service.catalog")
    body = MONITORED.format(
        label_table="label_table: weekly_demand_actuals\n" if label_table else ""
    )
    from dbx_architect.expand import expand

    code = expand("monitor", "demand", "demand", body, _databricks_settings()).code
    labels = {
        ast.unparse(k.value)
        for call in _calls(code, "")
        for k in call.keywords
        if k.arg in ("label_column", "label_col")
    }
    assert labels == ({"None"} if label_table else {"'units'"})
    assert 'trained.data.params.get("task") == "classification"' in code
    assert 'hasattr(workspace, "data_quality")' in code
    for name, where in (
        ("InferenceLogConfig", dataquality),
        ("DataProfilingConfig", dataquality),
        ("Monitor", dataquality),
        ("MonitorInferenceLog", catalog),
    ):
        (call,) = [c for c in _calls(code, name) if ast.unparse(c.func) == name]
        keywords = {k.arg: None for k in call.keywords}
        inspect.signature(getattr(where, name)).bind(**keywords)  # a wrong keyword raises
    assert "AggregationGranularity.AGGREGATION_GRANULARITY_1_WEEK" in code
    assert hasattr(dataquality.AggregationGranularity, "AGGREGATION_GRANULARITY_1_WEEK")


@pytest.mark.parametrize("keys", ["", "keys: [order_id]\n"], ids=["append", "merge"])
def test_auto_loader_infers_and_evolves_the_schema_on_databricks(keys: str) -> None:
    """A file source without schema: Auto Loader infers the columns, stores the schema at
    schemaLocation, adds new columns, and the write lets them into the table."""
    from dbx_architect.expand import expand

    body = f"source: /Volumes/main/raw/orders/\nformat: json\n{keys}"
    hinted = body + "schema_hints: amount DECIMAL(10,2)\n"
    code = expand("bronze", "orders", "orders", hinted, _databricks_settings()).code
    options = {
        ast.literal_eval(call.args[0]): ast.literal_eval(call.args[1])
        for call in _calls(code, ".option")
        if isinstance(call.args[0], ast.Constant) and isinstance(call.args[1], ast.Constant)
    }
    assert options["cloudFiles.inferColumnTypes"] == "true"
    assert options["cloudFiles.schemaEvolutionMode"] == "addNewColumns"
    assert options["cloudFiles.schemaHints"] == "amount DECIMAL(10,2)"
    assert ".schema(" not in code
    if keys:
        assert "MERGE WITH SCHEMA EVOLUTION INTO main.bronze.orders" in code
    else:
        assert options["mergeSchema"] == "true"
    given = expand(
        "bronze", "orders", "orders", body + "schema: order_id BIGINT\n", _databricks_settings()
    )
    assert "inferColumnTypes" not in given.code and ".schema(" in given.code
