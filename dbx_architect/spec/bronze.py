"""``%%bronze TABLE``: the ingestion spec (SPEC section 4)."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from .base import Identifier, OneLine, Principal, ScalarText
from .transform import Layout

FORMATS = ("csv", "json", "parquet", "delta", "table")

_PROPERTY_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*\Z")


def _property_key(value: str) -> str:
    if not _PROPERTY_KEY.match(value):
        raise ValueError(f"{value!r} is not a valid table property name (like delta.appendOnly)")
    return value


PropertyKey = Annotated[str, AfterValidator(_property_key)]


class BronzeSpec(Layout):
    """Land raw files or a table as-is in a Bronze Delta table, with ingest metadata."""

    source: OneLine = Field(description="Path of the files, or a table name.")
    format: Literal["csv", "json", "parquet", "delta", "table"] | None = Field(
        None, description="Inferred from the path when absent."
    )
    options: dict[OneLine, ScalarText] = Field(
        default_factory=dict, description="Reader options, e.g. header: true."
    )
    schema_ddl: OneLine | None = Field(
        None, alias="schema", description="Spark DDL columns; required for incremental file loads."
    )
    load: Literal["incremental", "full"] = "incremental"
    keys: list[Identifier] = Field(
        default_factory=list, description="Upsert with MERGE on these columns."
    )
    partition_by: list[Identifier] = Field(default_factory=list)
    cluster_by: list[Identifier] = Field(default_factory=list)
    comment: OneLine | None = None
    owner: Principal | None = None
    tags: dict[OneLine, ScalarText] = Field(default_factory=dict)
    properties: dict[PropertyKey, ScalarText] = Field(default_factory=dict)
