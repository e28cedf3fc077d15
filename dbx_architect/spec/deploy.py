"""``%%deploy NAME``: batch scoring with a registered model; gate, promotion, rollback."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, model_validator

from ..errors import short
from .base import Identifier, OneLine, SpecModel
from .transform import Columns

# NAME, NAME@alias or NAME/version, in ASCII only: a version is 1 to 9 plain digits (Python's
# int() would read other scripts' digits too), an alias an identifier.
MODEL_REF = re.compile(
    r"(?P<name>[A-Za-z0-9_.]*)(?:@(?P<alias>[A-Za-z_][A-Za-z0-9_]*)|/(?P<version>[1-9][0-9]{0,8}))?\Z"
)


class Gate(SpecModel):
    """Challenger against champion on labelled data, before promotion."""

    data: OneLine = Field(description="A labelled table (short names resolve to gold).")
    label: Identifier = Field(description="The column holding the true value.")
    metric: Literal["rmse", "mae", "r2", "accuracy", "f1_weighted"] = Field(
        "rmse", description="rmse, mae, r2, accuracy or f1_weighted."
    )
    min_improvement: float = Field(
        0.0, ge=0, le=1e9, description="The challenger must beat the champion by this much."
    )


class DeploySpec(SpecModel):
    """Score a table with a registered model into a Gold predictions table."""

    model: OneLine | None = Field(
        None, description="NAME@alias or NAME/version; default: the cell's NAME @champion."
    )
    table: OneLine = Field(description="The table to score (short names resolve to gold).")
    keys: Columns = Field(default_factory=list, description="Columns that identify a scored row.")
    predictions_table: OneLine | None = Field(
        None, description="Where predictions go; default: <NAME>_predictions in gold."
    )
    gate: Gate | None = Field(
        None, description="Challenger against champion before promotion (see Gate)."
    )
    promote: bool = Field(False, description="Move @champion to @challenger if the gate passes.")
    rollback: bool = Field(False, description="Move @champion back to the previous version.")
    log_features: bool = Field(
        True,
        description="Keep the model's input columns next to each prediction (an inference log "
        "for %%monitor and Lakehouse Monitoring).",
    )
    result_type: Literal["double", "string"] = Field(
        "double", description="The prediction's type (string for text classes)."
    )

    @model_validator(mode="after")
    def _consistent(self) -> DeploySpec:
        if not self.keys:
            raise ValueError("keys: give the columns that identify a scored row (kept with it)")
        if self.model and not MODEL_REF.match(self.model):
            raise ValueError(f"model: {short(self.model)} is not NAME, NAME@alias or NAME/version")
        if self.promote and not self.gate:
            raise ValueError("promote: needs a gate ({data, label, metric}) to pass first")
        if self.rollback and self.promote:
            raise ValueError("rollback and promote: give one of them")
        return self
