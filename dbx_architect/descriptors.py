"""What each generator magic is, in one place: every face reads it from here.

One :class:`Generator` per magic names its spec model, planner, templates and variants, its
form layout, its editor snippet, its help and how messages call the name on its line. The
magics (``magics/generate.py``), the forms (``widgets/form.py``), the snippets
(``snippets.py``), the CLI's choices and the help all derive from :data:`GENERATORS`;
``tests/test_descriptors.py`` checks every face against it. Adding a magic: a spec model, a
planner, a template, one entry here, a docs page and tests.

Nothing here imports a heavy library: the magics read this table when the extension loads.
"""

from __future__ import annotations

import importlib
import textwrap
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .errors import SpecError

if TYPE_CHECKING:
    # What the "module:attr" strings in GENERATORS name, imported for editors and type checkers
    # only (they load on first use: %load_ext stays light). mypy checks that each has the shape
    # expand() calls it with; tests/test_types.py checks that this list matches GENERATORS.
    from collections.abc import Callable

    from .generators.bronze import plan_bronze
    from .generators.common import Context
    from .generators.deploy import plan_deploy
    from .generators.gold import plan_gold
    from .generators.modelzoo import plan_modelzoo
    from .generators.monitor import plan_monitor
    from .generators.silver import pipeline_problem, plan_silver
    from .names import TableName
    from .runtime.catalog import ColumnLookup
    from .settings import Settings
    from .spec.base import SpecModel
    from .spec.bronze import BronzeSpec
    from .spec.deploy import DeploySpec
    from .spec.gold import GoldSpec
    from .spec.modelzoo import ModelZooSpec
    from .spec.monitor import MonitorSpec
    from .spec.silver import SilverSpec

    SPECS: tuple[type[SpecModel], ...] = (
        BronzeSpec,
        SilverSpec,
        GoldSpec,
        ModelZooSpec,
        DeploySpec,
        MonitorSpec,
    )
    PLANNERS: tuple[Callable[[Any, TableName, Settings, ColumnLookup], Context], ...] = (
        plan_bronze,
        plan_silver,
        plan_gold,
        plan_modelzoo,
        plan_deploy,
        plan_monitor,
    )
    VARIANT_CHECKS: tuple[Callable[[Settings, Any], str | None], ...] = (pipeline_problem,)


@dataclass(frozen=True)
class Layout:
    """Which spec fields a form fills from the live catalog: the table, then its columns."""

    table_field: str
    many_tables: bool = False  # gold: from is a list of tables
    path_allowed: bool = False  # bronze: source may be a path instead of a table
    table_optional: bool = False  # monitor: the table has a default (the predictions table)
    column: tuple[str, ...] = ()  # one column
    columns: tuple[str, ...] = ()  # several columns
    hidden: tuple[str, ...] = ()  # fields left to the YAML body
    main: tuple[str, ...] = ()  # shown at once; the other keys fold under "more keys"


@dataclass(frozen=True)
class SnippetCell:
    """The editor snippet of a magic cell: marker names become numbered placeholders.

    Markers are identifiers no real spec uses (``zzkey``); *defaults* gives each one's
    placeholder text.
    """

    name: str  # the marker on the magic line
    body: str  # the YAML spec, with markers
    defaults: dict[str, str] = field(default_factory=dict)
    description: str = ""

    def for_target(self, target: str) -> tuple[str, dict[str, str]]:
        """(body, defaults) for *target*. On Databricks a relative default path (which it
        refuses: no working folder) becomes a Unity Catalog volume path, /Volumes/<default>."""
        if target != "databricks":
            return self.body, dict(self.defaults)
        body, defaults = self.body, dict(self.defaults)
        for marker, value in self.defaults.items():
            if value.startswith("./"):
                body = body.replace(marker, f"/Volumes/{marker}")
                defaults[marker] = "main/" + value.removeprefix("./")
        return body, defaults


@dataclass(frozen=True)
class Generator:
    """One generator magic: spec, planner, templates, faces and help."""

    spec: str  # "module:Class", relative to the package
    plan: str  # "module:function"
    template: str
    schema_setting: str  # the settings key of the layer the magic writes to
    summary: str  # the first line of the magic's help
    name_help: str  # what the NAME on the magic line is
    keys: tuple[str, ...]  # the spec's YAML keys, in the help's order (a test compares them)
    layout: Layout
    snippet: SnippetCell
    variants: tuple[tuple[str, str], ...] = ()  # (variant, template), e.g. a Lakeflow pipeline
    # "module:function"(settings, spec or None) -> why the variant cannot be written, or None
    variant_check: str | None = None
    engines: tuple[tuple[str, str], ...] = ()  # (the spec's engine, template) when it differs
    name_label: str = "TABLE"  # how messages call the magic line's name

    def load(self, ref: str) -> Any:
        module, _, attr = ref.partition(":")
        return getattr(importlib.import_module(module, __package__), attr)

    def template_for(self, spec: Any, variant: str | None) -> str:
        """The template of *variant*, of the spec's engine, or the magic's own."""
        if variant:
            return dict(self.variants)[variant]
        return dict(self.engines).get(getattr(spec, "engine", ""), self.template)

    def check_variant(self, variant: str | None, settings: Any, spec: Any = None) -> None:
        """Refuse a variant that cannot be written for these settings (and, given, this spec)."""
        if not variant or self.variant_check is None:
            return
        problem = self.load(self.variant_check)(settings, spec)
        if problem:
            raise SpecError(problem)

    def help(self, magic: str) -> str:
        """The magic's docstring: what it does, then every key its spec accepts."""
        keys = textwrap.fill(f"Keys: {', '.join(self.keys)}.", width=95)
        return f"{self.summary}\n\n{keys}\nReference: docs/{magic}.md"


TABLE_LAYOUT = ("partition_by", "cluster_by")

GENERATORS: dict[str, Generator] = {
    "bronze": Generator(
        spec=".spec.bronze:BronzeSpec",
        plan=".generators.bronze:plan_bronze",
        template="bronze.py.j2",
        schema_setting="bronze_schema",
        summary="Land files or a table as-is in a governed Bronze Delta table.",
        name_help="The Bronze table: sales, bronze.sales or main.bronze.sales.",
        keys=(
            "source", "format", "options", "schema", "schema_hints", "load", "keys", "partition_by",
            "cluster_by", "comment", "owner", "tags", "column_tags", "properties",
        ),
        layout=Layout(
            "source",
            path_allowed=True,
            columns=("keys", *TABLE_LAYOUT),
            main=("format", "schema", "load", "keys", "cluster_by", "comment"),
        ),
        snippet=SnippetCell(
            "zzbronze",
            "source: zzpath\nformat: csv\nschema: zzkey INT, zzvalue DOUBLE\nkeys: [zzkey]\n",
            {"zzbronze": "sales", "zzpath": "./landing/sales/", "zzkey": "id",
             "zzvalue": "amount"},
            "Land files in a Bronze Delta table, incrementally, MERGE on the keys",
        ),
    ),
    "silver": Generator(
        spec=".spec.silver:SilverSpec",
        plan=".generators.silver:plan_silver",
        template="silver.py.j2",
        schema_setting="silver_schema",
        variants=(("pipeline", "silver_pipeline.py.j2"),),
        variant_check=".generators.silver:pipeline_problem",
        summary="Clean, check, deduplicate and add features to a Bronze table, MERGEd into "
        "Silver.",
        name_help="The Silver table: sales, silver.sales or main.silver.sales.",
        keys=(
            "from", "load", "keys", "order_by", "select", "rename", "casts", "clean", "expect",
            "features", "partition_by", "cluster_by", "comment", "owner", "tags", "column_tags",
            "properties",
        ),
        layout=Layout(
            "from",
            columns=("keys", "order_by", "select", *TABLE_LAYOUT),
            main=("keys", "clean", "expect", "features", "cluster_by", "comment"),
        ),
        snippet=SnippetCell(
            "zzsilver",
            "from: zzbronze\nkeys: [zzkey]\nexpect:\n  - {name: zzkey_present, not_null: [zzkey], "
            "action: quarantine}\n",
            {"zzsilver": "sales", "zzbronze": "sales", "zzkey": "id"},
            "Clean and check a Bronze table into Silver (quarantine), MERGE on the keys",
        ),
    ),
    "gold": Generator(
        spec=".spec.gold:GoldSpec",
        plan=".generators.gold:plan_gold",
        template="gold.py.j2",
        schema_setting="gold_schema",
        summary="Join Silver tables, aggregate on a time grain, add features, MERGE into Gold.",
        name_help="The Gold table: weekly_sales, gold.weekly_sales or main.gold.weekly_sales.",
        keys=(
            "from", "join", "group_by", "grain", "time_col", "aggregates", "features", "keys",
            "kind", "entity", "attributes", "lookups", "tenure_from", "events", "windows",
            "labels", "as_of",
            "partition_by", "cluster_by", "comment", "owner", "tags", "column_tags",
            "properties",
        ),
        layout=Layout(
            "from",
            many_tables=True,
            column=("time_col",),
            columns=("group_by", "keys", *TABLE_LAYOUT),
            main=("join", "group_by", "grain", "time_col", "aggregates", "kind", "comment"),
        ),
        snippet=SnippetCell(
            "zzgold",
            "from: zzsilver\ngroup_by: [zzgroup]\ngrain: week\ntime_col: zztime\n"
            "aggregates: {zztarget: sum(zztarget)}\n",
            {"zzgold": "weekly_sales", "zzsilver": "sales", "zzgroup": "store",
             "zztime": "day", "zztarget": "units"},
            "Aggregate Silver to a weekly Gold table",
        ),
    ),
    "modelzoo": Generator(
        spec=".spec.modelzoo:ModelZooSpec",
        plan=".generators.modelzoo:plan_modelzoo",
        template="modelzoo.py.j2",
        engines=(("spark", "modelzoo_spark.py.j2"),),
        schema_setting="gold_schema",
        name_label="NAME",
        summary="Compare a baseline and candidate models on one shared split; log, register, "
        "promote.",
        name_help="The model's name (registered as it, or as register: says).",
        keys=(
            "table", "target", "task", "features", "exclude", "time_col", "lags", "series",
            "split", "cv", "models", "params", "metric", "engine", "sample_rows", "experiment",
            "register", "alias", "promote_if", "leaderboard_table", "kpis", "costs", "select_by",
        ),
        layout=Layout(
            "table",
            column=("target", "time_col"),
            columns=("features", "exclude", "series"),
            main=("target", "task", "features", "time_col", "models", "metric", "register"),
        ),
        snippet=SnippetCell(
            "zzmodel",
            "table: zzgold\ntarget: zztarget\ntask: regression\nregister: zzmodel\n",
            {"zzmodel": "demand", "zzgold": "weekly_sales", "zztarget": "units"},
            "Compare a baseline and candidates on one split, log to MLflow, register",
        ),
    ),
    "deploy": Generator(
        spec=".spec.deploy:DeploySpec",
        plan=".generators.deploy:plan_deploy",
        template="deploy.py.j2",
        schema_setting="gold_schema",
        name_label="NAME",
        summary="Score a table with a registered model into a Gold predictions table.",
        name_help="The registered model's name (on Unity Catalog: catalog.ml.NAME).",
        keys=(
            "model", "table", "keys", "predictions_table", "gate", "promote", "rollback",
            "log_features", "result_type",
        ),
        layout=Layout(
            "table",
            columns=("keys",),
            main=("model", "keys", "gate", "promote", "rollback"),
        ),
        snippet=SnippetCell(
            "zzmodel",
            "table: zzgold\nkeys: [zzkey, zztime]\n",
            {"zzmodel": "demand", "zzgold": "weekly_sales", "zzkey": "store", "zztime": "day"},
            "Score a Gold table with @champion into a predictions table (Spark UDF, MERGE)",
        ),
    ),
    "monitor": Generator(
        spec=".spec.monitor:MonitorSpec",
        plan=".generators.monitor:plan_monitor",
        template="monitor.py.j2",
        schema_setting="gold_schema",
        name_label="NAME",
        summary="Drift per feature and window (PSI, KS), prediction drift, performance, retrain "
        "trigger.",
        name_help="The registered model's name (on Unity Catalog: catalog.ml.NAME).",
        keys=(
            "model", "table", "time_col", "window", "features", "label", "label_table", "keys",
            "kpis", "baseline", "psi_threshold", "ks_alpha", "bins", "min_rows", "trigger",
            "monitoring_table", "lakehouse_monitoring",
        ),
        layout=Layout(
            "table",
            table_optional=True,
            column=("time_col", "label"),
            columns=("features", "keys"),
            main=("model", "time_col", "window", "features", "label", "psi_threshold",
                  "trigger"),
        ),
        snippet=SnippetCell(
            "zzmodel",
            "time_col: zztime\nwindow: week\ntrigger: {k: 2, n: 3}\n",
            {"zzmodel": "demand", "zztime": "day"},
            "Drift per feature and week (PSI, KS) against the training data, retrain trigger",
        ),
    ),
}  # fmt: skip
