"""``%%modelzoo NAME``: compare models fairly, log to MLflow, register (see docs/modelzoo.md)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, model_validator

from ..errors import short
from ..metrics import CLASSIFICATION_METRICS, METRICS, REGRESSION_METRICS
from .base import Identifier, OneLine, SpecModel
from .transform import Columns, Scalar


class Split(SpecModel):
    """How rows are split into train and test, and train into folds."""

    method: Literal["random", "time", "group"] = Field(
        "random", description="random, time (the latest rows for test) or group (group_col)."
    )
    test_size: float = Field(0.2, gt=0, lt=1, description="The share of rows held out for test.")
    seed: int = Field(42, ge=0, le=2**32 - 1, description="scikit-learn takes 0 to 2**32 - 1.")
    gap: int = Field(0, ge=0, description="time: rows left out between train and validation.")
    group_col: Identifier | None = Field(
        None, description="group: the column whose values stay on one side of the split."
    )

    @model_validator(mode="after")
    def _group(self) -> Split:
        if self.method == "group" and not self.group_col:
            raise ValueError("group_col: a group split needs the column that holds the groups")
        return self


class PromoteIf(SpecModel):
    metric: Identifier | None = Field(
        None, description="The metric or KPI compared; default: the zoo's metric."
    )
    min_improvement: float = Field(
        0.0,
        ge=0,
        le=1e9,
        description="Move @champion only when the test score beats the champion's by this much.",
    )


def _short_kpi(value: Any) -> Any:
    """``name: <sql>`` is ``name: {sql: <sql>}`` (goal: max)."""
    return {"sql": value} if isinstance(value, str) else value


class Kpi(SpecModel):
    """A business KPI: one SQL aggregate over the scored rows, and which way is better."""

    sql: OneLine = Field(
        description="One aggregate over the scored rows: the table's columns, label, prediction, "
        "probability (e.g. sum(case when prediction = 1 then revenue end))."
    )
    goal: Literal["max", "min"] = Field("max", description="max (more is better) or min.")


# The kpis key of the model zoo, the monitor and the requirements: {name: KPI}, each KPI its SQL
# alone (goal: max) or {sql, goal}.
Kpis = dict[Identifier, Annotated[Kpi, BeforeValidator(_short_kpi)]]


class Costs(SpecModel):
    """What each kind of error costs (binary classification): the threshold is tuned to it."""

    false_negative: float = Field(ge=0, le=1e12, description="The cost of a missed positive.")
    false_positive: float = Field(ge=0, le=1e12, description="The cost of a false alarm.")


class ModelZooSpec(SpecModel):
    """Train a baseline and candidate models on one shared split; log, compare and register."""

    table: OneLine = Field(..., description="A Gold table (short names resolve to gold).")
    target: Identifier = Field(description="The column to predict.")
    task: Literal["regression", "classification", "forecast"] = Field(
        description="regression, classification or forecast (a time split)."
    )
    features: Columns = Field(default_factory=list, description="Default: every other column.")
    exclude: Columns = Field(
        default_factory=list, description="Columns left out of the features; not with features."
    )
    time_col: Identifier | None = Field(
        None, description="The time column (a forecast and a time split need it)."
    )
    lags: list[Annotated[int, Field(ge=1, le=1000)]] = Field(
        default_factory=list, description="forecast: the target this many rows back, as features."
    )
    series: Columns = Field(
        default_factory=list, description="forecast: columns naming one series (lags stay inside)."
    )
    split: Split = Field(
        default_factory=Split, description="How rows are split into train and test (see Split)."
    )
    cv: int = Field(5, ge=2, le=20, description="Cross-validation folds.")
    models: list[str] = Field(
        default_factory=list,
        description="Candidates, e.g. linear, random_forest, extra_trees, hist_gbm; "
        "baseline is always added.",
    )
    params: dict[str, dict[str, Scalar | list[Scalar] | None]] = Field(
        default_factory=dict,
        description="{model: {parameter: value}}, the engine's own parameter names.",
    )
    metric: str | None = Field(
        None,
        description="rmse, mae, r2; f1_weighted, accuracy, roc_auc, log_loss; "
        "default: the first of the task's.",
    )
    engine: Literal["sklearn", "spark"] = Field(
        "sklearn",
        description="sklearn (rows go to the driver) or spark (Spark ML, nothing collected).",
    )
    sample_rows: int = Field(
        1_000_000,
        ge=100,
        le=2**31 - 1,
        description="sklearn: at most this many rows are collected to the driver.",
    )
    experiment: OneLine | None = Field(
        None, description="The MLflow experiment; default: under the configured experiment root."
    )
    register_: OneLine | None = Field(
        None,
        alias="register",
        description="The registered model's name (in the ml schema on Unity Catalog).",
    )
    alias: Identifier = Field("challenger", description="The alias the winner gets.")
    promote_if: PromoteIf | None = Field(
        None, description="When the winner also becomes @champion (see PromoteIf)."
    )
    leaderboard_table: OneLine | None = Field(
        None, description="The Gold evaluation table the leaderboard is appended to."
    )
    kpis: Kpis = Field(
        default_factory=dict,
        description="{name: SQL aggregate} or {name: {sql: ..., goal: max|min}}: business KPIs "
        "computed per fold and on test for every candidate (see Kpi).",
    )
    costs: Costs | None = Field(
        None,
        description="Binary classification: {false_negative: 300, false_positive: 15}; the "
        "decision threshold is tuned to the least cost, which becomes the KPI cost.",
    )
    select_by: Identifier | None = Field(
        None, description="The metric or KPI that picks the winner; default: the metric."
    )

    @model_validator(mode="after")
    def _fit(self) -> ModelZooSpec:
        if self.features and self.exclude:
            raise ValueError("features and exclude: give one of them")
        if self.target in self.features:
            raise ValueError(
                f"features: {short(self.target)} is the target; it cannot be a feature"
            )
        if self.task == "forecast" and not self.time_col:
            raise ValueError("time_col: a forecast needs the time column (it splits by time)")
        if (self.lags or self.series) and self.task != "forecast":
            key = "lags" if self.lags else "series"
            raise ValueError(f"{key}: lag features of the target are for task: forecast")
        if self.series and not self.lags:
            raise ValueError("series: give lags too (series only groups the lag features)")
        if self.split.method == "time" and not self.time_col:
            raise ValueError("time_col: a time split needs the time column")
        metrics = self.metrics()
        if self.metric and self.metric not in metrics:
            raise ValueError(
                f"metric: {short(self.metric)} is not a {self.family} metric; use one of "
                f"{', '.join(metrics)}"
            )
        self._check_kpis()
        return self

    def _check_kpis(self) -> None:
        if self.costs and self.family != "classification":
            raise ValueError("costs: a cost matrix is for task: classification (two classes)")
        clash = next((n for n in self.kpis if n in METRICS or n == "cost" and self.costs), None)
        if clash:
            what = "the KPI of costs" if clash == "cost" else "a metric"
            raise ValueError(f"kpis: {short(clash)} is {what}; give the KPI another name")
        for key, name in (("select_by", self.select_by), ("promote_if.metric", self.promoted)):
            if name and name not in self.measures():
                what = "neither a {} metric nor a KPI" if self.kpi_names() else "not a {} metric"
                raise ValueError(
                    f"{key}: {short(name)} is {what.format(self.family)}; "
                    f"use one of {', '.join(self.measures())}"
                )

    @property
    def promoted(self) -> str | None:
        return self.promote_if.metric if self.promote_if else None

    def kpi_names(self) -> list[str]:
        """The KPIs' names, the one of costs (cost) last."""
        return [*self.kpis, *(["cost"] if self.costs else [])]

    def measures(self) -> list[str]:
        """What may pick the winner: the task's metrics and the KPIs."""
        return [*self.metrics(), *self.kpi_names()]

    @property
    def family(self) -> str:
        return "classification" if self.task == "classification" else "regression"

    def metrics(self) -> tuple[str, ...]:
        return CLASSIFICATION_METRICS if self.family == "classification" else REGRESSION_METRICS

    def primary_metric(self) -> str:
        return self.metric or self.metrics()[0]

    def model_params(self) -> dict[str, dict[str, Any]]:
        return {name: dict(values) for name, values in self.params.items()}
