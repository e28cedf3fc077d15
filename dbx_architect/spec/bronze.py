"""``%%bronze TABLE``: the ingestion spec (see docs/bronze.md)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import Identifier, OneLine, ScalarText
from .transform import TableSpec


class BronzeSpec(TableSpec):
    """Land raw files or a table as-is in a Bronze Delta table, with ingest metadata."""

    source: OneLine = Field(description="Path of the files, or a table name.")
    format: Literal["csv", "json", "parquet", "delta", "table"] | None = Field(
        None, description="Inferred from the path when absent."
    )
    options: dict[OneLine, ScalarText] = Field(
        default_factory=dict, description="Reader options, e.g. header: true."
    )
    schema_ddl: OneLine | None = Field(
        None,
        alias="schema",
        description="Spark DDL columns; required for incremental file loads, except on "
        "Databricks, where Auto Loader infers them.",
    )
    schema_hints: OneLine | None = Field(
        None,
        description="Databricks, without schema: Auto Loader infers the columns but takes these "
        "types, e.g. amount DECIMAL(10,2).",
    )
    load: Literal["incremental", "full"] = Field(
        "incremental",
        description="incremental: only new files or commits; full: replace every row.",
    )
    keys: list[Identifier] = Field(
        default_factory=list, description="Upsert with MERGE on these columns."
    )
