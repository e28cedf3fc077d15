"""Model metrics, once: their family, their direction, and how each engine computes them.

``%%modelzoo`` (leaderboard order, promotion), ``%%deploy`` (the gate) and their templates read
these facts from here; nothing else spells "lower is better".
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Metric:
    name: str
    family: str  # regression | classification
    lower_is_better: bool
    scorer: str  # scikit-learn's scorer ("neg_" ones are flipped back to the metric's sign)
    spark_evaluator: str  # Spark ML's evaluator class
    spark_name: str  # that evaluator's metricName


METRICS: dict[str, Metric] = {
    m.name: m
    for m in (
        Metric("rmse", "regression", True, "neg_root_mean_squared_error", "RegressionEvaluator",
               "rmse"),
        Metric("mae", "regression", True, "neg_mean_absolute_error", "RegressionEvaluator",
               "mae"),
        Metric("r2", "regression", False, "r2", "RegressionEvaluator", "r2"),
        Metric("f1_weighted", "classification", False, "f1_weighted",
               "MulticlassClassificationEvaluator", "weightedFMeasure"),
        Metric("accuracy", "classification", False, "accuracy",
               "MulticlassClassificationEvaluator", "accuracy"),
        Metric("roc_auc", "classification", False, "roc_auc_ovr_weighted",
               "BinaryClassificationEvaluator", "areaUnderROC"),
        Metric("log_loss", "classification", True, "neg_log_loss",
               "MulticlassClassificationEvaluator", "logLoss"),
    )
}  # fmt: skip

REGRESSION_METRICS = tuple(n for n, m in METRICS.items() if m.family == "regression")
CLASSIFICATION_METRICS = tuple(n for n, m in METRICS.items() if m.family == "classification")
LOWER_IS_BETTER = tuple(n for n, m in METRICS.items() if m.lower_is_better)


def lower_is_better(name: str) -> bool:
    return METRICS[name].lower_is_better
