"""Plan → notebook: the nine workflow steps as markdown and ``%%magic`` cells (or their code).

Written as a Jupyter notebook (nbformat, validated) or as Databricks notebook source (``.py``
with ``# COMMAND ----------`` between cells and ``# MAGIC`` lines), which reads back into the
same cells.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import SpecError
from ..expand import expand
from ..render import py_literal
from ..sql import sql_string
from .entity import EntityGrain
from .plan import NAMING, Plan, Stage, plain_number

SEPARATOR = "# COMMAND ----------"
HEADER = "# Databricks notebook source"


def _md_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return "\n".join(lines)


Cell = tuple[str, str]  # (cell type, source)

SECTIONS = {
    "bronze": "3. Bronze",
    "silver": "4. Silver",
    "gold": "5. Gold",
    "modelzoo": "6. Model zoo",
}
STEP_9 = ("deploy", "monitor")  # deployment and monitoring come after the registry


def _md(text: str) -> Cell:
    return ("markdown", text.strip())


def _code(text: str) -> Cell:
    return ("code", text.strip())


def cells(plan: Plan, expanded: bool = False) -> list[Cell]:
    """(cell type, source) of every cell, in order."""
    return [
        _md(_title(plan)),
        _md(_requirements(plan)),
        _md(_layout(plan)),
        _code(_ddl(plan)),
        *_build_cells(plan, expanded),
        *_evaluation(plan),
        *_registry(plan),
        _md(_operations(plan)),
        *[cell for s in plan.stages if s.magic in STEP_9 for cell in _stage(s, plan, expanded)],
        *([_code(ownership)] if (ownership := _ownership(plan)) else []),
        _md(_checklist(plan)),
    ]


def _heading(use_case: str) -> str:
    """The use case as a title: demand_forecast -> Demand forecast; a phrase keeps its words."""
    text = use_case.replace("_", " ") if " " not in use_case else use_case
    return text[:1].upper() + text[1:]


def _title(plan: Plan) -> str:
    req = plan.requirements
    return (
        f"# {_heading(req.use_case)}: a governed {req.task} pipeline\n\n"
        "An outline written by `%%outline` from the requirements below. Each `%%magic` cell "
        "holds a short spec: run it and it is replaced by the PySpark, Delta and MLflow code it "
        "stands for (add `--run` to also execute it). Workflow: requirements → Unity Catalog "
        "layout → Bronze → Silver → Gold → model zoo → evaluation → registry → deployment and "
        "monitoring."
    )


def _requirements(plan: Plan) -> str:
    req = plan.requirements
    owners, days = req.owners, req.compliance.retention_days
    sources = [
        [
            s.name,
            s.path or s.table or "",
            s.format or ("table" if s.table else ""),
            ", ".join(s.keys),
            s.load,
            *([_role(plan.grain, s.name)] if plan.grain else []),
        ]
        for s in req.sources
    ]
    header = ["source", "where", "format", "keys", "load", *(["role"] if plan.grain else [])]
    over = ""
    if req.time_col:
        over = f", over `{req.time_col}`" + (f" per {req.grain}" if req.grain else "")
    return (
        "## 1. Requirements\n\n"
        + _md_table(header, sources)
        + f"\n\n- **Predict** `{req.target}` ({req.task})"
        + over
        + f"\n- **Latency** {req.latency}; **SLA** {req.sla or 'not stated'}"
        + f"\n- **PII** {', '.join(req.compliance.pii) or 'none declared'}; **retention** "
        + (f"{days} days" if days else "not stated")
        + f"\n- **Owners** data: {owners.data or '—'}, ML: {owners.ml or '—'}, readers: "
        + (", ".join(owners.readers) or "—")
    )


def _role(grain: EntityGrain, source: str) -> str:
    """entity, events of it (by which column, since when), labels or lookup."""
    role = grain.roles[source]
    if role not in ("events", "labels"):
        return role
    found = next(s for s in grain.others if s.name == source)
    return f"{role} of {grain.entity.name} (by {grain.event_key(found)}, at {found.time_col})"


def _layout(plan: Plan) -> str:
    tables = [
        [t.layer, f"`{t.name}`", t.owner or "—", t.layout, ", ".join(t.pii) or "—"]
        for t in plan.tables
    ]
    return (
        "## 2. Unity Catalog layout\n\n"
        + f"Catalog `{plan.settings.catalog}`, one schema per layer. {NAMING}\n\n"
        + _md_table(["layer", "table", "owner", "layout", "PII"], tables)
        + f"\n\nModel: `{plan.schemas['ml']}.{plan.requirements.base_name}` "
        + "(aliases `challenger`, `champion`)."
    )


def _build_cells(plan: Plan, expanded: bool) -> list[Cell]:
    """Steps 3 to 6: one heading per stage, then each of its cells with its title and why."""
    out: list[Cell] = []
    seen: set[str] = set()
    for stage in plan.stages:
        if stage.magic in STEP_9:
            continue
        if stage.magic not in seen:
            seen.add(stage.magic)
            out.append(_md(f"## {SECTIONS[stage.magic]}"))
        out += _stage(stage, plan, expanded)
        if stage.magic == "gold" and plan.features:
            out.append(_md(_feature_table(plan)))
    return out


def _stage(stage: Stage, plan: Plan, expanded: bool) -> list[Cell]:
    source = _expanded(stage, plan) if expanded else stage.cell
    return [_md(f"### {stage.title}\n{stage.why}."), _code(source)]


def _feature_table(plan: Plan) -> str:
    rows = [
        [f"`{f.name}`", f.definition, f.source, f.window, f.owner, f.freshness, f.nulls]
        for f in plan.features
    ]
    header = ["feature", "definition", "source", "window", "owner", "freshness", "nulls"]
    return "#### Feature specification\n\n" + _md_table(header, rows)


def _evaluation(plan: Plan) -> list[Cell]:
    req = plan.requirements
    evaluation = f"{plan.schemas['gold']}.{req.base_name}_evaluation"
    text = (
        "## 7. Evaluate and select\n\nEvery candidate's cross-validated metrics and the "
        "winner's single test score, from the evaluation table the model zoo appends to."
    )
    if req.kpis or req.costs:
        kpis = [f"`{name}` = `{kpi.sql}` ({kpi.goal})" for name, kpi in req.kpis.items()]
        if req.costs:
            kpis.append(
                f"`cost` = {plain_number(req.costs.false_negative)} per missed positive + "
                f"{plain_number(req.costs.false_positive)} per false alarm (min), at the decision "
                "threshold tuned on the folds"
            )
        text += (
            " Business KPIs, per fold and on test for every candidate:\n\n"
            + "\n".join(f"- {k}" for k in kpis)
            + f"\n\nThe winner is the best on `{req.chooser}`, which also gates `@champion`."
        )
    return [
        _md(text),
        _code(
            f'spark.table("{evaluation}").orderBy("evaluated_at", "candidate", "metric")'
            ".show(50, truncate=False)"
        ),
    ]


def _registry(plan: Plan) -> list[Cell]:
    use_case = plan.requirements.base_name
    databricks = plan.settings.target == "databricks"
    model = f"{plan.schemas['ml']}.{use_case}" if databricks else use_case
    return [
        _md(
            "## 8. MLflow logging and registry\n\nThe latest version is `@challenger`; it "
            "became `@champion` only if it beat the previous champion on the test metric (the "
            "run's `promotion` tag says why)."
        ),
        _code(
            "from mlflow import MlflowClient\n\n"
            "client = MlflowClient()\n"
            'for alias in ("challenger", "champion"):\n'
            f'    version = client.get_model_version_by_alias("{model}", alias)\n'
            '    print(f"@{alias}: version {version.version}, run {version.run_id}")'
        ),
    ]


def _checklist(plan: Plan) -> str:
    items = [
        f"- {'✅' if ok else '❌'} **{item}**: {detail}" for item, ok, detail in plan.checklist
    ]
    return "## Medallion governance checklist\n\n" + "\n".join(items)


def _ddl(plan: Plan) -> str:
    lines = ["# Unity Catalog layout: the schemas, their comments and the grants."]
    comments = {
        "bronze": "Raw data as delivered, with ingest metadata",
        "silver": "Cleaned, checked, deduplicated",
        "gold": "Served tables: training, predictions, evaluation, monitoring",
        "ml": "Registered models",
    }
    for layer, schema in plan.schemas.items():
        statement = f"CREATE SCHEMA IF NOT EXISTS {schema} COMMENT {sql_string(comments[layer])}"
        lines.append(f"spark.sql({py_literal(statement)})")
    for volume in plan.volumes:  # where relative source paths are read from on Databricks
        lines.append(f"spark.sql({py_literal(f'CREATE VOLUME IF NOT EXISTS {volume}')})")
    grants = [f"GRANT {p} ON {on} TO `{who}`" for p, on, who in plan.grants]
    for statement in grants:  # schema names and principals are checked: no quote in them
        lines.append(
            f"spark.sql({py_literal(statement)})"
            if plan.settings.target == "databricks"
            else f"# {statement}  (Unity Catalog)"
        )
    return "\n".join(lines)


def _ownership(plan: Plan) -> str | None:
    """The schemas' owner changes last, after every cell that creates or writes tables, and
    only when it differs: a re-run transfers nothing again."""
    owner = plan.requirements.owners.data
    if not owner:
        return None
    schemas = list(plan.schemas.values())
    header = [
        "# Ownership of the schemas moves last: from now on whoever re-runs the cells above needs",
        f"# its rights through a group (a member of {owner}, or the grants above).",
    ]
    if plan.settings.target != "databricks":
        statements = [f"#   ALTER SCHEMA {schema} OWNER TO `{owner}`" for schema in schemas]
        return "\n".join([*header, "# On Databricks this cell runs:", *statements])
    return "\n".join(
        [
            *header,
            f"for schema in {py_literal(schemas)}:",
            "    # (item, value) rows; Spark and Databricks name these two columns differently",
            '    info = spark.sql(f"DESCRIBE SCHEMA EXTENDED {schema}").collect()',
            '    current = next((row[1] for row in info if row[0] == "Owner"), None)',
            f"    if current != {py_literal(owner)}:",
            f'        spark.sql(f"ALTER SCHEMA {{schema}} OWNER TO `{owner}`")',
        ]
    )


def validate(plan: Plan) -> None:
    """Expand every magic cell of the outline for its target, so no notebook is written whose
    cells would fail: the first failure is one line naming the cell, and nothing is written."""
    for stage in plan.stages:
        _expanded(stage, plan)


def _expanded(stage: Stage, plan: Plan) -> str:
    try:
        return expand(
            stage.magic, stage.name, stage.name, stage.body, plan.settings, plan.lookup
        ).cell
    except SpecError as err:  # the plan's own specs always validate; say so loudly if not
        raise SpecError(f"outline: the {stage.title} cell would not expand: {err}") from err


def _operations(plan: Plan) -> str:
    req = plan.requirements
    cadence = req.sla or ("continuously" if req.latency == "streaming" else "on a schedule")
    return (
        "## 9. Deployment and monitoring\n\n"
        f"- **Batch scoring** {cadence}: `models:/{req.base_name}@champion` scores the latest "
        f"Gold rows into `{plan.schemas['gold']}.{req.base_name}_predictions`.\n"
        "- **Drift checks** after every scoring run: PSI and KS of each feature and of the "
        "predictions against the rows the model was trained on, per window, into "
        f"`{plan.schemas['gold']}.{req.base_name}_monitoring`; performance once the true "
        "values arrive; a drift chart and the verdict logged to MLflow.\n"
        "- **Retrain trigger**: 2 of the last 3 windows drifted and the latest did; the model "
        "zoo cell re-runs and promotes only a better model.\n"
        "- **Rollback plan**: `%%deploy` with `rollback: true` moves `@champion` back to the "
        "previous version (the monitor cell prints which), and a table comes back with the "
        "`RESTORE TABLE` line `%%guard` printed before the change.\n"
        "\nThe `%%deploy` cell below does the scoring, the `%%monitor` cell the checks."
    )


def notebook(plan: Plan, expanded: bool = False) -> Any:
    """The outline as an nbformat v4 notebook, validated."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.metadata["language_info"] = {"name": "python"}
    for kind, source in cells(plan, expanded):
        if kind == "markdown":
            nb.cells.append(nbformat.v4.new_markdown_cell(source))
        else:
            nb.cells.append(nbformat.v4.new_code_cell(source))
    start = "%load_ext dbx_architect"
    if plan.settings.target != "databricks":
        start = "# Local Spark + Delta + MLflow (on Databricks, spark is already there).\n" + start
        start += "\n%dbx_spark"
    nb.cells.insert(2, nbformat.v4.new_code_cell(start))
    nbformat.validate(nb)
    return nb


def to_databricks(nb: Any) -> str:
    """Databricks notebook source: markdown as ``# MAGIC %md``, magics as ``# MAGIC`` lines."""
    parts = []
    for cell in nb.cells:
        source = cell.source
        if cell.cell_type == "markdown":
            source = "%md\n" + source
        if source.startswith("%"):
            source = "\n".join(f"# MAGIC {line}".rstrip() for line in source.splitlines())
        parts.append(source)
    return HEADER + "\n" + f"\n\n{SEPARATOR}\n\n".join(parts) + "\n"


def from_databricks(text: str) -> list[tuple[str, str]]:
    """Cells of Databricks notebook source, as (cell type, source)."""
    body = text.removeprefix(HEADER).strip("\n")
    result = []
    for chunk in body.split(f"\n{SEPARATOR}\n"):
        lines = chunk.strip("\n").splitlines()
        if lines and all(line.startswith("# MAGIC") for line in lines):
            lines = [line.removeprefix("# MAGIC").removeprefix(" ") for line in lines]
            if lines[0].strip() == "%md":
                result.append(("markdown", "\n".join(lines[1:])))
                continue
        result.append(("code", "\n".join(lines)))
    return result


def write(plan: Plan, path: Path, expanded: bool = False, force: bool = False) -> Path:
    """Write the outline to *path* (``.ipynb`` or ``.py``); an existing file needs *force*."""
    import nbformat

    if path.suffix not in (".ipynb", ".py"):
        raise SpecError(f"outline: write a .ipynb or a .py (Databricks source), not {path.name}")
    if path.exists() and not force:
        raise SpecError(f"outline: {path} exists; add --force to replace it")
    if not expanded:
        validate(plan)  # an expanded notebook expands every cell on the way
    nb = notebook(plan, expanded)
    if path.suffix == ".py":
        path.write_text(to_databricks(nb))
    else:
        nbformat.write(nb, str(path))
    return path
