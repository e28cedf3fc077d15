"""The Spark Connect lint: every generated cell is clean; user code gets line and replacement."""

from __future__ import annotations

import json

import pytest
from conftest import ROOT, run

from dbx_architect.cli import main
from dbx_architect.connect_check import SERVERLESS, check_source
from dbx_architect.expand import expand
from dbx_architect.settings import KEYS, DbxArchitect, Settings

SETTINGS = {key: getattr(DbxArchitect(target="databricks"), key) for key in KEYS}
SILVER_BODY = "from: sales\nkeys: [id]\nexpect:\n  - {name: has_id, not_null: [id], action: drop}\n"
ZOO_BODY = "table: sales\ntarget: units\ntask: regression\nengine: spark\nexclude: [id]\n"

# Each flagged line ends with "# flag: WORD", WORD being part of the expected message.
SAMPLE = """\
from pyspark import SparkContext  # flag: SparkContext
from pyspark.sql import functions as F
from delta.tables import DeltaTable

sc = spark.sparkContext  # flag: SparkContext
rows = sc.parallelize([1, 2, 3])  # flag: parallelize
pairs = df.rdd.map(lambda r: (r.id, 1))  # flag: RDDs
jvm = spark._jvm  # flag: JVM
small = df.join(F.broadcast(lookup), "id")  # F.broadcast is a plan hint: fine on Connect
history = DeltaTable.forName(spark, "main.silver.sales").history()  # flag: Delta Connect
small = small.cache()  # flag: serverless
spark.sparkContext.setLogLevel("ERROR")  # flag: SparkContext
%sql SELECT 1
"""


def test_sample_findings_are_on_the_flagged_lines_with_a_replacement() -> None:
    found = check_source(SAMPLE)
    expected = {
        number: line.split("# flag: ")[1]
        for number, line in enumerate(SAMPLE.splitlines(), 1)
        if "# flag: " in line
    }
    assert {f.line for f in found} == set(expected)
    for finding in found:
        assert expected[finding.line] in finding.what + finding.instead, finding
        assert finding.instead
    assert {f.severity for f in found if "DeltaTable" in f.what or "cache" in f.what} == {"warning"}


def generated_files() -> list:
    return sorted((ROOT / "tests" / "golden").rglob("*.py")) + sorted(
        (ROOT / "snippets" / "jupyterlab").rglob("*-code.py")
    )


@pytest.mark.parametrize("path", generated_files(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_generated_cell_runs_on_spark_connect(path) -> None:
    found = check_source(path.read_text())
    assert [f for f in found if f.severity == "error"] == []
    assert {f.what for f in found} <= {SERVERLESS[0]}  # classic compute caches


@pytest.mark.parametrize(("magic", "body"), [("silver", SILVER_BODY), ("modelzoo", ZOO_BODY)])
def test_serverless_cells_do_not_cache(magic, body) -> None:
    classic = expand(magic, "sales", "sales", body, Settings.resolve(SETTINGS)).code
    serverless = expand(
        magic, "sales", "sales", body, Settings.resolve({**SETTINGS, "compute": "serverless"})
    ).code
    assert any(f.what == SERVERLESS[0] for f in check_source(classic))
    assert check_source(serverless) == []


def test_check_command_reports_files_and_notebooks(tmp_path, capsys) -> None:
    script = tmp_path / "etl.py"
    script.write_text(SAMPLE.replace("%sql SELECT 1\n", ""))
    notebook = tmp_path / "nb.ipynb"
    cell = {"cell_type": "code", "source": ["x = df.rdd.count()\n"], "metadata": {}, "outputs": []}
    notebook.write_text(json.dumps({"cells": [{"cell_type": "markdown", "source": "# t"}, cell]}))
    assert main(["check", str(script), str(notebook)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[-2].startswith(
        f"{notebook}:cell 2:1:5: RDDs do not exist on Spark Connect; Connect-safe: "
    )
    errors = [f for f in check_source(script.read_text()) if f.severity == "error"]
    assert out[-1] == f"{len(errors) + 1} Spark Connect problem(s) in 2 file(s)"
    clean = tmp_path / "clean.py"
    clean.write_text("spark.table('main.gold.sales').groupBy('store').count().show()\n")
    assert main(["check", str(clean)]) == 0
    broken = tmp_path / "broken.py"
    broken.write_text("def f(:\n")
    assert main(["check", str(broken)]) == 2
    assert "is not valid Python" in capsys.readouterr().err


def test_magics_check_their_expansion_on_serverless(shell) -> None:
    """With compute=serverless the expansion passes the check (warnings too) before insertion."""
    shell.run_line_magic("dbx_config", "compute=serverless")
    try:
        result = run(shell, f"%%silver sales\n{SILVER_BODY}")
        assert result.error_in_exec is None, result.error_in_exec
        cell = shell.replaced.calls[-1][0]
        assert "cache()" not in cell and "caches DataFrames only from environment version 5" in cell
    finally:
        shell.run_line_magic("dbx_config", "compute=classic")
