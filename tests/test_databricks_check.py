"""Databricks-target code checked without a workspace: SQL parsed with sqlglot's databricks
dialect, calls bound to the installed mlflow / pyspark / databricks-sdk / delta signatures,
reader and writer options against the documented list. No Spark session: this is the fast tier.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from dbx_architect.databricks_check import Finding, check_cell, parse_cell, sql_statements
from dbx_architect.databricks_check.options import known
from dbx_architect.databricks_check.sql import KINDS
from dbx_architect.databricks_check.walker import Walker
from dbx_architect.errors import SpecError
from dbx_architect.expand import GENERATORS, expand
from dbx_architect.outline import plan_from_text
from dbx_architect.outline.notebook import notebook
from dbx_architect.settings import DbxArchitect, Settings

ROOT = Path(__file__).parent.parent
GOLDENS = sorted((ROOT / "tests" / "golden").glob("*/*.databricks.py"))
REQUIREMENTS = sorted((ROOT / "examples" / "requirements").glob("*.yaml"))
# Real problems the checker found in generated code: (case id) -> why. Each stays a strict
# xfail until the template is fixed, so the fix turns it into a failure to remove from here.
SNIPPET_BUGS: dict[str, str] = {}


def databricks() -> Settings:
    return Settings.from_config(DbxArchitect(), "databricks")


def golden_id(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


@pytest.mark.parametrize("path", GOLDENS, ids=[golden_id(p) for p in GOLDENS])
def test_every_databricks_golden_has_no_findings(path: Path) -> None:
    text = path.read_text()
    assert check_cell(text, golden_id(path)) == []
    walker = Walker(parse_cell(text))
    assert sql_statements(text) or walker.bound  # the cell was read, not skipped


def test_the_goldens_exercise_every_part_of_the_checker() -> None:
    kinds, bound, options = set(), set(), set()
    for path in GOLDENS:
        text = path.read_text()
        kinds |= {kind for _, _, kind, _ in sql_statements(text)}
        walker = Walker(parse_cell(text))
        bound |= {callee.split(".")[0] for _, callee in walker.bound}
        options |= {name for _, _, name in walker.options}
    assert kinds <= set(KINDS)
    assert {"MERGE INTO", "CREATE TABLE CLUSTER BY", "DESCRIBE HISTORY", "CREATE VOLUME"} <= kinds
    assert {"mlflow", "MlflowClient", "DataFrameWriter", "DataStreamReader", "pyspark"} <= bound
    assert {"cloudFiles.format", "txnAppId", "checkpointLocation"} <= options


def snippet_case(magic: str) -> object:
    if magic in SNIPPET_BUGS:
        return pytest.param(
            magic,
            marks=pytest.mark.xfail(raises=SpecError, strict=True, reason=SNIPPET_BUGS[magic]),
        )
    return magic


@pytest.mark.parametrize("magic", [snippet_case(m) for m in GENERATORS])
def test_every_snippet_rendered_for_databricks_has_no_findings(magic: str) -> None:
    """The code snippet of each magic, rendered as dbx_architect.snippets renders it."""
    snippet = GENERATORS[magic].snippet
    body, _ = snippet.for_target("databricks")
    code = expand(magic, snippet.name, snippet.name, body, databricks()).code
    assert check_cell(code, f"snippet {magic}") == []


@pytest.mark.parametrize("path", REQUIREMENTS, ids=[p.stem for p in REQUIREMENTS])
def test_every_expanded_outline_cell_has_no_findings(path: Path) -> None:
    plan = plan_from_text(path.read_text(), databricks())
    cells = [c.source for c in notebook(plan, expanded=True).cells if c.cell_type == "code"]
    findings = [f for i, code in enumerate(cells) for f in check_cell(code, f"cell {i}")]
    assert findings == []
    assert len(cells) >= len(plan.stages)


WRONG = {
    "misspelled keyword": (
        'import mlflow\n\nmlflow.log_metrics({"rmse": 1.0}, stepp=3)\n',
        [(3, "mlflow.log_metrics(): got an unexpected keyword argument 'stepp'")],
    ),
    "F.col misspelled": (
        'from pyspark.sql import functions as F\n\ndf = spark.table("t").select(F.coll("a"))\n',
        [(3, "pyspark.sql.functions.coll: not in the installed pyspark 4.2.0")],
    ),
    "misspelled DataFrame method": (
        'df = spark.table("t")\nrow = df.frist()\nname = df.store  # a column: not called\n',
        [(2, "DataFrame.frist: not in the installed pyspark 4.2.0")],
    ),
    "keyword beside a mapping": (
        'import mlflow\n\nwhere = {"name": "m"}\n'
        'mlflow.register_model("runs:/r/m", **where, tgas={})\n',
        [(4, "mlflow.register_model(): got an unexpected keyword argument 'tgas'")],
    ),
    "removed MLflow function": (
        'import mlflow\n\nmlflow.get_artifact_uri_legacy("x")\n',
        [(3, "mlflow.get_artifact_uri_legacy: not in the installed mlflow 3.17.2")],
    ),
    "removed name imported": (
        "from mlflow import log_model_legacy\n",
        [(1, "mlflow.log_model_legacy: not in the installed mlflow 3.17.2")],
    ),
    "SQL that does not parse": (
        'spark.sql("""\nCREATE TABLE (a INT)\n""")\n',
        [(2, "SQL does not parse (databricks dialect): Expected table name at '('")],
    ),
    "SQL of an unlisted kind": (
        'spark.sql("GRANT SELEKT ON TABLE main.gold.t TO `analysts`")\n',
        [(1, "SQL statement of a kind not in the Databricks list: "
             "GRANT SELEKT ON TABLE main.gold.t TO `analysts`")],
    ),
    "SQL expression that does not parse": (
        "from pyspark.sql import functions as F\n\n"
        'spark.table("t").where("units >").select(F.expr("sum(units"))\n',
        [(3, "SQL expression does not parse (databricks dialect): Expecting )"),
         (3, "SQL expression does not parse (databricks dialect): Required keyword: "
             "'expression' missing for <class 'sqlglot.expressions.core.GT'>")],
    ),
    "unknown cloudFiles option": (
        'raw = spark.readStream.format("cloudFiles")'
        '.option("cloudFiles.formatt", "csv").load("/v")\n',
        [(1, "DataStreamReader.option(): 'cloudFiles.formatt' is not a documented option"
             " of format cloudFiles")],
    ),
    "unknown Delta writer option": (
        'spark.table("t").write'
        '.options(**{"txnAppID": "a", "mergeSchemas": "true"}).saveAsTable("x")\n',
        [(1, "DataFrameWriter.options(): 'mergeSchemas' is not a documented option"
             " of format delta")],
    ),
    "MlflowClient method through a variable": (
        "from mlflow import MlflowClient\n\nclient = MlflowClient()\n"
        "client.get_modle_version('m', 1)\n"
        "client.get_model_version_by_alias('m', alias='a', version=2)\n",
        [
            (4, "MlflowClient.get_modle_version: not in the installed mlflow 3.17.2"),
            (5, "MlflowClient.get_model_version_by_alias(): "
                "got an unexpected keyword argument 'version'"),
        ],
    ),
    "databricks-sdk through properties": (
        "from databricks.sdk import WorkspaceClient\n\nw = WorkspaceClient()\n"
        "w.quality_monitors.create("
        "table_name='t', assets_dir='/a', output_schema_name='s', labl=1)\n",
        [(4, "QualityMonitorsAPI.create(): got an unexpected keyword argument 'labl'")],
    ),
}  # fmt: skip


@pytest.mark.parametrize(("text", "expected"), WRONG.values(), ids=list(WRONG))
def test_deliberately_wrong_samples_fail_with_the_line(text: str, expected: list) -> None:
    assert check_cell(text, "sample") == [Finding("sample", line, m) for line, m in expected]


def test_what_cannot_be_typed_is_skipped_not_guessed() -> None:
    text = (
        "import mlflow\n\n\ndef upsert(batch, batch_id):\n"
        "    batch.sparkSession.tabel('x').anything(bogus=1)\n\n\n"
        "mlflow = object()  # rebound: no longer the module\nmlflow.log_metricz()\n"
        "rows = spark.table('t').collect()\nrows[0].whatever()\n"
        "spark.table('t').write.format(fmt).option('anything', 1).save('/p')\n"
        "spark.read.options(**opts).table('t')\n"
    )
    assert check_cell(text) == []


def test_a_hole_where_a_type_goes_becomes_a_type() -> None:
    text = (
        "from pyspark.ml.feature import SQLTransformer\n\n"
        'typed = SQLTransformer(statement=f"SELECT *, CAST(p AS {kind}) AS q FROM __THIS__")\n'
    )
    assert check_cell(text) == []
    assert Walker(parse_cell(text)).expressions == [
        (3, "SELECT *, CAST(p AS {kind}) AS q FROM __THIS__".replace("{kind}", "hole_1"))
    ]


def test_f_string_holes_become_identifiers() -> None:
    text = 'name = "main.gold.t"\nspark.sql(f"DESCRIBE HISTORY {name} LIMIT 1")\n'
    assert sql_statements(text) == [
        (2, "DESCRIBE HISTORY hole_1 LIMIT 1", "DESCRIBE HISTORY", None)
    ]


def kinds_of(code: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for _, text, kind, error in sql_statements(code):
        assert error is None, text
        found.setdefault(str(kind), []).append(text)
    return found


GOVERNED_BRONZE = """
source: /Volumes/main/landing/orders/
format: csv
keys: [order_id]
cluster_by: [order_id]
owner: data-eng
tags: {domain: sales}
options: {header: true}
"""


def test_databricks_only_table_statements_are_recognised() -> None:
    """SET OWNER, SET TAGS, CLUSTER BY, CREATE VOLUME and Auto Loader, from a real expansion."""
    code = expand("bronze", "orders", "orders", GOVERNED_BRONZE, databricks()).code
    assert check_cell(code) == []
    kinds = kinds_of(code)
    assert kinds["ALTER TABLE SET OWNER"] == [
        "ALTER TABLE main.bronze.orders SET OWNER TO `data-eng`"
    ]
    assert kinds["ALTER TABLE SET TAGS"] == [
        "ALTER TABLE main.bronze.orders SET TAGS ('domain' = 'sales')"
    ]
    assert [t for t in kinds["CREATE TABLE CLUSTER BY"] if "CLUSTER BY (order_id)" in t]
    assert kinds["CREATE VOLUME"] == ["CREATE VOLUME IF NOT EXISTS main.bronze._checkpoints"]
    options = {(owner, name) for _, owner, name in Walker(parse_cell(code)).options}
    read = {name for owner, name in options if owner == "DataStreamReader"}
    assert {"cloudFiles.format", "cloudFiles.schemaLocation", "header"} <= read
    autoloader = known("read", "cloudFiles")
    assert autoloader is not None and all(name.lower() in autoloader for name in read)
    assert ("DataStreamWriter", "checkpointLocation") in options


def test_grants_schema_ownership_and_column_tags_from_an_outline_are_recognised() -> None:
    churn = next(p for p in REQUIREMENTS if p.stem == "churn")
    plan = plan_from_text(churn.read_text(), databricks())
    cells = [c.source for c in notebook(plan, expanded=True).cells if c.cell_type == "code"]
    kinds: dict[str, list[str]] = {}
    for code in cells:
        for kind, texts in kinds_of(code).items():
            kinds.setdefault(kind, []).extend(texts)
    expected = {f"GRANT {p} ON {on} TO `{who}`" for p, on, who in plan.grants}
    assert set(kinds["GRANT"]) == expected
    assert {"USE CATALOG", "USE SCHEMA", "SELECT"} <= {p for p, _, _ in plan.grants}
    assert kinds["ALTER SCHEMA OWNER"]  # the last cell: hole_1 is the schema loop variable
    assert kinds["ALTER TABLE ALTER COLUMN SET TAGS"]  # the PII column is tagged


LAKEHOUSE_MONITOR = """
time_col: day
window: week
label: units
label_table: weekly_demand_actuals
keys: [store, item, day]
lakehouse_monitoring: true
"""


def test_lakehouse_monitoring_calls_bind_to_the_installed_sdk() -> None:
    code = expand("monitor", "demand", "demand", LAKEHOUSE_MONITOR, databricks()).code
    assert check_cell(code) == []
    bound = {callee for _, callee in Walker(parse_cell(code)).bound}
    assert {"QualityMonitorsAPI.create", "DataQualityAPI.create_monitor"} <= bound
    assert "databricks.sdk.service.catalog.MonitorInferenceLog" in bound


def test_every_kind_names_its_documentation() -> None:
    assert all(url.startswith("https://docs.databricks.com/") for url in KINDS.values())


def test_the_tool_checks_files_and_databricks_notebook_source(tmp_path: Path, capsys) -> None:
    from dbx_architect.databricks_check.__main__ import main

    source = tmp_path / "nb.py"
    source.write_text(
        "# Databricks notebook source\nimport mlflow\n\n# COMMAND ----------\n\n"
        "mlflow.log_metrics({}, stepp=1)\n"
    )
    assert main([str(source)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out == [
        f"{source}:6: mlflow.log_metrics(): got an unexpected keyword argument 'stepp'",
        out[-1],
    ]
    assert out[-1].startswith("2 cells checked in ") and out[-1].endswith(": 1 findings")
    assert main([str(GOLDENS[0])]) == 0
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c) for c in ("import mlflow", "x = 1\nmlflow.set_tagz()")]
    notebook_path = tmp_path / "nb.ipynb"
    nbformat.write(nb, str(notebook_path))
    capsys.readouterr()
    assert main([str(notebook_path)]) == 1
    message = "mlflow.set_tagz: not in the installed mlflow 3.17.2"
    assert capsys.readouterr().out.splitlines()[0] == f"{notebook_path}[cell 2]:2: {message}"


def test_the_docs_page_lists_every_kind_with_its_page() -> None:
    page = (ROOT / "docs" / "databricks-checks.md").read_text(encoding="utf-8")
    rows = {line.split(" | ")[0].lstrip("| "): line.split(" | ")[1] for line in page.splitlines()
            if line.startswith("| ") and " | https://docs.databricks.com/" in line}  # fmt: skip
    assert rows == KINDS
