"""``%%modelzoo``: the candidates, metrics, split and MLflow names, for the template."""

from __future__ import annotations

import importlib.util
from typing import Any

from ..errors import SpecError, did_you_mean
from ..names import TableName, check_identifier, parse_table_name
from ..runtime.catalog import ColumnLookup
from ..settings import Settings
from ..spec.modelzoo import LOWER_IS_BETTER, ModelZooSpec
from .columns import Columns

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
            {"n_estimators": 200, "n_jobs": -1, "random_state": "seed"},
        ),
        "classification": (
            "sklearn.ensemble",
            "RandomForestClassifier",
            {"n_estimators": 200, "n_jobs": -1, "random_state": "seed"},
        ),
    },
    "extra_trees": {
        "regression": (
            "sklearn.ensemble",
            "ExtraTreesRegressor",
            {"n_estimators": 200, "n_jobs": -1, "random_state": "seed"},
        ),
        "classification": (
            "sklearn.ensemble",
            "ExtraTreesClassifier",
            {"n_estimators": 200, "n_jobs": -1, "random_state": "seed"},
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

# metric -> scikit-learn scorer (a "neg_" scorer is flipped back to the metric's own sign).
SCORERS = {
    "rmse": "neg_root_mean_squared_error",
    "mae": "neg_mean_absolute_error",
    "r2": "r2",
    "f1_weighted": "f1_weighted",
    "accuracy": "accuracy",
    "roc_auc": "roc_auc_ovr_weighted",
    "log_loss": "neg_log_loss",
}


def _candidates(spec: ModelZooSpec) -> list[dict[str, Any]]:
    names = ["baseline", *[m for m in (spec.models or DEFAULT_MODELS) if m != "baseline"]]
    if spec.family == "regression" and not spec.models:
        names = [n if n != "logistic" else "linear" for n in names]
    chosen = []
    for index, name in enumerate(names):
        where = f"models[{index}]"
        if name not in CANDIDATES:
            raise SpecError(
                f"{where}: unknown model {name!r}{did_you_mean(name, CANDIDATES)}; "
                f"models: {', '.join(CANDIDATES)}"
            )
        if spec.family not in CANDIDATES[name]:
            raise SpecError(f"{where}: {name} is for classification, not {spec.task}")
        package = PACKAGES.get(name)
        if package and importlib.util.find_spec(package) is None:
            raise SpecError(f"{where}: {name} needs the {package} package (pip install {package})")
        module, cls, defaults = CANDIDATES[name][spec.family]
        arguments = {**defaults, **spec.model_params().get(name, {})}
        arguments = {k: (spec.split.seed if v == "seed" else v) for k, v in arguments.items()}
        chosen.append({"name": name, "module": module, "cls": cls, "arguments": arguments})
    unknown = sorted(set(spec.params) - set(names))
    if unknown:
        raise SpecError(f"params: {unknown[0]!r} is not one of the models ({', '.join(names)})")
    return chosen


BASE_IMPORTS = (
    ("sklearn.base", "clone"),
    ("sklearn.compose", "ColumnTransformer"),
    ("sklearn.impute", "SimpleImputer"),
    ("sklearn.metrics", "get_scorer"),
    ("sklearn.model_selection", "cross_validate"),
    ("sklearn.pipeline", "Pipeline"),
    ("sklearn.pipeline", "make_pipeline"),
    ("sklearn.preprocessing", "OneHotEncoder"),
    ("sklearn.preprocessing", "StandardScaler"),
)


def _imports(candidates: list[dict[str, Any]], time_split: bool) -> list[tuple[str, str]]:
    """``from module import A, B`` lines for the template, sorted like isort would."""
    by_module: dict[str, list[str]] = {}
    pairs = [
        *BASE_IMPORTS,
        *([] if time_split else [("sklearn.model_selection", "PredefinedSplit")]),
    ]
    for module, cls in pairs:
        by_module.setdefault(module, []).append(cls)
    for c in candidates:
        by_module.setdefault(c["module"], [])
        if c["cls"] not in by_module[c["module"]]:
            by_module[c["module"]].append(c["cls"])
    return [
        (module, ", ".join(sorted(classes, key=lambda n: (n[0].islower(), n))))
        for module, classes in sorted(by_module.items())
    ]


def plan_modelzoo(
    spec: ModelZooSpec, name: TableName, settings: Settings, lookup: ColumnLookup
) -> dict[str, Any]:
    """The template context for one ``%%modelzoo`` cell (*name* is the model's name)."""
    if spec.engine == "spark":
        raise SpecError(
            "engine: the spark engine is not built yet; use engine: sklearn "
            "(sample_rows caps the rows collected to the driver)"
        )
    source = parse_table_name(spec.table, "table", settings.catalog, settings.gold_schema)
    columns = Columns(lookup(source.dotted))
    columns.require("target", [spec.target])
    columns.require("features", spec.features)
    columns.require("exclude", spec.exclude)
    columns.require("time_col", [spec.time_col] if spec.time_col else [])
    columns.require("split.group_col", [spec.split.group_col] if spec.split.group_col else [])
    if spec.promote_if and spec.promote_if.metric and spec.promote_if.metric not in spec.metrics():
        raise SpecError(
            f"promote_if.metric: {spec.promote_if.metric!r} is not a {spec.family} metric; "
            f"use one of {', '.join(spec.metrics())}"
        )
    databricks = settings.target == "databricks"
    model_name = name.table
    registered = spec.register_ and (
        f"{settings.catalog}.{settings.ml_schema}.{spec.register_}"
        if databricks and spec.register_.count(".") == 0
        else spec.register_
    )
    if spec.register_:
        for part in spec.register_.split("."):
            check_identifier(part, "register")
    leaderboard = parse_table_name(
        spec.leaderboard_table or f"{model_name}_evaluation",
        "leaderboard_table",
        settings.catalog,
        settings.gold_schema,
    )
    candidates = _candidates(spec)
    primary = spec.primary_metric()
    split = spec.split.model_copy(update={"method": "time"} if spec.task == "forecast" else {})
    return {
        "spec": spec,
        "databricks": databricks,
        "name": model_name,
        "source_table": source.dotted,
        "target": spec.target,
        "family": spec.family,
        "features": list(spec.features),
        "exclude": list(spec.exclude),
        "time_col": spec.time_col,
        "split": split,
        "cv": spec.cv,
        "candidates": candidates,
        "imports": _imports(candidates, split.method == "time"),
        "metrics": list(spec.metrics()),
        "scorers": {m: SCORERS[m] for m in spec.metrics()},
        "primary": primary,
        "lower_is_better": primary in LOWER_IS_BETTER,
        "sample_rows": spec.sample_rows,
        "experiment": spec.experiment or f"{settings.experiment_root.rstrip('/')}/{model_name}",
        "artifact_root": None if databricks else "./.dbx_architect/mlruns",
        "registered": registered,
        "alias": spec.alias,
        "promote": spec.promote_if,
        "promote_metric": (spec.promote_if.metric if spec.promote_if else None) or primary,
        "leaderboard_table": leaderboard.dotted,
        "schema_name": leaderboard.schema_dotted,
    }
