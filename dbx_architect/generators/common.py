"""Pieces every layer's generator shares: table layout, properties, governance statements."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..names import sql_ident
from ..settings import Settings

_VOLUME = re.compile(r"/Volumes/([A-Za-z_]\w*)/([A-Za-z_]\w*)/([A-Za-z_]\w*)(/.*)?\Z", re.ASCII)


@dataclass(frozen=True)
class Context:
    """What a planner hands its template: typed fields the template reads as variables."""

    def for_template(self) -> dict[str, Any]:
        """The fields by name (shallow: nested objects keep their own attributes)."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}

    def importable(self) -> Mapping[str, str]:
        """What the generated code may import, by the name it uses (see :mod:`..imports`)."""
        from ..imports import COMMON

        return COMMON


@dataclass(frozen=True)
class ModelContext(Context):
    """What the magics that load a registered model (deploy, monitor) decide the same way."""

    databricks: bool
    model: str  # the registered name
    alias: str | None
    version: str | None
    dfs_tmp: dict[str, str] | None  # where Spark ML models load through on shared compute


@dataclass(frozen=True)
class TableContext(Context):
    """What every table-writing magic (Bronze, Silver, Gold) decides the same way."""

    databricks: bool
    table: str  # catalog.schema.table, each part checked and quoted where reserved
    schema_name: str
    layout: dict[str, Any]  # {"clause": ..., "reason": ...}
    comment: str
    properties: list[tuple[str, str]]
    view: str  # the temporary view of the batch the MERGE reads
    owner: str | None
    tags: list[tuple[str, str]]
    column_tags: list[tuple[str, list[tuple[str, str]]]]  # (quoted column, its tags)


def layout(partition_by: Sequence[str], cluster_by: Sequence[str]) -> dict[str, Any]:
    """The physical layout clause and the reason for it, as a comment for the reader."""
    if cluster_by:
        cols = ", ".join(sql_ident(c) for c in cluster_by)
        return {
            "clause": f"CLUSTER BY ({cols})",
            "reason": f"Liquid clustering on {cols}: data skipping for filters and MERGE on these "
            "columns, and the keys can change later without rewriting the table.",
        }
    if partition_by:
        cols = ", ".join(sql_ident(c) for c in partition_by)
        return {
            "clause": f"PARTITIONED BY ({cols})",
            "reason": f"Partitioned by {cols}: keep these low-cardinality (well under 10,000 "
            "values) so each partition stays at 1 GB or more.",
        }
    return {
        "clause": "",
        "reason": "No partitioning or clustering: under about 1 TB Delta's file statistics "
        "skip data well enough; add cluster_by when queries filter on a few columns.",
    }


def table_properties(extra: dict[str, str]) -> list[tuple[str, str]]:
    """Change Data Feed on (later layers read changes incrementally), then the user's, sorted."""
    merged = {"delta.enableChangeDataFeed": "true", **extra}
    return sorted(merged.items())


def governance(
    settings: Settings,
    owner: str | None,
    tags: dict[str, str],
    column_tags: dict[str, dict[str, str]],
) -> dict[str, Any]:
    """Owner, table and column tags: Unity Catalog statements on Databricks, comments locally."""
    return {
        "owner": owner or settings.owner or None,
        "tags": sorted(tags.items()),
        "column_tags": [
            (sql_ident(column), sorted(pairs.items()))
            for column, pairs in sorted(column_tags.items())
            if pairs
        ],
    }


def checkpoint_volume(settings: Settings) -> str | None:
    """``catalog.schema.volume`` to create when the checkpoint root is a Unity Catalog volume."""
    if settings.target != "databricks":
        return None
    match = _VOLUME.match(settings.volume_root)
    if not match:
        return None
    return ".".join(sql_ident(p) for p in match.groups()[:3])
