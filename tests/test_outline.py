"""%%outline and `dbx-architect outline`: requirements → a valid notebook whose cells expand."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ROOT, background_job, job_env, run
from IPython.core.error import UsageError
from IPython.core.inputtransformer2 import TransformerManager

from dbx_architect.cli import main
from dbx_architect.expand import expand
from dbx_architect.outline import plan_from_text
from dbx_architect.outline.notebook import from_databricks, notebook, to_databricks
from dbx_architect.settings import DbxArchitect, Settings

REQUIREMENTS = sorted((ROOT / "examples" / "requirements").glob("*.yaml"))
EXAMPLE = {path.stem: path for path in REQUIREMENTS}
CASES = [(path, target) for path in REQUIREMENTS for target in ("local", "databricks")]
_transform = TransformerManager().transform_cell


def settings(target: str) -> Settings:
    return Settings.from_config(DbxArchitect(), target)


@pytest.mark.parametrize(("path", "target"), CASES, ids=[f"{p.stem}-{t}" for p, t in CASES])
def test_outline_validates_compiles_and_expands(path, target) -> None:
    plan = plan_from_text(path.read_text(), settings(target))
    nb = notebook(plan)  # nbformat.validate runs inside
    magics = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        compile(_transform(cell.source), f"<{path.stem} cell>", "exec")
        if cell.source.startswith("%%"):
            head, _, body = cell.source.partition("\n")
            magic, name = head[2:].split()
            magics.append(magic)
            code = expand(magic, name, name, body, settings(target)).code
            compile(code, f"<%%{magic} {name}>", "exec")
    assert magics[:1] == ["bronze"] and magics[-4:] == ["gold", "modelzoo", "deploy", "monitor"]
    assert magics.count("bronze") == magics.count("silver") == len(plan.requirements.sources)

    headings = [c.source.splitlines()[0] for c in nb.cells if c.cell_type == "markdown"]
    for number in range(1, 10):
        assert any(h.startswith(f"## {number}. ") for h in headings), number
    assert any(h.startswith("## Medallion governance checklist") for h in headings)
    assert any(h.startswith("#### Feature specification") for h in headings) == bool(plan.features)

    # Databricks notebook source reads back into the same cells.
    source = to_databricks(nb)
    assert source.startswith("# Databricks notebook source\n")
    assert "\n# MAGIC %md\n" in source and "\n# MAGIC %%bronze " in source
    assert from_databricks(source) == [(c.cell_type, c.source) for c in nb.cells]

    expanded = notebook(plan, expanded=True)
    code_cells = [c.source for c in expanded.cells if c.cell_type == "code"]
    assert not any(c.startswith("%%") for c in code_cells)
    for code in code_cells:
        compile(_transform(code), "<expanded>", "exec")


def test_checklist_names_the_gaps() -> None:
    demand = plan_from_text(EXAMPLE["demand_forecast"].read_text(), settings("local"))
    churn = plan_from_text(EXAMPLE["churn"].read_text(), settings("databricks"))
    gaps = {
        p.requirements.use_case: [i for i, ok, _ in p.checklist if not ok] for p in (demand, churn)
    }
    assert gaps == {"demand_forecast": ["PII columns are tagged"], "churn": []}
    bronze = next(s for s in churn.stages if s.magic == "bronze" and s.name == "customers")
    assert bronze.spec["tags"] == {"use_case": "churn"}
    assert bronze.spec["column_tags"] == {"email": {"pii": "true"}}  # on the column itself
    assert ("ALL PRIVILEGES", "SCHEMA main.ml", "churn-ml") in churn.grants
    assert ("USE CATALOG", "CATALOG main", "churn-ml") in churn.grants


@pytest.mark.parametrize(("path", "target"), CASES, ids=[f"{p.stem}-{t}" for p, t in CASES])
def test_the_plan_stages_come_from_the_table(path, target) -> None:
    from dbx_architect.outline.plan import STAGES

    plan = plan_from_text(path.read_text(), settings(target))
    magics = [stage.magic for stage in plan.stages]
    order = [magic for magic, _ in STAGES]
    assert list(dict.fromkeys(magics)) == order  # every stage of the table, in its order
    assert magics == sorted(magics, key=order.index)  # each stage's cells together
    sources = [source.name for source in plan.requirements.sources]
    for per_source in ("bronze", "silver"):
        assert [s.name for s in plan.stages if s.magic == per_source] == sources
    assert len(plan.tables) == len(plan.stages)  # every cell writes one table
    assert plan.settings.catalog == plan.schemas["gold"].split(".")[0]


def test_outline_magic_writes_next_to_the_notebook(shell, tmp_path, capsys) -> None:
    body = EXAMPLE["demand_forecast"].read_text()
    assert run(shell, f"%%outline demand\n{body}").success
    assert (tmp_path / "demand.ipynb").exists()
    assert (
        "Wrote demand.ipynb: 8 stage cells, 8 tables, 1 checklist gap(s)."
        in capsys.readouterr().out
    )
    again = run(shell, f"%%outline demand\n{body}")
    assert str(again.error_in_exec) == "%%outline: demand.ipynb exists; add --force to replace it"
    assert run(shell, f"%%outline demand --force --py\n{body}").success
    assert (tmp_path / "demand.py").read_text().startswith("# Databricks notebook source")


def test_cli_new_then_outline(tmp_path, capsys) -> None:
    starter = tmp_path / "req.yaml"
    assert main(["new", str(starter)]) == 0
    assert main(["outline", str(starter), "-o", str(tmp_path / "out.ipynb")]) == 0
    assert main(["outline", str(starter), "-o", str(tmp_path / "out.ipynb")]) == 2
    assert "exists; add --force" in capsys.readouterr().err
    assert main(["outline", str(starter), "-o", str(tmp_path / "out.txt")]) == 2


SOURCE = "  - {name: sales, path: ./s/, format: csv, schema: 'id INT, day DATE, units INT, email STRING', keys: [id]}\n"
BAD = [
    (
        "use_case: d\nsources:\n" + SOURCE + "task: regression\n",
        "%%outline: missing key 'target' (required)",
    ),
    (
        "use_case: d\nsources:\n" + SOURCE + "target: units\ntask: ranking\n",
        "%%outline: task: 'ranking' is not allowed; use one of regression, classification or forecast",
    ),
    (
        "use_case: d\nsources:\n  - {name: sales, path: ./s/}\ntarget: units\ntask: regression\n",
        "%%outline: sources: sales has no keys; Silver upserts (MERGE) on them",
    ),
    (
        "use_case: d\nsources:\n" + SOURCE + "target: units\ntask: regression\n"
        "compliance: {pii: [phone]}\n",
        "%%outline: compliance.pii: 'phone' is not a column of any source (day, email, id, units)",
    ),
    (  # the plan is fine, but its Bronze cell would not expand locally: nothing is written
        "use_case: d\nsources:\n  - {name: events, path: ./landing/events/, format: json, "
        "keys: [id]}\ntarget: units\ntask: regression\n",
        "%%outline: the Bronze: events cell would not expand: %%bronze: schema: required for an "
        "incremental json load (the file stream needs explicit columns; on Databricks Auto Loader "
        "infers them, and with a session (%dbx_spark) they are read from the files), e.g. schema: "
        "id INT, amount DOUBLE",
    ),
    (  # related sources, one of which relates to nothing
        "use_case: d\nsources:\n  - {name: accounts, table: raw.a, keys: [account_id]}\n"
        "  - {name: usage, table: raw.u, keys: [event_id], time_col: at, "
        "relates: {account_id: accounts}}\n  - {name: notes, table: raw.n, keys: [note_id]}\n"
        "target: churned\ntask: classification\n",
        "%%outline: sources: notes relates to no other source; add relates: {<its column holding "
        "account_id>: accounts} (or role: lookup)",
    ),
]


@pytest.mark.parametrize(("body", "message"), BAD, ids=range(len(BAD)))
def test_bad_requirements_get_one_message(shell, tmp_path, body, message) -> None:
    result = run(shell, f"%%outline bad\n{body}")
    assert isinstance(result.error_in_exec, UsageError)
    assert str(result.error_in_exec) == message
    assert not (tmp_path / "bad.ipynb").exists()


@background_job
def expanded_outline(folder: Path):
    """The demand forecast outline, as generated code, on the demo's landing data (nbclient),
    on a standalone cluster started here: one master, two workers, executors in other JVMs.
    (Each example runs once per test run: this one is the run on a cluster.)"""
    import nbformat
    from nbclient import NotebookClient

    from dbx_architect.runtime.cluster import StandaloneCluster

    plan = plan_from_text(EXAMPLE["demand_forecast"].read_text(), settings("local"))
    nb = notebook(plan, expanded=True)
    demo = nbformat.read(ROOT / "examples" / "demand_forecast.ipynb", as_version=4)
    landing = next(c for c in demo.cells if "def delivery(" in c.source)
    nb.cells.insert(1, nbformat.v4.new_code_cell(landing.source))
    nb.cells.append(
        nbformat.v4.new_code_cell(
            "print({t: spark.table(t).count() for t in ["
            + ", ".join(repr(t.name) for t in plan.tables)
            + "]})"
        )
    )
    folder.mkdir(parents=True, exist_ok=True)
    java = job_env().get("SPARK_SUBMIT_OPTS", "")  # C1 in the cluster's JVMs too (conftest.py)
    with StandaloneCluster(workers=2, root=folder / "cluster", java_options=java) as cluster:
        NotebookClient(
            nb, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(folder)}}
        ).execute(env=job_env(unset=("SPARK_REMOTE",), DBX_SPARK_MASTER=cluster.url))
    return nb, cluster.url


@pytest.mark.spark
@pytest.mark.cluster
@pytest.mark.background("expanded_outline")
def test_the_expanded_outline_runs_end_to_end_on_a_cluster(background) -> None:
    """The expanded outline runs in a fresh kernel (started with the session, in the background)
    whose %dbx_spark session is the driver of a standalone cluster."""
    nb, url = background.result("expanded_outline")
    start = next(c for c in nb.cells if "%dbx_spark" in c.source)
    printed = "".join(o.get("text", "") for o in start.outputs)
    assert f"spark: {url}," in printed, printed
    registry_cell = next(c for c in nb.cells if "for alias in" in c.source)
    registry = "".join(o.get("text", "") for o in registry_cell.outputs)
    assert "@challenger: version 1" in registry and "@champion: version 1" in registry
    monitor_cell = next(c for c in nb.cells if "PSI_THRESHOLD =" in c.source)
    monitored = "".join(o.get("text", "") for o in monitor_cell.outputs)
    assert "retrain" in monitored and "rollback plan:" in monitored, monitored
    counts = eval("".join(o.get("text", "") for o in nb.cells[-1].outputs))  # noqa: S307
    assert all(rows > 0 for rows in counts.values()), counts


def test_a_use_case_phrase_titles_the_notebook_and_names_the_tables() -> None:
    from dbx_architect.outline.notebook import cells

    body = (
        "use_case: Customer churn (EMEA)\nsources:\n" + SOURCE + "target: units\ntask: regression\n"
    )
    the_plan = plan_from_text(body, settings("local"))
    assert the_plan.requirements.base_name == "customer_churn_emea"
    assert [s.name for s in the_plan.stages if s.magic == "modelzoo"] == ["customer_churn_emea"]
    title = cells(the_plan)[0][1]
    assert title.startswith("# Customer churn (EMEA): a governed regression pipeline")
    named = plan_from_text(body + "name: churn\n", settings("local"))
    assert named.requirements.base_name == "churn"
