"""The runtime layer: wrappers that judge each destructive call with its real arguments.

While the guard is active, ``SparkSession.sql``, ``spark.conf.set``, the DataFrame writers (v1
and v2; classic and Spark Connect's), Delta's ``DeltaTable`` and its merge / table builders,
``dbutils.fs.rm`` / ``mv``, the file functions (``shutil.rmtree`` / ``move``, ``os.remove`` /
``unlink`` / ``rmdir`` / ``rename`` / ``replace``, ``Path.unlink`` / ``rmdir``) and IPython's
``!`` commands ask :meth:`Guard.permitted` before they act. The static check cannot read
everything (``spark.sql(build_query())``, a mode from a function, ``getattr`` games, names
bound before the guard was on); these wrappers see the real values. Files count only on data
paths (:mod:`.paths`), so Spark, pytest, IPython and tempfile clean their scratch files as
usual. Only the outermost guarded call is judged (``shutil.rmtree`` calls ``os.unlink``).

Wrappers go on the classes once their modules are imported (the guard never imports pyspark
itself); names in the user namespace bound to an original (``from shutil import rmtree``,
``sql = spark.sql``) are rebound to the wrapper. :meth:`RuntimeLayer.uninstall` puts every
original back.
"""

from __future__ import annotations

import contextlib
import functools
import glob
import importlib.util
import inspect
import os
import pathlib
import shutil
import sys
import threading
import types
from collections.abc import Callable
from typing import Any

from .core import Guard, GuardBlocked
from .detect import MODE_INDEX, sql_literal, writer_state
from .paths import is_data_path, shell_changes, warehouse_of
from .sql import HOLE, HOLE_MARK, SqlParseError, classify

FILE_SINKS = ("save", "parquet", "csv", "json", "orc", "text", "xml", "jdbc")
SINK_TARGET = {"saveAsTable": "name", "jdbc": "table"}
Judge = Callable[..., None]


class RuntimeLayer:
    def __init__(self, guard: Guard, namespace: dict[str, Any], shell: Any = None) -> None:
        self.guard = guard
        self.namespace = namespace
        self.shell = shell
        self.originals: list[tuple[Any, str, Any, bool]] = []  # (owner, name, original, own)
        # id(original function) -> (original, wrapper, the instance it was wrapped on or None)
        self.wrappers: dict[int, tuple[Any, Any, Any]] = {}
        self.swapped: list[tuple[str, Any, Any]] = []  # (name, original value, wrapper value)
        self.patched: set[str] = set()
        self.stops: list[GuardBlocked] = []  # every call stopped (the magics show them)
        self._local = threading.local()
        self._locations: tuple[int, list[str]] = (0, [])

    # --- installing ------------------------------------------------------------------
    def install(self) -> None:
        """Wrap what is imported by now; called again before each checked cell."""
        if "files" not in self.patched:
            self._install_files()
            self.patched.add("files")
        if "pyspark.sql" in sys.modules and "pyspark" not in self.patched:
            from pyspark.sql import conf, readwriter, session

            self._install_pyspark(session.SparkSession, readwriter, conf.RuntimeConfig)
            self.patched.add("pyspark")
        connect = "pyspark.sql.connect.session"  # Spark Connect: serverless, Databricks Connect
        if connect in sys.modules and "pyspark-connect" not in self.patched:
            from pyspark.sql.connect import conf as connect_conf
            from pyspark.sql.connect import readwriter as connect_readwriter
            from pyspark.sql.connect import session as connect_session

            self._install_pyspark(
                connect_session.SparkSession, connect_readwriter, connect_conf.RuntimeConf
            )
            self.patched.add("pyspark-connect")
        if "pyspark.sql" in sys.modules and importlib.util.find_spec("delta") is not None:
            import delta.tables  # noqa: F401  (Spark is loaded: wrap Delta before a cell uses it)
        for module in ("delta.tables", "delta.connect.tables"):
            if module in sys.modules and module not in self.patched:
                from . import runtime_delta

                runtime_delta.install(self, sys.modules[module])
                self.patched.add(module)
        self._install_dbutils()
        if self.shell is not None and "shell" not in self.patched:
            self._wrap(self.shell, "system", self._guarded(self._judge_shell))
            self._wrap(self.shell, "getoutput", self._guarded(self._judge_shell))
            self.patched.add("shell")
        self._swap_namespace()

    def uninstall(self) -> None:
        for name, original, wrapper in reversed(self.swapped):
            if self.namespace.get(name) is wrapper:
                self.namespace[name] = original
        for owner, name, original, own in reversed(self.originals):
            if own:
                setattr(owner, name, original)
            else:  # an instance attribute over the class's method: drop it
                with contextlib.suppress(AttributeError):
                    delattr(owner, name)
        self.originals.clear()
        self.wrappers.clear()
        self.swapped.clear()
        self.patched.clear()

    def _wrap(self, owner: Any, name: str, make: Callable[[Any], Any]) -> None:
        own = isinstance(owner, type) or name in getattr(owner, "__dict__", {name: None})
        original = owner.__dict__[name] if isinstance(owner, type) else getattr(owner, name)
        wrapper = make(original)
        setattr(owner, name, wrapper)
        self.originals.append((owner, name, original, own))
        function = getattr(original, "__func__", original)
        instance = None if isinstance(owner, type) else getattr(original, "__self__", None)
        self.wrappers[id(function)] = (function, getattr(wrapper, "__func__", wrapper), instance)

    def _swap_namespace(self) -> None:
        """Names bound to an original before the guard was on now hold its wrapper."""
        swapped = {name for name, _, _ in self.swapped}
        for name, value in list(self.namespace.items()):
            if name.startswith("_") or name in swapped or callable(value) is False:
                continue
            bound = isinstance(value, types.MethodType)
            function = value.__func__ if bound else value
            original, wrapper, instance = self.wrappers.get(id(function), (None, None, None))
            if original is not function:
                continue
            if bound and instance is not None:  # wrapped on that instance: already bound
                if value.__self__ is not instance:
                    continue
            elif bound:
                wrapper = types.MethodType(wrapper, value.__self__)
            self.namespace[name] = wrapper
            self.swapped.append((name, value, wrapper))

    def _install_files(self) -> None:
        remove, move = self._judge_path("remove files", "path"), self._judge_move("src", "dst")
        for module, name, judge in (
            (shutil, "rmtree", remove),
            (shutil, "move", move),
            (os, "remove", remove),
            (os, "unlink", remove),
            (os, "rmdir", remove),
            (os, "rename", move),
            (os, "replace", move),
        ):
            self._wrap(module, name, self._guarded(judge, f"{module.__name__}.{name}"))
        for name in ("unlink", "rmdir"):
            judge = self._judge_path("remove files", "self")
            self._wrap(pathlib.Path, name, self._guarded(judge, f"Path.{name}"))

    def _install_dbutils(self) -> None:
        dbutils = self.namespace.get("dbutils")
        fs = getattr(dbutils, "fs", None)
        if fs is None or "dbutils" in self.patched:
            return
        try:
            if hasattr(fs, "rm"):
                judge = self._judge_path("remove files", "dir", "dbfs")
                self._wrap(fs, "rm", self._guarded(judge, "dbutils.fs.rm"))
            if hasattr(fs, "mv"):
                judge = self._judge_move("from_", "to", "dbfs")
                self._wrap(fs, "mv", self._guarded(judge, "dbutils.fs.mv"))
            self.patched.add("dbutils")
        except (AttributeError, TypeError):  # a read-only proxy: the static check remains
            pass

    def _install_pyspark(self, session_class: Any, readwriter: Any, conf_class: Any) -> None:
        """The same wrappers on classic pyspark and on its Spark Connect client classes."""
        self._wrap(session_class, "sql", self._guarded(self._judge_sql, "SparkSession.sql"))
        self._wrap(conf_class, "set", self._guarded(self._judge_conf, "spark.conf.set"))
        writer = readwriter.DataFrameWriter
        for sink in ("saveAsTable", "insertInto", *FILE_SINKS):
            if sink in writer.__dict__:
                judge = self._judge_write(sink)
                self._wrap(writer, sink, self._guarded(judge, f"DataFrameWriter.{sink}"))
        v2 = readwriter.DataFrameWriterV2
        self._wrap(v2, "__init__", self._v2_init)
        for name, kind in (
            ("createOrReplace", "replace"),
            ("replace", "replace"),
            ("overwritePartitions", "overwrite"),
            ("overwrite", "overwrite"),
        ):
            judge = self._judge_v2(kind)
            self._wrap(v2, name, self._guarded(judge, f"DataFrameWriterV2.{name}"))

    # --- judging ---------------------------------------------------------------------
    def check(self, kind: str, target: str | None, via: str) -> None:
        """Raise GuardBlocked unless *kind* on *target* may run now."""
        if not self.guard.active or self.guard.permitted(target):
            return
        name = target or "(a target the guard cannot name)"
        hint = (
            f"To allow it, run the cell with first line: %%guard --confirm {target}"
            if target
            else "Run it with %guard off if it is meant."
        )
        self.stop(
            f"stopped {kind} {name} ({via}) before it ran; the cell ran up to this call. {hint}"
        )

    def stop(self, message: str) -> None:
        """Raise the hold; the notebook shows its message and the cell line, not our frames."""
        error = GuardBlocked(f"%guard: {message}")
        where = self._cell_line()
        lines = [f"GuardBlocked: {error}", *([f"  (at {where})"] if where else [])]
        error._render_traceback_ = lambda: lines  # type: ignore[attr-defined]
        self.stops.append(error)
        raise error

    def _cell_line(self) -> str:
        """``In[3], line 2``: the innermost notebook cell line on the stack, if any."""
        name_of = getattr(getattr(self.shell, "compile", None), "format_code_name", None)
        frame: types.FrameType | None = sys._getframe(1)
        while frame is not None and name_of is not None:
            with contextlib.suppress(Exception):
                name = name_of(frame.f_code.co_filename)
                if name:
                    return f"{name[1]}, line {frame.f_lineno}"
            frame = frame.f_back
        return ""

    def _guarded(self, judge: Judge, via: str = "") -> Callable[[Any], Any]:
        """A wrapper maker: the wrapper judges the outermost call, then runs the original."""

        def make(original):
            signature = _signature(original)

            @functools.wraps(original)
            def wrapper(*args, **kwargs):
                depth = getattr(self._local, "depth", 0)
                if not self.guard.active or depth:
                    return original(*args, **kwargs)
                bound = _bind(signature, args, kwargs)
                if bound is not None:
                    judge(bound, via)
                self._local.depth = depth + 1
                try:
                    return original(*args, **kwargs)
                finally:
                    self._local.depth = depth

            return wrapper

        return make

    def locations(self) -> list[str]:
        spark = self.namespace.get("spark")
        if spark is None:
            return []
        if self._locations[0] != id(spark):
            self._locations = (id(spark), warehouse_of(spark))
        return self._locations[1]

    def _judge_path(self, kind: str, argument: str, scheme: str = "") -> Judge:
        def judge(bound: dict[str, Any], via: str) -> None:
            path = _path(_argument(bound, argument, 0), bound.get("dir_fd"))
            if path is not None and is_data_path(path, self.locations(), scheme):
                self.check(kind, path, via)

        return judge

    def _judge_move(self, source: str, destination: str, scheme: str = "") -> Judge:
        def judge(bound: dict[str, Any], via: str) -> None:
            for name, index, folder in ((destination, 1, "dst_dir_fd"), (source, 0, "src_dir_fd")):
                path = _path(_argument(bound, name, index), bound.get(folder))
                if path is not None and is_data_path(path, self.locations(), scheme):
                    self.check("move files", path, via)

        return judge

    def _judge_shell(self, bound: dict[str, Any], via: str) -> None:
        command = bound.get("cmd")
        if not isinstance(command, str):
            return
        command = self.shell.var_expand(command, depth=2)
        try:
            changes = shell_changes(command)
        except ValueError:
            if {"rm", "mv", "rmdir", "unlink"} & set(command.split()):
                self.stop(f"cannot read this shell command, so it did not run: {command[:60]}")
            return
        via = f"!{command.split()[0]}"
        for kind, path in changes:
            if HOLE_MARK in path:  # xargs rm: paths from its input
                self.check(kind, None, via)
            for found in _shell_paths(path):
                if is_data_path(found, self.locations()):
                    self.check(kind, found, via)

    def _judge_sql(self, bound: dict[str, Any], via: str) -> None:
        query = bound.get("sqlQuery")
        if not isinstance(query, str):
            return
        formatting = bound.get("kwargs") or {}
        if formatting:  # spark.sql("DROP TABLE {t}", t=name) formats the text first
            query = _format(query, formatting)
        params = _params(bound.get("args"))
        try:
            operations = classify(query, params) if params is not None else classify(query)
        except SqlParseError as err:
            self.stop(f"stopped {via}: {err}")
            return
        for op in operations:
            self.check(op.kind, op.target, via)

    def _judge_conf(self, bound: dict[str, Any], via: str) -> None:
        key, value = bound.get("key"), bound.get("value")
        value = str(value).lower() if isinstance(value, bool) else value
        try:
            operations = classify(f"SET {key} = {value}")
        except SqlParseError:
            return
        for op in operations:
            self.check(op.kind, op.target, via)

    def _judge_write(self, sink: str) -> Judge:
        def judge(bound: dict[str, Any], via: str) -> None:
            writer = bound["self"]
            try:
                mode, options = writer_state(writer)
            except Exception as err:  # cannot tell what this write does: fail closed
                self.stop(f"cannot read the mode of this {via} ({type(err).__name__})")
                return
            options = {k.lower(): v for k, v in options.items()}
            options.update({k.lower(): v for k, v in (bound.get("options") or {}).items()})
            if sink in MODE_INDEX and bound.get("mode") is not None:
                mode = bound["mode"]
            if sink == "insertInto":
                if bound.get("overwrite") is not None:
                    mode = "overwrite" if bound["overwrite"] else "append"
                target = bound.get("tableName")
            else:
                target = bound.get(SINK_TARGET.get(sink, "path")) or options.get("path")
            if str(mode).lower() == "overwrite":
                kind = "backfill" if "replacewhere" in options else "overwrite"
                self.check(kind, _path(target) or target, via)

        return judge

    def _v2_init(self, original):
        signature = _signature(original)

        @functools.wraps(original)
        def init(writer, *args, **kwargs):
            original(writer, *args, **kwargs)
            bound = _bind(signature, (writer, *args), kwargs) or {}
            # classic: (df, table); Spark Connect: (plan, session, table, callback)
            writer._dbx_table = getattr(writer, "_table_name", None) or bound.get("table")

        return init

    def _judge_v2(self, kind: str) -> Judge:
        def judge(bound: dict[str, Any], via: str) -> None:
            self.check(kind, getattr(bound["self"], "_dbx_table", None), via)

        return judge


def _shell_paths(word: str) -> list[str]:
    """What the shell makes of a word: ``~`` and ``$VAR`` expanded, globs matched."""
    path = os.path.expandvars(os.path.expanduser(word))
    if not any(char in path for char in "*?["):
        return [path]
    return [path, *glob.glob(path)]


def _signature(function: Any) -> inspect.Signature | None:
    try:
        return inspect.signature(function)
    except (TypeError, ValueError):
        return None


def _bind(signature: inspect.Signature | None, args: tuple, kwargs: dict) -> dict | None:
    """The call's arguments by name, defaults filled; None when the call itself is wrong."""
    if signature is None:  # a py4j proxy (Databricks' dbutils): positions only
        return {"*": args, **kwargs}
    try:
        bound = signature.bind(*args, **kwargs)
    except TypeError:  # the original raises its own error
        return None
    bound.apply_defaults()
    values = dict(bound.arguments)
    for parameter in signature.parameters.values():
        if parameter.kind is inspect.Parameter.VAR_KEYWORD:
            values.setdefault(parameter.name, {})
    return values


def _argument(bound: dict[str, Any], name: str, index: int) -> Any:
    if name in bound or "*" not in bound:
        return bound.get(name)
    positional = bound["*"]
    return positional[index] if len(positional) > index else None


def _path(value: Any, folder: Any = None) -> str | None:
    """A path argument as text; relative to *folder* (a ``dir_fd``) when one is given."""
    if value is None:
        return None
    try:
        path = os.fsdecode(os.fspath(value))
    except TypeError:
        return None
    if isinstance(folder, int) and not os.path.isabs(path):
        with contextlib.suppress(OSError):
            path = os.path.join(os.readlink(f"/proc/self/fd/{folder}"), path)
    return path


def _params(args: Any) -> dict[str, str] | list[str] | None:
    if isinstance(args, dict):
        return {str(k): v for k, v in args.items() if isinstance(v, str)}
    if isinstance(args, (list, tuple)):
        return [v if isinstance(v, str) else str(v) for v in args]
    return None


def _format(query: str, values: dict[str, Any]) -> str:
    """The text ``spark.sql(query, **values)`` runs, formatted as pyspark formats it."""
    import string

    out = []
    try:
        parsed = list(string.Formatter().parse(query))
    except ValueError:
        return query
    for literal, name, _spec, _conversion in parsed:
        out.append(literal)
        if name is not None:
            out.append(_sql_value(values.get(name.split(".")[0].split("[")[0])))
    return "".join(out)


def _sql_value(value: Any) -> str:
    """pyspark's SQLStringFormatter: strings quoted, a column reference by its name."""
    if isinstance(value, str):
        return sql_literal(value)
    kind = type(value).__name__
    if kind == "Column":
        name = getattr(getattr(value, "_expr", None), "_unparsed_identifier", None)  # Connect
        if isinstance(name, str):
            return name
        try:
            from pyspark.sql import SparkSession

            return str(SparkSession.active()._jsparkSession.expression(value._jc).sql())
        except Exception:  # not a plain column reference: pyspark refuses it too
            return HOLE.format(0)
    if kind == "DataFrame":
        return "__dbx_temp_view__"  # pyspark registers it as a temporary view
    return str(value)
