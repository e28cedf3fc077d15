"""``%%modelzoo``: the candidates, metrics, split and MLflow names, for the template."""

from __future__ import annotations

import functools
import importlib
import importlib.util
import inspect
import keyword
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import SpecError, did_you_mean, short
from ..metrics import METRICS
from ..names import TableName, check_identifier, parse_table_name
from ..runtime.catalog import ColumnLookup
from ..settings import Settings
from ..spec.modelzoo import ModelZooSpec
from .columns import Columns
from .common import Context
from .deploy import spark_model_volume

# name -> family -> (module, class, default arguments); "seed" is replaced by the split seed.
CANDIDATES: dict[str, dict[str, tuple[str, str, dict[str, Any]]]] = {
    "baseline": {
        "regression": ("sklearn.dummy", "DummyRegressor", {"strategy": "mean"}),
        "classification": ("sklearn.dummy", "DummyClassifier", {"strategy": "prior"}),
    },
    "linear": {
        "regression": ("sklearn.linear_model", "Ridge", {"alpha": 1.0}),
        "classification": ("sklearn.linear_model", "LogisticRegression", {"max_iter": 1000}),
    },
    "logistic": {
        "classification": ("sklearn.linear_model", "LogisticRegression", {"max_iter": 1000}),
    },
    "random_forest": {
        "regression": (
            "sklearn.ensemble",
            "RandomForestRegressor",
            {"n_estimators": 100, "random_state": "seed"},
        ),
        "classification": (
            "sklearn.ensemble",
            "RandomForestClassifier",
            {"n_estimators": 100, "random_state": "seed"},
        ),
    },
    "extra_trees": {
        "regression": (
            "sklearn.ensemble",
            "ExtraTreesRegressor",
            {"n_estimators": 100, "random_state": "seed"},
        ),
        "classification": (
            "sklearn.ensemble",
            "ExtraTreesClassifier",
            {"n_estimators": 100, "random_state": "seed"},
        ),
    },
    "hist_gbm": {
        "regression": (
            "sklearn.ensemble",
            "HistGradientBoostingRegressor",
            {"random_state": "seed"},
        ),
        "classification": (
            "sklearn.ensemble",
            "HistGradientBoostingClassifier",
            {"random_state": "seed"},
        ),
    },
    "lightgbm": {
        "regression": ("lightgbm", "LGBMRegressor", {"random_state": "seed", "verbose": -1}),
        "classification": ("lightgbm", "LGBMClassifier", {"random_state": "seed", "verbose": -1}),
    },
    "xgboost": {
        "regression": ("xgboost", "XGBRegressor", {"random_state": "seed"}),
        "classification": ("xgboost", "XGBClassifier", {"random_state": "seed"}),
    },
}
DEFAULT_MODELS = ("baseline", "linear", "random_forest", "hist_gbm")
PACKAGES = {"lightgbm": "lightgbm", "xgboost": "xgboost"}


# Spark ML estimators for engine: spark (pyspark.ml.<family>); extra trees, LightGBM and
# XGBoost have no estimator in Spark ML itself. A tree of depth 0 is one leaf: the mean or
# the class frequencies, like scikit-learn's dummies.
SPARK_CANDIDATES: dict[str, dict[str, tuple[str, dict[str, Any]]]] = {
    "baseline": {
        "regression": ("DecisionTreeRegressor", {"maxDepth": 0}),
        "classification": ("DecisionTreeClassifier", {"maxDepth": 0}),
    },
    "linear": {
        "regression": ("LinearRegression", {"regParam": 0.0}),
        "classification": ("LogisticRegression", {"maxIter": 100}),
    },
    "logistic": {"classification": ("LogisticRegression", {"maxIter": 100})},
    "random_forest": {
        "regression": ("RandomForestRegressor", {"numTrees": 100, "seed": "seed"}),
        "classification": ("RandomForestClassifier", {"numTrees": 100, "seed": "seed"}),
    },
    "hist_gbm": {
        "regression": ("GBTRegressor", {"maxIter": 20, "seed": "seed"}),
        "classification": ("GBTClassifier", {"maxIter": 20, "seed": "seed"}),
    },
}


def _resolve(spec: ModelZooSpec, name: str, where: str) -> tuple[str, str, dict[str, Any]]:
    """(module, class, default arguments) of candidate *name* for the spec's engine."""
    if spec.engine == "spark":
        if name not in SPARK_CANDIDATES:
            usable = [m for m in SPARK_CANDIDATES if spec.family in SPARK_CANDIDATES[m]]
            raise SpecError(
                f"{where}: {name} has no Spark ML estimator; engine: spark trains "
                f"{', '.join(usable)} (or use engine: sklearn)"
            )
        cls, defaults = SPARK_CANDIDATES[name][spec.family]
        return f"pyspark.ml.{spec.family}", cls, defaults
    package = PACKAGES.get(name)
    if package and importlib.util.find_spec(package) is None:
        raise SpecError(f"{where}: {name} needs the {package} package (pip install {package})")
    return CANDIDATES[name][spec.family]


def _candidates(spec: ModelZooSpec) -> list[dict[str, Any]]:
    names = ["baseline", *[m for m in (spec.models or DEFAULT_MODELS) if m != "baseline"]]
    chosen = []
    for index, name in enumerate(names):
        where = f"models[{index}]"
        if name not in CANDIDATES:
            raise SpecError(
                f"{where}: unknown model {short(name)}{did_you_mean(name, CANDIDATES)}; "
                f"models: {', '.join(CANDIDATES)}"
            )
        if spec.family not in CANDIDATES[name]:
            raise SpecError(f"{where}: {name} is for classification, not {spec.task}")
        module, cls, defaults = _resolve(spec, name, where)
        given = spec.model_params().get(name, {})
        for key in given:
            check_parameter(module, cls, key, f"params.{name}")
        seeded = {k: (spec.split.seed if v == "seed" else v) for k, v in defaults.items()}
        arguments = {**seeded, **given}
        threaded = spec.engine == "sklearn" and name in ("random_forest", "extra_trees")
        chosen.append(
            {
                "name": name,
                "module": module,
                "cls": cls,
                "arguments": arguments,
                "threaded": threaded,
            }
        )
    unknown = sorted(set(spec.params) - set(names))
    if unknown:
        raise SpecError(
            f"params: {short(unknown[0])} is not one of the models ({', '.join(names)})"
        )
    return chosen


@functools.cache
def parameter_names(module: str, cls: str) -> frozenset[str] | None:
    """The keyword arguments estimator *cls* takes; None when its package is not installed.

    Read from the constructor's signature (scikit-learn's ``get_params`` and Spark ML's
    keyword-only ``__init__`` both come from it), so no estimator is built and no JVM starts.
    """
    try:
        estimator = getattr(importlib.import_module(module), cls)
    except ImportError:
        return None
    kinds = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    parameters = inspect.signature(estimator.__init__).parameters.values()
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters) and cls.startswith(
        ("LGBM", "XGB")
    ):
        return None  # LightGBM and XGBoost pass unknown keywords on to their boosters
    return frozenset(p.name for p in parameters if p.kind in kinds and p.name != "self")


def check_parameter(module: str, cls: str, key: str, where: str) -> str:
    """*key* when it names a parameter of *cls*: it is written as a keyword argument.

    Without the estimator's package (nothing to read its parameters from) a key must at least
    be a plain ASCII identifier that is not a Python keyword.
    """
    known = parameter_names(module, cls)
    if known is None and key.isidentifier() and key.isascii() and not keyword.iskeyword(key):
        return key
    if known is not None and key in known:
        return key
    raise SpecError(
        f"{where}: {short(key)} is not a parameter of {cls}{did_you_mean(key, known or ())}"
    )


@dataclass(frozen=True)
class ModelZooContext(Context):
    spec: ModelZooSpec
    engine: str
    databricks: bool
    name: str  # the model's name
    source_table: str
    target: str
    family: str  # regression | classification
    features: list[str]
    exclude: list[str]
    time_col: str | None
    lags: dict[str, int]  # lag column -> rows back
    series: list[str]
    split: Any  # the spec's Split, method "time" for a forecast
    cv: int
    candidates: list[dict[str, Any]]
    candidate_names: list[str]
    metrics: list[str]
    scorers: dict[str, str]
    primary: str
    lower_is_better: bool
    sample_rows: int
    experiment: str
    artifact_root: str | None
    registered: str | None
    registered_schema: str | None  # catalog.schema of a Unity Catalog model, created if missing
    alias: str
    promote: Any  # the spec's PromoteIf, or None
    promote_metric: str
    promote_lower_is_better: bool
    leaderboard_table: str
    schema_name: str
    dfs_tmp: dict[str, str] | None
    kpis: list[dict[str, Any]]  # name, key (kpi_<name>), text, sql, numpy, lower_is_better...
    kpi_columns: list[str]  # the table columns the KPIs read
    kpi_probability: bool  # a KPI reads probability (two classes needed)
    costs: Any  # the spec's Costs, or None
    select_metric: str  # what picks the winner: a metric or kpi_<name>
    select_lower_is_better: bool

    def importable(self) -> Mapping[str, str]:
        """The common imports, this engine's classes and the candidates' estimators."""
        from ..imports import ENGINES, known

        estimators = [f"{c['module']}:{c['cls']}" for c in self.candidates]
        return known([*ENGINES[self.engine].values(), *estimators])


def _check_columns(spec: ModelZooSpec, columns: Columns) -> None:
    """Every column the spec names is in the table; no lag column is there already."""
    columns.require("target", [spec.target])
    columns.require("features", spec.features)
    columns.require("exclude", spec.exclude)
    columns.require("time_col", [spec.time_col] if spec.time_col else [])
    columns.require("split.group_col", [spec.split.group_col] if spec.split.group_col else [])
    columns.require("series", spec.series)
    lag_columns = [f"{spec.target}_lag_{p}" for p in dict.fromkeys(spec.lags)]
    known = {n.lower() for n in columns.names or ()}  # empty when the columns are unknown
    taken = [c for c in lag_columns if c.lower() in known]
    if taken:
        raise SpecError(f"lags: {spec.table} already has a column {short(taken[0])}; drop that lag")


def _registered_name(spec: ModelZooSpec, settings: Settings) -> str | None:
    """``register:`` checked, and on Unity Catalog a short name gets the catalog and ml schema."""
    if not spec.register_:
        return None
    for part in spec.register_.split("."):
        check_identifier(part, "register")
    if settings.target == "databricks" and "." not in spec.register_:
        return f"{settings.catalog}.{settings.ml_schema}.{spec.register_}"
    return spec.register_


def _kpis(spec: ModelZooSpec, columns: Columns) -> list[dict[str, Any]]:
    """Each KPI checked against the table (when its columns are known) and translated."""
    from .kpis import parse_kpi

    classification = spec.family == "classification"
    kpis = [
        vars(parse_kpi(name, kpi.sql, kpi.goal, classification, columns.names))
        for name, kpi in spec.kpis.items()
    ]
    if spec.costs:
        fn, fp = spec.costs.false_negative, spec.costs.false_positive
        missed = '(rows["label"] == positive_class) & (rows["prediction"] != positive_class)'
        alarms = '(rows["label"] != positive_class) & (rows["prediction"] == positive_class)'
        kpis.append(
            {
                "name": "cost",
                "text": f"{fn:g} per false negative + {fp:g} per false positive",
                "numpy": f"{fn!r} * np.count_nonzero({missed})"
                f" + {fp!r} * np.count_nonzero({alarms})",
                # Spark: the class indexes (1 is positive_class) at the tuned thresholds
                "sql": f"{fn!r} * count_if(`_label` = 1 AND `_prediction_index` = 0)"
                f" + {fp!r} * count_if(`_label` = 0 AND `_prediction_index` = 1)",
                "columns": (),
                "uses_probability": False,
                "lower_is_better": True,
            }
        )
    return [{**kpi, "key": f"kpi_{kpi['name']}"} for kpi in kpis]


def _measure(spec: ModelZooSpec, name: str, kpis: list[dict[str, Any]]) -> tuple[str, bool]:
    """The leaderboard's name of metric or KPI *name* (``kpi_<name>``), and its direction."""
    kpi = next((k for k in kpis if k["name"] == name), None)
    if kpi:
        return kpi["key"], kpi["lower_is_better"]
    return name, METRICS[name].lower_is_better


def _schema_of(registered: str | None) -> str | None:
    """``catalog.schema`` of a Unity Catalog model name (three parts), else None."""
    return registered.rsplit(".", 1)[0] if registered and registered.count(".") == 2 else None


def _kpi_fields(spec: ModelZooSpec, kpis: list[dict[str, Any]]) -> dict[str, Any]:
    """The context's KPI fields, and what picks the winner and gates @champion."""
    primary = spec.primary_metric()
    select_metric, select_lower = _measure(spec, spec.select_by or primary, kpis)
    promote_metric, promote_lower = _measure(spec, spec.promoted or primary, kpis)
    return {
        "kpis": kpis,
        "kpi_columns": list(dict.fromkeys(c for k in kpis for c in k["columns"])),
        "kpi_probability": any(k["uses_probability"] for k in kpis),
        "costs": spec.costs,
        "select_metric": select_metric,
        "select_lower_is_better": select_lower,
        "promote_metric": promote_metric,
        "promote_lower_is_better": promote_lower,
    }


def plan_modelzoo(
    spec: ModelZooSpec, name: TableName, settings: Settings, lookup: ColumnLookup
) -> ModelZooContext:
    """The template context for one ``%%modelzoo`` cell (*name* is the model's name)."""
    source = parse_table_name(spec.table, "table", settings.catalog, settings.gold_schema)
    columns = Columns(lookup(source.dotted))
    _check_columns(spec, columns)
    kpis = _kpis(spec, columns)
    databricks = settings.target == "databricks"
    model_name = name.table
    registered = _registered_name(spec, settings)
    leaderboard = parse_table_name(
        spec.leaderboard_table or f"{model_name}_evaluation",
        "leaderboard_table",
        settings.catalog,
        settings.gold_schema,
    )
    candidates = _candidates(spec)
    primary = spec.primary_metric()
    split = spec.split.model_copy(update={"method": "time"} if spec.task == "forecast" else {})
    return ModelZooContext(
        spec=spec,
        engine=spec.engine,
        databricks=databricks,
        name=model_name,
        source_table=source.dotted,
        target=spec.target,
        family=spec.family,
        features=list(spec.features),
        exclude=list(spec.exclude),
        time_col=spec.time_col,
        lags={f"{spec.target}_lag_{p}": p for p in dict.fromkeys(spec.lags)},
        series=list(spec.series),
        split=split,
        cv=spec.cv,
        candidates=candidates,
        candidate_names=[c["name"] for c in candidates],
        metrics=list(spec.metrics()),
        scorers={m: METRICS[m].scorer for m in spec.metrics()},
        primary=primary,
        lower_is_better=METRICS[primary].lower_is_better,
        sample_rows=spec.sample_rows,
        experiment=spec.experiment or f"{settings.experiment_root.rstrip('/')}/{model_name}",
        artifact_root=None if databricks else "./.dbx_architect/mlruns",
        registered=registered,
        registered_schema=_schema_of(registered),
        alias=spec.alias,
        promote=spec.promote_if,
        **_kpi_fields(spec, kpis),
        leaderboard_table=leaderboard.dotted,
        schema_name=leaderboard.schema_dotted,
        dfs_tmp=spark_model_volume(settings),
    )
