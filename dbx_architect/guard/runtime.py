"""The runtime layer: wrappers that stop a destructive call the static check could not read.

While the guard is active, ``SparkSession.sql``, the DataFrame writers (v1 and v2; classic and
Spark Connect's), Delta's
``DeltaTable`` and ``dbutils.fs.rm`` ask :meth:`Guard.permitted` before they act. The wrappers
are installed on the classes only once those modules are imported (the guard never imports
pyspark itself) and :meth:`RuntimeLayer.uninstall` puts every original back.
"""

from __future__ import annotations

import contextlib
import functools
import sys
from collections.abc import Callable
from typing import Any

from .core import Guard, GuardBlocked
from .sql import SqlParseError, classify

FILE_SINKS = ("save", "parquet", "csv", "json", "orc", "text")


class RuntimeLayer:
    def __init__(self, guard: Guard, namespace: dict[str, Any]) -> None:
        self.guard = guard
        self.namespace = namespace
        self.originals: list[tuple[Any, str, Any]] = []  # (owner, attribute, original)
        self.patched: set[str] = set()

    # --- installing ------------------------------------------------------------------
    def install(self) -> None:
        """Wrap what is imported by now; called again before each checked cell."""
        if "pyspark.sql" in sys.modules and "pyspark" not in self.patched:
            from pyspark.sql import readwriter, session

            self._install_pyspark(session.SparkSession, readwriter)
            self.patched.add("pyspark")
        connect = "pyspark.sql.connect.session"  # Spark Connect: serverless, Databricks Connect
        if connect in sys.modules and "pyspark-connect" not in self.patched:
            from pyspark.sql.connect import readwriter, session

            self._install_pyspark(session.SparkSession, readwriter)
            self.patched.add("pyspark-connect")
        if "delta.tables" in sys.modules and "delta" not in self.patched:
            self._install_delta()
            self.patched.add("delta")
        dbutils = self.namespace.get("dbutils")
        if dbutils is not None and "dbutils" not in self.patched:
            fs = getattr(dbutils, "fs", None)
            if fs is not None and hasattr(fs, "rm"):
                try:
                    self._wrap(fs, "rm", self._rm)
                    self.patched.add("dbutils")
                except (AttributeError, TypeError):  # a read-only proxy: the static check remains
                    pass

    def uninstall(self) -> None:
        for owner, name, original in reversed(self.originals):
            setattr(owner, name, original)
        self.originals.clear()
        self.patched.clear()

    def _wrap(self, owner: Any, name: str, make: Callable[[Any], Any]) -> None:
        original = owner.__dict__[name] if isinstance(owner, type) else getattr(owner, name)
        setattr(owner, name, make(original))
        self.originals.append((owner, name, original))

    def _install_pyspark(self, session_class: Any, readwriter: Any) -> None:
        """The same wrappers on classic pyspark and on its Spark Connect client classes."""
        self._wrap(session_class, "sql", self._sql)
        writer = readwriter.DataFrameWriter
        self._wrap(
            writer,
            "mode",
            self._remember("_dbx_mode", lambda a, k: a[0] if a else k.get("saveMode")),
        )
        self._wrap(writer, "option", self._remember_option)
        self._wrap(writer, "options", self._remember_options)
        self._wrap(writer, "saveAsTable", lambda f: self._write(f, "saveAsTable", "name"))
        self._wrap(writer, "insertInto", self._insert_into)
        for sink in FILE_SINKS:
            self._wrap(writer, sink, lambda f, s=sink: self._write(f, s, "path"))
        v2 = readwriter.DataFrameWriterV2
        self._wrap(v2, "__init__", self._v2_init)
        for name, kind in (
            ("createOrReplace", "replace"),
            ("replace", "replace"),
            ("overwritePartitions", "overwrite"),
            ("overwrite", "overwrite"),
        ):
            self._wrap(v2, name, lambda f, n=name, k=kind: self._v2(f, n, k))

    def _install_delta(self) -> None:
        from delta import tables

        table = tables.DeltaTable
        for name in ("forName", "forPath"):
            self._wrap(table, name, lambda f, n=name: self._delta_source(f, n))
        for name, kind in (
            ("delete", "delete"),
            ("vacuum", "vacuum"),
            ("restoreToVersion", "restore"),
            ("restoreToTimestamp", "restore"),
        ):
            self._wrap(table, name, lambda f, n=name, k=kind: self._delta(f, n, k))

    # --- judging ---------------------------------------------------------------------
    def check(self, kind: str, target: str | None, via: str) -> None:
        if not self.guard.active or self.guard.permitted(target):
            return
        name = target or "(a target the guard cannot name)"
        hint = (
            f"To allow it, run the cell with first line: %%guard --confirm {target}"
            if target
            else "Run it with %guard off if it is meant."
        )
        raise GuardBlocked(
            f"%guard: stopped {kind} {name} ({via}) before it ran; the cell ran up to this "
            f"call. {hint}"
        )

    def _sql(self, original):
        @functools.wraps(original)
        def sql(session, sqlQuery, *args, **kwargs):
            if self.guard.active and isinstance(sqlQuery, str):
                try:
                    operations = classify(sqlQuery)
                except SqlParseError as err:
                    raise GuardBlocked(f"%guard: stopped SparkSession.sql: {err}") from err
                for op in operations:
                    self.check(op.kind, op.target, "SparkSession.sql")
            return original(session, sqlQuery, *args, **kwargs)

        return sql

    def _remember(self, attribute: str, pick: Callable[[tuple, dict], Any]):
        def make(original):
            @functools.wraps(original)
            def wrapper(writer, *args, **kwargs):
                setattr(writer, attribute, pick(args, kwargs))
                return original(writer, *args, **kwargs)

            return wrapper

        return make

    def _remember_option(self, original):
        @functools.wraps(original)
        def option(writer, key, value):
            if str(key).lower() == "replacewhere":
                writer._dbx_replace_where = True
            if str(key).lower() == "path":
                writer._dbx_path = value
            return original(writer, key, value)

        return option

    def _remember_options(self, original):
        @functools.wraps(original)
        def options(writer, **values):
            for key, value in values.items():
                if key.lower() == "replacewhere":
                    writer._dbx_replace_where = True
                if key.lower() == "path":
                    writer._dbx_path = value
            return original(writer, **values)

        return options

    def _write(self, original, sink: str, target_arg: str):
        @functools.wraps(original)
        def write(writer, *args, **kwargs):
            mode = kwargs.get("mode") or getattr(writer, "_dbx_mode", None)
            if str(mode).lower() == "overwrite":
                target = (
                    args[0]
                    if args
                    else kwargs.get(target_arg) or getattr(writer, "_dbx_path", None)
                )
                replace_where = getattr(writer, "_dbx_replace_where", False) or any(
                    k.lower() == "replacewhere" for k in kwargs
                )
                kind = "backfill" if replace_where else "overwrite"
                self.check(kind, target, f"DataFrameWriter.{sink}")
            return original(writer, *args, **kwargs)

        return write

    def _insert_into(self, original):
        @functools.wraps(original)
        def insert_into(writer, tableName, overwrite=None):
            mode = str(getattr(writer, "_dbx_mode", "")).lower()
            effective = overwrite if overwrite is not None else mode == "overwrite"
            if effective:
                self.check("overwrite", tableName, "DataFrameWriter.insertInto")
            return original(writer, tableName, overwrite)

        return insert_into

    def _v2_init(self, original):
        @functools.wraps(original)
        def init(writer, *args, **kwargs):
            original(writer, *args, **kwargs)
            # classic: (df, table); Spark Connect: (plan, session, table), kept as _table_name
            table = getattr(writer, "_table_name", None) or kwargs.get("table")
            writer._dbx_table = table or (args[1] if len(args) > 1 else None)

        return init

    def _v2(self, original, name: str, kind: str):
        @functools.wraps(original)
        def action(writer, *args, **kwargs):
            self.check(kind, getattr(writer, "_dbx_table", None), f"DataFrameWriterV2.{name}")
            return original(writer, *args, **kwargs)

        return action

    def _delta_source(self, original, name: str):
        function = original.__func__

        @classmethod
        @functools.wraps(function)
        def source(cls, sparkSession, *args, **kwargs):
            table = function(cls, sparkSession, *args, **kwargs)
            target = args[0] if args else kwargs.get("tableOrViewName") or kwargs.get("path")
            with contextlib.suppress(AttributeError):  # a class with __slots__: runtime unnamed
                table._dbx_target = target
            return table

        return source

    def _delta(self, original, name: str, kind: str):
        @functools.wraps(original)
        def action(table, *args, **kwargs):
            self.check(kind, getattr(table, "_dbx_target", None), f"DeltaTable.{name}")
            return original(table, *args, **kwargs)

        return action

    def _rm(self, original):
        @functools.wraps(original)
        def rm(*args, **kwargs):
            target = args[0] if args else kwargs.get("dir") or kwargs.get("path")
            self.check("remove files", target, "dbutils.fs.rm")
            return original(*args, **kwargs)

        return rm
