"""What the live catalog can tell an expansion (a table's columns), through any SparkSession."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

ColumnLookup = Callable[[str], "list[str] | None"]


def no_lookup(table: str) -> list[str] | None:
    """Without a session nothing is known: column checks wait for run time."""
    return None


class SessionLookup:
    """What a live session can tell an expansion: a table's columns, and the columns of the
    files at a path (read once, at expansion time, for a file source given without schema)."""

    def __init__(self, spark: Any) -> None:
        self.spark = spark

    def __call__(self, table: str) -> list[str] | None:
        """Columns of *table* as the session sees them, or None when it cannot say."""
        try:
            if not self.spark.catalog.tableExists(table):
                return None
            return list(self.spark.table(table).columns)
        except Exception:  # an unreachable catalog must never break an expansion
            return None

    def file_schema(self, fmt: str, path: str, options: dict[str, str]) -> str | None:
        """``name TYPE, ...`` of the files at *path* as Spark infers them, or None when there
        are none (or they cannot be read)."""
        reader = self.spark.read.format(fmt).options(**options)
        if fmt == "csv":
            reader = reader.option("inferSchema", "true")
        try:
            fields = reader.load(path).schema.fields
        except Exception:  # no files, or files Spark cannot read: the caller says so
            return None
        return ", ".join(f"{f.name} {f.dataType.simpleString().upper()}" for f in fields) or None


def spark_lookup(spark: Any) -> ColumnLookup:
    """Columns of a table as the session sees them, or None when it cannot say."""
    return SessionLookup(spark)


class CatalogBrowser:
    """What a form needs from a catalog: names level by level, then a table's columns.

    Every level is read when it is first asked for and kept (a form opens on the catalogs and
    schemas only; tables and columns load as the user picks). This base class is the
    no-session fallback: it knows nothing, and forms fall back to free text.
    """

    available = False
    note = "no SparkSession named spark: type the names (run %dbx_spark, or use Databricks)"

    def catalogs(self) -> list[str]:
        return []

    def current(self) -> tuple[str, str] | None:
        """The session's current catalog and schema, to start the dropdowns on."""
        return None

    def schemas(self, catalog: str) -> list[str]:
        return []

    def tables(self, catalog: str, schema: str) -> list[str]:
        return []

    def columns(self, table: str) -> list[tuple[str, str]]:
        """(name, type) of each column of *table* (a dotted name); [] when unknown."""
        return []


class MemoryCatalog(CatalogBrowser):
    """A catalog held in a dict: {catalog: {schema: {table: [(column, type), ...]}}}."""

    available = True
    note = ""

    def __init__(self, tree: dict[str, dict[str, dict[str, list[tuple[str, str]]]]]) -> None:
        self.tree = tree

    def catalogs(self) -> list[str]:
        return sorted(self.tree)

    def current(self) -> tuple[str, str] | None:
        for catalog in self.catalogs():
            schemas = self.schemas(catalog)
            if schemas:
                return catalog, schemas[0]
        return None

    def schemas(self, catalog: str) -> list[str]:
        return sorted(self.tree.get(catalog, {}))

    def tables(self, catalog: str, schema: str) -> list[str]:
        return sorted(self.tree.get(catalog, {}).get(schema, {}))

    def columns(self, table: str) -> list[tuple[str, str]]:
        catalog, schema, name = (table.split(".") + ["", "", ""])[:3]
        return list(self.tree.get(catalog, {}).get(schema, {}).get(name, []))


def _quote(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


class SparkCatalog(CatalogBrowser):
    """The catalog as a SparkSession sees it (three levels on Unity Catalog and Spark 3.4+)."""

    available = True
    note = ""

    def __init__(self, spark: Any) -> None:
        self.spark = spark
        self._cache: dict[tuple[str, ...], Any] = {}

    def _cached(self, key: tuple[str, ...], read: Callable[[], Any]) -> Any:
        if key not in self._cache:
            try:
                self._cache[key] = read()
            except Exception:  # a catalog the user may not read: an empty level, not an error
                self._cache[key] = []
        return self._cache[key]

    def catalogs(self) -> list[str]:
        return self._cached(
            ("catalogs",), lambda: sorted(c.name for c in self.spark.catalog.listCatalogs())
        )

    def current(self) -> tuple[str, str] | None:
        try:
            return self.spark.catalog.currentCatalog(), self.spark.catalog.currentDatabase()
        except Exception:
            return None

    def schemas(self, catalog: str) -> list[str]:
        def read() -> list[str]:
            rows = self.spark.sql(f"SHOW SCHEMAS IN {_quote(catalog)}").collect()
            return sorted(row[0].split(".")[-1] for row in rows)

        return self._cached(("schemas", catalog), read)

    def tables(self, catalog: str, schema: str) -> list[str]:
        def read() -> list[str]:
            rows = self.spark.sql(f"SHOW TABLES IN {_quote(catalog)}.{_quote(schema)}").collect()
            return sorted(r["tableName"] for r in rows if not r["isTemporary"])

        return self._cached(("tables", catalog, schema), read)

    def columns(self, table: str) -> list[tuple[str, str]]:
        def read() -> list[tuple[str, str]]:
            schema = self.spark.table(table).schema
            return [(f.name, f.dataType.simpleString()) for f in schema.fields]

        return self._cached(("columns", table), read)
