"""The churn_events requirement (related sources, labels apart) planned and run end to end.

The outline is planned inside a fresh kernel with a live local session (so the columns of the
accounts' JSON files are read, as %%outline does in a notebook), then every cell of its expanded
form runs in that kernel: Bronze → Silver → entity Gold → model zoo → registry → scoring →
monitoring, on the example's generated data (examples/data/churn_events.py, made smaller).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import ROOT, background_job, job_env, run

from dbx_architect.outline import plan_from_text
from dbx_architect.settings import DbxArchitect, Settings

REQUIREMENT = ROOT / "examples" / "requirements" / "churn_events.yaml"
DATA = ROOT / "examples" / "data"


def test_the_churn_events_example_plans_without_a_session() -> None:
    plan = plan_from_text(REQUIREMENT.read_text(), Settings.from_config(DbxArchitect(), "local"))
    assert plan.grain is not None
    assert plan.grain.roles == {
        "accounts": "entity",
        "usage_events": "events",
        "tickets": "events",  # inferred: its account_id column is the key of accounts
        "churn_labels": "labels",
    }
    gold = next(s.spec for s in plan.stages if s.magic == "gold")
    assert [e["table"] for e in gold["events"]] == ["usage_events", "tickets"]
    assert "attributes" not in gold  # accounts' columns come from its files, with a session
    accounts = next(s.spec for s in plan.stages if s.magic == "bronze")
    assert "schema" not in accounts and accounts["load"] == "full"


# Planned in the kernel: the session reads the accounts' columns from the files just written.
PLAN_CELL = """
import dataclasses, json
from dbx_architect.outline import plan_from_text
from dbx_architect.outline.notebook import notebook
from dbx_architect.runtime.catalog import spark_lookup
from dbx_architect.settings import DbxArchitect, Settings

plan = plan_from_text(
    Path({requirement!r}).read_text(), Settings.from_config(DbxArchitect(), "local"),
    spark_lookup(spark),
)
zoo = next(i for i, s in enumerate(plan.stages) if s.magic == "modelzoo")
small = {{"cv": 2, "models": ["logistic", "hist_gbm"]}}  # two models, two folds: CI stays short
plan.stages[zoo] = dataclasses.replace(plan.stages[zoo], spec={{**plan.stages[zoo].spec, **small}})
gold = next(s.spec for s in plan.stages if s.magic == "gold")
cells = [c.source for c in notebook(plan, expanded=True).cells if c.cell_type == "code"]
registry = next(i for i, c in enumerate(cells) if c.startswith("from mlflow import MlflowClient"))
print(json.dumps({{"gold": gold, "cells": cells[: registry + 1]}}))  # up to the registry
"""

# Point in time, checked with pandas on the generated rows: the 30-day usage count of every
# Gold row counts only events before its cut-off, and no more than 30 days before it.
CHECK_CELL = """
import pandas as pd
from mlflow import MlflowClient

table = spark.table("spark_catalog.gold.account_churn").toPandas()
labels = spark.table("raw.churn_labels").toPandas()
events = spark.table("raw.usage_events").select("account_id", "event_time").toPandas()
cut = pd.to_datetime(table["cutoff_date"])
pairs = table.assign(cutoff=cut)[["account_id", "cutoff"]].merge(events, on="account_id")
inside = pairs[(pairs.event_time < pairs.cutoff)
               & (pairs.event_time >= pairs.cutoff - pd.Timedelta(days=30))]
expected = inside.groupby(["account_id", "cutoff"]).size()
got = table.assign(cutoff=cut).set_index(["account_id", "cutoff"])["usage_events_count_30d"]
mismatches = int((got - expected.reindex(got.index).fillna(0)).abs().gt(0).sum())
version = MlflowClient().get_model_version_by_alias("account_churn", "challenger")
print(json.dumps({
    "rows": len(table), "grain": len(table[["account_id", "cutoff_date"]].drop_duplicates()),
    "labels": len(labels), "cutoffs": int(table["cutoff_date"].nunique()),
    "columns": list(table.columns), "mismatches": mismatches, "version": int(version.version),
}))
"""


def _printed(cell) -> dict:
    text = "".join(o.get("text", "") for o in cell.outputs if o.get("name") == "stdout")
    return json.loads(text.strip().splitlines()[-1])


@background_job
def entity_outline(folder: Path):
    """Generate the data, plan with the session, run every expanded cell (one kernel)."""
    import nbformat
    from nbclient import NotebookClient

    setup = (
        f"import sys\nfrom pathlib import Path\nsys.path.insert(0, {str(DATA)!r})\n"
        "%load_ext dbx_architect\n%dbx_spark\n"
        "from churn_events import write\n"
        "print(write(Path('.'), spark, count=200, events=4000))"
    )
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(setup),
        nbformat.v4.new_code_cell(PLAN_CELL.format(requirement=str(REQUIREMENT))),
    ]
    folder.mkdir(parents=True, exist_ok=True)
    client = NotebookClient(
        nb, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(folder)}}
    )
    with client.setup_kernel(env=job_env()):
        for index, cell in enumerate(nb.cells):
            client.execute_cell(cell, index)
        planned = _printed(nb.cells[1])
        for source in [*planned["cells"], CHECK_CELL]:
            nb.cells.append(nbformat.v4.new_code_cell(source))
            client.execute_cell(nb.cells[-1], len(nb.cells) - 1)
    seconds = [_seconds(cell) for cell in nb.cells]
    registry = "".join(o.get("text", "") for o in nb.cells[-2].outputs)
    return planned["gold"], _printed(nb.cells[-1]), seconds, registry


def _seconds(cell) -> float:
    """How long the kernel took for *cell* (nbclient's timing metadata)."""
    from datetime import datetime

    timing = cell.metadata.get("execution", {})
    start, end = timing.get("iopub.execute_input"), timing.get("shell.execute_reply")
    if not (start and end):
        return 0.0
    parse = datetime.fromisoformat
    return (parse(end.replace("Z", "+00:00")) - parse(start.replace("Z", "+00:00"))).total_seconds()


@pytest.mark.spark
@pytest.mark.background("entity_outline")
def test_the_entity_outline_runs_end_to_end(background) -> None:
    gold, result, seconds, last = background.result("entity_outline")
    assert "@challenger: version" in last  # the registry cell of the outline ran
    print("seconds per cell:", [round(s, 1) for s in seconds])
    assert gold["kind"] == "entity"
    assert gold["attributes"] == ["plan", "region", "seats"]  # read from the JSON files; no email
    assert gold["tenure_from"] == "signup_date"
    assert result["rows"] == result["grain"] == result["labels"] > 0  # one row per label
    assert result["cutoffs"] > 1
    assert result["mismatches"] == 0, result
    assert {"tenure_days", "usage_events_count_30d", "tickets_recency_days"} <= set(
        result["columns"]
    )
    assert result["version"] >= 1


@pytest.mark.spark
def test_outline_magic_reads_the_columns_of_files_through_the_session(shell, spark, tmp_path):
    """%%outline with a session: the accounts' JSON columns plan the entity attributes."""
    import sys

    import nbformat

    sys.path.insert(0, str(DATA))
    try:
        from churn_events import write
    finally:
        sys.path.remove(str(DATA))
    write(tmp_path, count=20, events=200)  # the files only: the tables are not read to plan
    shell.user_ns["spark"] = spark
    result = run(shell, f"%%outline churn\n{REQUIREMENT.read_text()}")
    assert result.success, result.error_in_exec
    nb = nbformat.read(tmp_path / "churn.ipynb", as_version=4)
    gold = next(c.source for c in nb.cells if c.source.startswith("%%gold"))
    assert "attributes: [plan, region, seats]" in gold  # email is PII, signup_date the tenure
    assert "tenure_from: signup_date" in gold
