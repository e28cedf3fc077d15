"""``%%bronze``: decide how the source is read and the table written, for the template."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any

from ..errors import SpecError, short
from ..names import TableName, parse_table_name, sql_ident
from ..runtime.catalog import ColumnLookup
from ..settings import Settings
from ..spec.bronze import BronzeSpec
from ..sql import parse_schema
from .columns import Columns
from .common import TableContext, checkpoint_volume, governance, layout, table_properties

TEMPLATE = "bronze.py.j2"
METADATA_COLUMNS = ("_ingested_at", "_source_file")

_SUFFIX_FORMATS = {
    "csv": "csv",
    "tsv": "csv",
    "txt": "csv",
    "json": "json",
    "jsonl": "json",
    "ndjson": "json",
    "parquet": "parquet",
    "pq": "parquet",
}
_PATH_HINT = re.compile(r"[/\\:*?]|^\.|\.(" + "|".join(_SUFFIX_FORMATS) + r")$", re.IGNORECASE)


def is_relative(path: str) -> bool:
    """A path Spark would resolve against the JVM's folder, not the notebook's."""
    return not path.startswith(("/", "\\")) and not re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", path)


def _looks_like_path(source: str) -> bool:
    return bool(_PATH_HINT.search(source))


def _infer_format(source: str) -> str:
    last = source.rstrip("/").rsplit("/", 1)[-1]
    suffix = last.rsplit(".", 1)[-1].lower() if "." in last else ""
    if suffix in _SUFFIX_FORMATS:
        return _SUFFIX_FORMATS[suffix]
    raise SpecError(
        f"format: cannot infer the format of source {short(source)} from its name; "
        "add format: csv, json, parquet or delta"
    )


def _source(spec: BronzeSpec, settings: Settings) -> dict[str, Any]:
    """Is the source files at a path or a table, and in which format?"""
    fmt: str | None = spec.format
    if fmt == "table" or (fmt in (None, "delta") and not _looks_like_path(spec.source)):
        name = parse_table_name(spec.source, "source", settings.catalog, settings.bronze_schema)
        return {"kind": "table", "format": "delta", "table": name.dotted}
    if fmt == "delta":
        return {"kind": "delta_path", "format": "delta", "path": spec.source}
    if fmt is None:
        fmt = _infer_format(spec.source)
    return {"kind": "files", "format": fmt, "path": spec.source}


@dataclass(frozen=True)
class BronzeContext(TableContext):
    spec: BronzeSpec
    target: str
    source: dict[str, Any]  # kind (files | delta_path | table), format, path or table
    incremental: bool
    columns: list[str] | None  # DDL of each column, when the schema is given
    read_schema: str | None
    options: dict[str, str]
    keys: list[str]  # as SQL identifiers
    key_names: list[str]
    checkpoint: str
    schema_location: str
    infer: bool  # Auto Loader infers the columns (Databricks, no schema) and evolves them
    read_from_files: bool  # local, no schema: the columns were read from the files at expansion
    schema_hints: str | None
    volume: str | None  # catalog.schema.volume of the checkpoints, to create on Databricks
    relative: list[str]  # local paths made absolute at run time


def _check_schema_inference(
    spec: BronzeSpec, source: dict[str, Any], settings: Settings, schemaless_stream: bool
) -> bool:
    """Whether Auto Loader infers the columns: a file stream without schema on Databricks."""
    files = source["kind"] == "files"
    if spec.schema_hints is not None:
        if spec.schema_ddl or not (files and settings.target == "databricks"):
            raise SpecError(
                "schema_hints: only for Databricks file loads without schema (Auto Loader "
                "infers the other columns); with schema, put the types there"
            )
        parse_schema(spec.schema_hints, "schema_hints")
    return schemaless_stream and files and settings.target == "databricks"


def _columns_from_files(
    source: dict[str, Any], options: dict[str, str], lookup: ColumnLookup
) -> str:
    """A local file stream without schema: the columns of the files there now, read through the
    live session (and written into the cell), or one line saying why they cannot be."""
    file_schema = getattr(lookup, "file_schema", None)
    fmt, path = source["format"], source["path"]
    if file_schema is None:
        raise SpecError(
            f"schema: required for an incremental {fmt} load (the file stream needs explicit "
            "columns; on Databricks Auto Loader infers them, and with a session (%dbx_spark) "
            "they are read from the files), e.g. schema: id INT, amount DOUBLE"
        )
    ddl = file_schema(fmt, os.path.abspath(path) if is_relative(path) else path, options)
    if ddl is None:
        raise SpecError(
            f"schema: there are no {fmt} files at {short(path)} to read the columns from; add "
            "them, or give schema: id INT, amount DOUBLE"
        )
    return str(ddl)


def plan_bronze(
    spec: BronzeSpec, table: TableName, settings: Settings, lookup: ColumnLookup
) -> BronzeContext:
    """The template context for one ``%%bronze`` cell."""
    source = _source(spec, settings)
    incremental = spec.load == "incremental"
    options = dict(spec.options)
    if source["format"] == "csv":
        options.setdefault("header", "true")
    columns = parse_schema(spec.schema_ddl) if spec.schema_ddl else None
    infer = _check_schema_inference(spec, source, settings, columns is None and incremental)
    read_from_files = columns is None and incremental and source["kind"] == "files" and not infer
    if read_from_files:
        inferred = _columns_from_files(source, options, lookup)
        columns = parse_schema(inferred, f"schema (read from the files: {short(inferred)})")
    if columns is not None and source["kind"] != "files":
        raise SpecError("schema: a Delta or table source brings its own columns; remove schema")
    names = [c.name for c in columns] if columns is not None else None
    for reserved in METADATA_COLUMNS:
        if names and reserved in [n.lower() for n in names]:
            raise SpecError(f"schema: column {short(reserved)} is added by the load; rename it")
    known = Columns(names)
    for key in ("keys", "partition_by", "cluster_by"):
        known.require(key, getattr(spec, key))
    known.require("column_tags", list(spec.column_tags))
    checkpoint = f"{settings.volume_root.rstrip('/')}/{table.schema}/{table.table}"
    local_paths = [p for p in (source.get("path"), checkpoint) if p and is_relative(p)]
    if settings.target == "databricks" and local_paths:
        raise SpecError(
            f"source: {short(local_paths[0])} is relative, and Databricks compute has no working "
            "folder to resolve it against: give a volume (/Volumes/...), cloud (s3://, "
            "abfss://, gs://) or workspace (/Workspace/...) path"
        )
    return BronzeContext(
        spec=spec,
        target=settings.target,
        databricks=settings.target == "databricks",
        table=table.dotted,
        schema_name=table.schema_dotted,
        source=source,
        incremental=incremental,
        columns=[c.ddl for c in columns] if columns is not None else None,
        read_schema=", ".join(f"{c.name} {c.type}" for c in columns) if columns else None,
        options=dict(sorted(options.items())),
        keys=[sql_ident(k) for k in spec.keys],
        key_names=list(spec.keys),
        layout=layout(spec.partition_by, spec.cluster_by),
        comment=spec.comment or _default_comment(source),
        properties=table_properties(dict(spec.properties)),
        checkpoint=checkpoint,
        schema_location=f"{checkpoint}/_schema",
        infer=infer,
        read_from_files=read_from_files,
        schema_hints=spec.schema_hints,
        volume=checkpoint_volume(settings),
        view=f"_bronze_{table.table}_batch",
        relative=local_paths,
        **governance(settings, spec.owner, dict(spec.tags), dict(spec.column_tags)),
    )


def _default_comment(source: dict[str, Any]) -> str:
    where = source.get("path") or source.get("table")
    return f"Raw records from {where}, as delivered, with ingest metadata."
