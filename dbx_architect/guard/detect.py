"""The static layer: the destructive operations a cell would run, found before it runs.

The cell's Python syntax tree is walked in source order. Strings, f-strings, writer chains,
bound methods and import aliases assigned earlier in the cell (or held in the user namespace)
are followed (:mod:`.values`), so ``mode = "overwrite"``, ``save = w.save`` or ``sql =
f"DROP TABLE {name}"`` are seen where they are used; loops over literal lists are unrolled.
Three outcomes per operation: a known target (confirm it by name), an unknown target of a
known kind (``target is None``: fails closed, see :mod:`.core`), or a kind only known at run
time (``pending``: ``spark.sql(build_query())``, a mode from a function), which the runtime
layer checks when the call runs.
"""

from __future__ import annotations

import ast
import types
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .paths import is_data_path, is_path, normalize_path, shell_changes, warehouse_of
from .sql import SqlParseError, classify, clean_name
from .values import Values, before_hole, dotted, has_hole

# Writer sinks: the positional index of ``mode`` and of the target (after self).
MODE_INDEX = {
    "saveAsTable": 2,
    "save": 2,
    "parquet": 1,
    "csv": 1,
    "json": 1,
    "orc": 1,
    "xml": 2,
    "jdbc": 2,
}
TARGET_ARG = {"saveAsTable": (0, "name"), "insertInto": (0, "tableName"), "jdbc": (1, "table")}
WRITER_SINKS = {*MODE_INDEX, "insertInto", "text"}
DELTA_ACTIONS = {
    "delete": "delete",
    "vacuum": "vacuum",
    "restoreToVersion": "restore",
    "restoreToTimestamp": "restore",
}
CLONES = {"clone": 0, "cloneAtVersion": 1, "cloneAtTimestamp": 1}  # index of the target arg
PYTHON_MAGICS = {"capture", "time", "timeit", "prun", "debug"}
SHELL_CELL_MAGICS = {"bash", "sh", "script", "system"}
SHELL_LINE_MAGICS = {"sx", "system", "sh"}  # %sh: Databricks'
FS_MAGIC = "fs"  # Databricks' %fs rm -r PATH / %fs mv A B: dbutils.fs, DBFS paths
SHELL_ALIASES = {"rm", "rmdir", "mv"}  # IPython's %rm / %mv aliases run the shell command
# Python file functions: (kind, position of the path judged, its keyword name)
FILE_CALLS = {
    ("shutil", "rmtree"): ("remove files", 0, "path"),
    ("os", "remove"): ("remove files", 0, "path"),
    ("os", "unlink"): ("remove files", 0, "path"),
    ("os", "rmdir"): ("remove files", 0, "path"),
    ("os", "removedirs"): ("remove files", 0, "name"),
    ("shutil", "move"): ("move files", 1, "dst"),
    ("os", "rename"): ("move files", 1, "dst"),
    ("os", "replace"): ("move files", 1, "dst"),
}
SUBPROCESS = {"run", "call", "check_call", "check_output", "Popen", "getoutput", "getstatusoutput"}
# Every method name a destructive chain ends in (a call through an alias is read whole).
SINKS = {
    *WRITER_SINKS,
    *DELTA_ACTIONS,
    *CLONES,
    *SUBPROCESS,
    *(name for _, name in FILE_CALLS),
    "popen",
    "sql",
    "run_line_magic",
    "run_cell_magic",
    "run_cell",
    "system",
    "getoutput",
    "createOrReplace",
    "replace",
    "overwritePartitions",
    "overwrite",
    "update",
    "execute",
    "set",
    "rm",
    "mv",
    "unlink",
    "rmdir",
}


@dataclass(frozen=True)
class Operation:
    """One destructive operation: what it does, to which table or path, on which line."""

    kind: str
    target: str | None  # None: a known kind whose target the check cannot name
    line: int
    via: str
    detail: str = ""
    pending: bool = False  # the kind itself is only known when the call runs

    def describe(self) -> str:
        if self.pending:
            target = "(decided at run time)"
        else:
            target = self.target if self.target is not None else "(target unknown)"
        extra = f", {self.detail}" if self.detail else ""
        return f"{self.kind} {target} (line {self.line}, {self.via}{extra})"


@dataclass
class Analysis:
    operations: list[Operation] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # looks destructive, cannot be read

    @property
    def undecided(self) -> list[Operation]:
        """Operations whose kind the runtime layer decides."""
        return [op for op in self.operations if op.pending]

    @property
    def unknown(self) -> list[Operation]:
        """Destructive operations whose target cannot be named before the cell runs."""
        return [op for op in self.operations if op.target is None and not op.pending]


@dataclass(frozen=True)
class Link:
    """One step of a call chain: ``.mode("overwrite")`` is Link("mode", <Call>).

    The first link of a chain that starts at a namespace object carries that object.
    """

    name: str
    call: ast.Call | None
    obj: Any = None


def analyze(source: str | ast.Module, namespace: Mapping[str, Any] | None = None) -> Analysis:
    """The destructive operations in *source* (Python, after IPython's magic transforms).

    Raises SyntaxError for code that is not Python: the caller lets Python report it.
    """
    tree = ast.parse(source) if isinstance(source, str) else source
    walker = _Walker(Values(namespace or {}))
    walker.block(tree.body)
    return walker.analysis


def type_name(obj: Any) -> str:
    return type(obj).__name__ if obj is not None else ""


def writer_state(writer: Any) -> tuple[str | None, dict[str, str]]:
    """The real save mode and options of a DataFrameWriter (classic or Spark Connect)."""
    write = getattr(writer, "_write", None)  # Spark Connect: a WriteOperation
    if write is not None and hasattr(write, "mode"):
        mode = write.mode  # None: Spark's default, errorifexists
        return str(mode or "errorifexists"), dict(write.options or {})
    jwrite = writer._jwrite  # classic: the JVM DataFrameWriter
    options = jwrite.extraOptions()
    found = {}
    for key in ("replaceWhere", "path"):
        if options.contains(key):
            found[key] = str(options.get(key).get())
    return str(jwrite.curmode().toString()), found


class _Walker:
    def __init__(self, values: Values, line_offset: int = 0) -> None:
        self.values = values
        self.chains: dict[str, list[Link]] = {}  # cell variable -> the chain it holds
        self.analysis = Analysis()
        self.line_offset = line_offset
        self._locations: list[str] | None = None

    # --- statements, in source order -------------------------------------------------
    def block(self, statements: list[ast.stmt]) -> None:
        for statement in statements:
            self.statement(statement)

    def statement(self, node: ast.stmt) -> None:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            self.imports(node)
            return
        for child in ast.iter_child_nodes(node):  # decorators and defaults run at def time
            if not isinstance(child, (ast.stmt, ast.excepthandler, ast.match_case)):
                self.expression(child)
        if isinstance(node, (ast.For, ast.AsyncFor)):
            self.loop(node)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for argument in ast.walk(node.args):
                if isinstance(argument, ast.arg):
                    self.values.forget(argument.arg)
            self.block(node.body)
        else:
            self.bodies(node)
        if isinstance(node, ast.Assign):
            for target in node.targets:
                self.bind(target, node.value)
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            self.bind(node.target, node.value)
        elif isinstance(node, ast.AugAssign):
            self.augment(node)

    def bodies(self, node: ast.stmt) -> None:
        for item in getattr(node, "items", []):  # with ... as name: bound before the body
            if item.optional_vars is not None:
                self.forget_targets(item.optional_vars)
        for name in ("body", "orelse", "finalbody"):
            body = getattr(node, name, None)
            if isinstance(body, list):
                self.block(body)
        for handler in getattr(node, "handlers", []):
            self.block(handler.body)
        for case in getattr(node, "cases", []):
            self.block(case.body)

    def expression(self, node: ast.AST) -> None:
        nodes = list(ast.walk(node))
        for sub in nodes:  # names a comprehension or lambda binds hold something unknown
            if isinstance(sub, ast.comprehension):
                self.forget_targets(sub.target)
            elif isinstance(sub, ast.Lambda):
                for argument in ast.walk(sub.args):
                    if isinstance(argument, ast.arg):
                        self.values.forget(argument.arg)
        for sub in nodes:
            if isinstance(sub, ast.Call):
                self.call(sub)
            elif isinstance(sub, ast.NamedExpr):
                self.bind(sub.target, sub.value)

    def loop(self, node: ast.For | ast.AsyncFor) -> None:
        target = node.target
        items = self.values.sequence(node.iter) if isinstance(target, ast.Name) else None
        if not isinstance(target, ast.Name) or items is None or not 0 < len(items) <= 25:
            self.forget_targets(target)
            self.block(node.body)
        else:  # a loop over known strings: each pass with the variable bound
            for item in items:
                self.values.forget(target.id)
                self.values.shadowed.discard(target.id)
                self.values.strings[target.id] = item
                self.block(node.body)
        self.block(node.orelse)

    def imports(self, node: ast.Import | ast.ImportFrom) -> None:
        for alias in node.names:
            if isinstance(node, ast.Import):
                local = alias.asname or alias.name.split(".")[0]
                origin = alias.name if alias.asname else local
            else:
                local, origin = alias.asname or alias.name, f"{node.module}.{alias.name}"
            self.values.forget(local)
            self.chains.pop(local, None)
            self.values.shadowed.discard(local)
            self.values.aliases[local] = origin

    def forget_targets(self, target: ast.AST) -> None:
        for sub in ast.walk(target):
            if isinstance(sub, ast.Name):
                self.values.forget(sub.id)
                self.chains.pop(sub.id, None)

    def bind(self, target: ast.expr, value: ast.expr) -> None:
        if not isinstance(target, ast.Name):
            self.forget_targets(target)
            return
        text = self.values.text(value)
        links = self.chain(value) if text is None else []
        container = self.values.literal(value) if text is None and not links else None
        name = target.id
        self.values.forget(name)
        self.chains.pop(name, None)
        if text is not None:
            self.values.strings[name] = text
        elif links:
            self.chains[name] = links
        elif container is not None:
            self.values.containers[name] = container
        if text is not None or container is not None:
            self.values.shadowed.discard(name)

    def augment(self, node: ast.AugAssign) -> None:
        if not isinstance(node.target, ast.Name) or not isinstance(node.op, ast.Add):
            self.forget_targets(node.target)
            return
        name = node.target.id
        before = self.values.text(node.target)
        added = self.values.text(node.value)
        self.values.forget(name)
        if before is not None or added is not None:
            self.values.strings[name] = (before or self.values.hole()) + (
                added or self.values.hole()
            )
            self.values.shadowed.discard(name)

    # --- call chains -----------------------------------------------------------------
    def attribute_name(self, node: ast.expr) -> tuple[str, ast.expr] | None:
        """``getattr(x, "mode")`` → ("mode", x)."""
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "getattr"
            and len(node.args) >= 2
        ):
            name = self.values.text(node.args[1])
            if name is not None and not has_hole(name):
                return name, node.args[0]
        return None

    def chain(self, node: ast.expr) -> list[Link]:
        """``df.write.mode("x").save(p)`` → [df, write, mode(...), save(...)], aliases expanded."""
        links: list[Link] = []
        while True:
            access = self.attribute_name(node)
            if access is not None:
                links.append(Link(access[0], None))
                node = access[1]
            elif isinstance(node, ast.Call):
                called = self.attribute_name(node.func)
                if called is not None:
                    links.append(Link(called[0], node))
                    node = called[1]
                elif isinstance(node.func, ast.Attribute):
                    links.append(Link(node.func.attr, node))
                    node = node.func.value
                elif isinstance(node.func, ast.Name):
                    links.append(Link(node.func.id, node))
                    break
                else:
                    return []
            elif isinstance(node, ast.Attribute):
                links.append(Link(node.attr, None))
                node = node.value
            elif isinstance(node, ast.Name):
                links.append(Link(node.id, None))
                break
            elif links:  # (Path(p) / "x").unlink(): an expression starts the chain
                links.append(Link("<expression>", None))
                break
            else:
                return []
        links.reverse()
        return self.expand(links)

    def expand(self, links: list[Link]) -> list[Link]:
        """The chain's first name replaced by what it stands for (a chain, alias or object)."""
        head, rest = links[0], links[1:]
        if head.name in self.chains:
            known = self.chains[head.name]
        else:
            origin = self.values.origin([head.name])
            if origin != [head.name]:
                known = [Link(part, None) for part in origin]
            else:
                obj = self.values.resolve(head.name)
                if obj is None or isinstance(obj, (str, int, float, bool)):
                    return links
                known = _object_links(head.name, obj)
        if head.call is not None:  # the name itself is called: rm(path), save(p)
            known = [*known[:-1], Link(known[-1].name, head.call, known[-1].obj)]
        return known + rest

    # --- calls -----------------------------------------------------------------------
    def call(self, node: ast.Call) -> None:
        if isinstance(node.func, ast.Attribute) and node.func.attr not in SINKS:
            return  # .withColumn(...), F.sum(...): most calls of a cell, read no further
        links = self.chain(node)
        if not links or links[-1].call is not node:
            return
        names = [link.name for link in links]
        sink, line = names[-1], node.lineno + self.line_offset
        kinds = {type_name(link.obj) for link in links if link.obj is not None}
        ipython = ("run_line_magic", "run_cell_magic", "system", "getoutput", "run_cell")
        if sink in ipython and names[0] == "get_ipython":
            self.ipython(sink, node, line)
        elif sink == "sql" and len(names) >= 2:
            self.sql_call(names, node, line)
        elif "writeTo" in names or kinds & {"DataFrameWriterV2"}:
            self.writer_v2(links, node, line)
        elif ("write" in names or kinds & {"DataFrameWriter"}) and sink in WRITER_SINKS:
            self.writer(links, node, line)
        elif "DeltaTable" in names or kinds & {"DeltaTable", "DeltaMergeBuilder"}:
            self.delta(links, node, line)
        elif names[-2:] == ["conf", "set"] and len(node.args) >= 2:
            self.conf_set(node, line)
        else:
            self.files(links, node, line)

    def add(self, kind: str, target: str | None, line: int, via: str, detail: str = "") -> None:
        if target is not None:
            target = (
                (None if has_hole(target) else normalize_path(target))
                if is_path(target)
                else clean_name(target)
            )
        op = Operation(kind, target, line, via, detail)
        if op not in self.analysis.operations:
            self.analysis.operations.append(op)

    def pending(self, kind: str, line: int, via: str, detail: str) -> None:
        op = Operation(kind, None, line, via, detail, pending=True)
        if op not in self.analysis.operations:
            self.analysis.operations.append(op)

    def argument(self, node: ast.Call, index: int, keyword: str) -> ast.expr | None:
        if len(node.args) > index and not any(
            isinstance(a, ast.Starred) for a in node.args[: index + 1]
        ):
            return node.args[index]
        return _keyword(node, keyword)

    def keywords(self, node: ast.Call) -> dict[str, ast.expr | str | None]:
        """Keyword arguments, ``**{"mode": "overwrite"}`` and ``**opts`` dicts included."""
        found: dict[str, ast.expr | str | None] = {}
        for keyword in node.keywords:
            if keyword.arg is not None:
                found[keyword.arg] = keyword.value
                continue
            unpacked = self.values.resolve_expr(keyword.value)
            if isinstance(unpacked, Mapping):
                found.update({str(k): v for k, v in unpacked.items()})
            elif unpacked is None:
                found["**"] = None  # unknown keywords: a mode may hide in there
        return found

    def keyword_text(self, value: ast.expr | str | None) -> str | None:
        if isinstance(value, ast.expr):
            return self.values.text(value)
        return value

    # --- SQL -------------------------------------------------------------------------
    def sql_call(self, names: list[str], node: ast.Call, line: int) -> None:
        args = list(node.args)
        if names[-2] == "SparkSession" and len(args) >= 2:  # SparkSession.sql(spark, query)
            args = args[1:]
        query = args[0] if args else _keyword(node, "sqlQuery")
        if query is None:
            return
        text = self.values.text(query)
        params_node = args[1] if len(args) >= 2 else _keyword(node, "args")
        formatting = {
            k.arg: self.sql_value(k.value)
            for k in node.keywords
            if k.arg not in (None, "sqlQuery", "args")
        }
        if text is not None and formatting:  # spark.sql("DROP TABLE {t}", t=name)
            text = self.values.format_fields(text, [], formatting)
        params = self.params(params_node) if params_node is not None else None
        self.sql(text, line, f"{names[-2]}.sql", params)

    def sql_value(self, node: ast.expr) -> str:
        """What pyspark puts in the text for ``spark.sql("... {v}", v=node)``: a string as a
        quoted literal, ``col("x")`` as the name x, a number as itself."""
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
            return str(node.value)
        if isinstance(node, ast.Call) and node.args:
            names = self.values.origin(dotted(node.func))
            if names and names[-1] in ("col", "column"):
                return self.values.part(node.args[0])
            if names[-1:] == ["lit"]:
                node = node.args[0]
        text = self.values.text(node)
        if text is None or has_hole(text):
            return self.values.hole()
        return sql_literal(text)

    def params(self, node: ast.expr) -> dict[str, str] | list[str] | None:
        value = self.values.resolve_expr(node)
        if isinstance(value, Mapping):
            return {str(k): v for k, v in value.items() if isinstance(v, str) and not has_hole(v)}
        if isinstance(value, (list, tuple)):
            return [v if isinstance(v, str) else self.values.hole() for v in value]
        return None

    def sql(self, text: str | None, line: int, via: str, params: Any = None) -> None:
        if text is None:  # built at run time: the runtime layer reads it then
            self.pending("sql", line, via, "query built at run time")
            return
        try:
            found = classify(text, params) if params is not None else classify(text)
        except SqlParseError as err:
            self.analysis.problems.append(f"line {line}: {err}")
            return
        for op in found:
            self.add(op.kind, op.target, line, via, op.detail)
        if not found and has_hole(text):
            self.pending("sql", line, via, "query partly built at run time")

    def conf_set(self, node: ast.Call, line: int) -> None:
        """``spark.conf.set(k, v)`` is ``SET k = v``: the SQL classifier judges both alike."""
        key, value = self.values.text(node.args[0]), self.values.text(node.args[1])
        if isinstance(node.args[1], ast.Constant) and isinstance(node.args[1].value, bool):
            value = str(node.args[1].value).lower()
        if key is None or value is None:
            if key is None or "retention" in key.lower():
                self.pending("retention", line, "spark.conf.set", "setting only known at run time")
            return
        self.sql(f"SET {key} = {value}", line, "spark.conf.set")

    # --- IPython: magics and shell commands --------------------------------------------
    def ipython(self, sink: str, node: ast.Call, line: int) -> None:
        args = [self.values.text(a) for a in node.args]
        if sink == "run_cell":  # a cell run from a cell: the transformer checks it too
            self.nested(args[0] if args else None, line - 1)
            return
        if sink in ("system", "getoutput"):
            command = args[0] if args else None
            self.shell(_expand_ipython(command, self.values), line, f"!{sink}", checked=True)
            return
        if not args:
            return
        magic, body = args[0], args[-1] if len(args) >= 2 else None
        if magic is None:
            return
        if magic == "sql":
            self.sql(body, line, "%sql")
        elif magic in PYTHON_MAGICS:
            code = body if sink == "run_cell_magic" else _strip_options(body)
            self.nested(code, line - 1 if sink == "run_line_magic" else line)
        elif sink == "run_cell_magic" and magic in SHELL_CELL_MAGICS:
            header = args[1] if len(args) >= 3 else ""
            if magic != "script" or (header or "").split()[:1] in (["bash"], ["sh"], ["zsh"]):
                self.shell(_shell_holes(body), line, f"%%{magic}", checked=False)
        elif sink == "run_line_magic" and magic in SHELL_LINE_MAGICS:
            self.shell(_expand_ipython(body, self.values), line, f"%{magic}", checked=True)
        elif magic == FS_MAGIC:
            for kind, path in _fs_changes(body):
                self.path_operation(kind, path, line, "%fs", True, "dbfs")
        elif sink == "run_line_magic" and magic in SHELL_ALIASES:
            command = f"{magic} {body}" if body is not None else None
            self.shell(_expand_ipython(command, self.values), line, f"%{magic}", checked=True)

    def nested(self, code: str | None, line: int) -> None:
        """Python a magic runs (``%%capture``, ``%time``, a literal ``exec``): read it too."""
        if code is None or has_hole(code):
            return
        from IPython.core.inputtransformer2 import TransformerManager

        try:
            tree = ast.parse(TransformerManager().transform_cell(code))
        except (SyntaxError, ValueError):
            return
        inner = _Walker(self.values, line_offset=line)
        inner.chains = dict(self.chains)
        inner._locations = self._locations
        inner.block(tree.body)
        for op in inner.analysis.operations:
            if op not in self.analysis.operations:
                self.analysis.operations.append(op)
        self.analysis.problems += inner.analysis.problems

    def shell(self, command: str | None, line: int, via: str, checked: bool) -> None:
        """``rm`` / ``mv`` in a shell command; *checked*: the runtime layer sees it expanded."""
        if command is None:
            return
        try:
            changes = shell_changes(command)
        except ValueError:
            if {"rm", "mv", "rmdir", "unlink"} & set(command.split()):
                self.analysis.problems.append(f"line {line}: cannot read this shell command")
            return
        for kind, path in changes:
            self.path_operation(kind, path, line, via, checked=checked)

    # --- files -----------------------------------------------------------------------
    def locations(self) -> list[str]:
        if self._locations is None:
            spark = self.values.resolve("spark")
            self._locations = warehouse_of(spark) if spark is not None else []
        return self._locations

    def path_operation(
        self, kind: str, path: str | None, line: int, via: str, checked: bool, scheme: str = ""
    ) -> None:
        """Report *path* if it is a data path; unknown paths are left to the runtime layer
        (*checked*) or fail closed when nothing would check them when they run."""
        if path is None or has_hole(path):
            known = before_hole(path) if path is not None else ""
            if (known and is_data_path(known, self.locations(), scheme)) or not checked:
                self.add(kind, None, line, via)
            else:
                self.pending(kind, line, via, "path only known at run time")
            return
        if is_data_path(path, self.locations(), scheme):
            self.add(kind, path, line, via)

    def files(self, links: list[Link], node: ast.Call, line: int) -> None:
        names = [link.name for link in links]
        if names[-3:-1] == ["dbutils", "fs"] or (names[-2:-1] == ["fs"] and names[0] == "dbutils"):
            self.dbutils(names[-1], node, line)
            return
        key = tuple(names[-2:])
        if key in FILE_CALLS:
            kind, index, keyword = FILE_CALLS[key]
            via = ".".join(key)
            target = self.argument(node, index, keyword)
            self.path_operation(kind, self.values.text(target), line, via, checked=True)
            if kind == "move files":  # moving a table's folder away removes the table
                source = self.argument(node, 0, "src")
                self.path_operation(kind, self.values.text(source), line, via, checked=True)
        elif names[-1] in ("unlink", "rmdir") and _receiver(self, node) is not None:
            receiver = self.values.text(_receiver(self, node))
            if receiver is not None:
                via = f"Path.{names[-1]}"
                self.path_operation("remove files", receiver, line, via, checked=True)
        elif key in (("os", "system"), ("os", "popen")) or (
            key[:1] == ("subprocess",) and key[-1] in SUBPROCESS
        ):
            self.shell(self.command(node), line, ".".join(key), checked=False)
        elif names[-1] in ("exec", "eval") and len(names) == 1 and node.args:
            self.nested(self.values.text(node.args[0]), line - 1)

    def command(self, node: ast.Call) -> str | None:
        """The shell command of ``os.system(cmd)`` / ``subprocess.run([...])``."""
        target = self.argument(node, 0, "args")
        if target is None:
            return None
        text = self.values.text(target)
        if text is not None:
            return text
        items = self.values.sequence(target)
        if items is None:
            return None
        import shlex

        return " ".join(item if has_hole(item) else shlex.quote(item) for item in items)

    def dbutils(self, action: str, node: ast.Call, line: int) -> None:
        if action == "rm":
            path = self.values.text(self.argument(node, 0, "dir"))
            self.path_operation("remove files", path, line, "dbutils.fs.rm", True, "dbfs")
        elif action == "mv":
            for index, keyword in ((1, "to"), (0, "from_")):
                path = self.values.text(self.argument(node, index, keyword))
                self.path_operation("move files", path, line, "dbutils.fs.mv", True, "dbfs")

    # --- writers ---------------------------------------------------------------------
    def writer(self, links: list[Link], node: ast.Call, line: int) -> None:
        sink = links[-1].name
        mode, options = self.writer_chain(links)
        keywords = self.keywords(node)
        mode_node = self.argument(node, MODE_INDEX[sink], "mode") if sink in MODE_INDEX else None
        if mode_node is None and "mode" in keywords:
            mode_node = keywords["mode"]  # type: ignore[assignment]
        if mode_node is not None:
            mode = self.keyword_text(mode_node)
        elif "**" in keywords and sink in MODE_INDEX:
            mode = None
        replace_where = "replacewhere" in options or any(
            k.lower() == "replacewhere" for k in keywords
        )
        via = f"DataFrameWriter.{sink}"
        index, keyword = TARGET_ARG.get(sink, (0, "path"))
        target_node = self.argument(node, index, keyword)
        if target_node is None:
            target_node = keywords.get(keyword)  # type: ignore[assignment]
        target = self.keyword_text(target_node)
        if target is None and target_node is None and keyword == "path":
            target = options.get("path")
        if sink == "insertInto":
            self.insert_into(node, mode, target, line)
            return
        if mode is None:
            self.pending("overwrite", line, via, "mode only known at run time")
            return
        if mode.lower() != "overwrite":
            return
        kind = "backfill" if replace_where else "overwrite"
        self.add(kind, target, line, via, "replaceWhere" if replace_where else "")

    def writer_chain(self, links: list[Link]) -> tuple[str | None, dict[str, str]]:
        """The mode and options a writer chain sets (a namespace writer: its real state)."""
        mode: str | None = "default"
        options: dict[str, str] = {}
        for link in links:
            if type_name(link.obj) == "DataFrameWriter":
                try:
                    mode, real = writer_state(link.obj)
                except Exception:  # not a writer we can read: decided when it runs
                    mode, real = None, {}
                options.update({k.lower(): v for k, v in real.items()})
            if link.call is None:
                continue
            if link.name == "mode":
                mode_node = link.call.args[0] if link.call.args else _keyword(link.call, "saveMode")
                mode = self.values.text(mode_node)
            elif link.name == "option" and len(link.call.args) >= 2:
                key = self.values.text(link.call.args[0])
                options[(key or "").lower()] = self.values.text(link.call.args[1]) or ""
            elif link.name == "options":
                found = self.keywords(link.call)
                for key, value in found.items():
                    options[key.lower()] = self.keyword_text(value) or ""
        return mode, options

    def insert_into(self, node: ast.Call, mode: str | None, target: str | None, line: int) -> None:
        flag = self.argument(node, 1, "overwrite")
        via = "DataFrameWriter.insertInto"
        if flag is None:  # without overwrite=, insertInto follows the writer's mode
            if mode is None:
                self.pending("overwrite", line, via, "mode only known at run time")
            elif mode.lower() == "overwrite":
                self.add("overwrite", target, line, via)
            return
        overwrite = self.truthy(flag)
        if overwrite is None:
            self.pending("overwrite", line, via, "overwrite= only known at run time")
        elif overwrite:
            self.add("overwrite", target, line, via)

    def truthy(self, node: ast.expr) -> bool | None:
        if isinstance(node, ast.Constant):
            return bool(node.value)
        value = self.values.resolve_expr(node) if isinstance(node, ast.Name) else None
        return value if isinstance(value, bool) else None

    def writer_v2(self, links: list[Link], node: ast.Call, line: int) -> None:
        sink = links[-1].name
        table_link = next((link for link in links if link.name == "writeTo"), None)
        if table_link is not None and table_link.call is not None:
            table = self.values.text(self.argument(table_link.call, 0, "table"))
        else:
            obj = next((link.obj for link in links if link.obj is not None), None)
            table = getattr(obj, "_dbx_table", None) or getattr(obj, "_table_name", None)
        via = f"DataFrameWriterV2.{sink}"
        if sink in ("createOrReplace", "replace"):
            self.add("replace", table, line, via)
        elif sink == "overwritePartitions":
            self.add("overwrite", table, line, via)
        elif sink == "overwrite":
            condition = self.argument(node, 0, "condition")
            everything = _is_lit_true(condition)
            if everything:
                self.add("overwrite", table, line, via)
            else:
                self.add("backfill", table, line, via, "rows matching a condition")

    # --- Delta -----------------------------------------------------------------------
    def delta_target(self, links: list[Link]) -> str | None:
        """The table a DeltaTable chain acts on (None when the check cannot name it)."""
        for link in links:
            if link.obj is not None and hasattr(link.obj, "_dbx_target"):
                return str(link.obj._dbx_target)
            if link.name in ("forName", "forPath") and link.call is not None:
                keyword = "tableOrViewName" if link.name == "forName" else "path"
                return self.values.text(self.argument(link.call, 1, keyword))
        return None

    def delta(self, links: list[Link], node: ast.Call, line: int) -> None:
        sink = links[-1].name
        names = [link.name for link in links]
        via = f"DeltaTable.{sink}"
        if sink in DELTA_ACTIONS:
            detail = ""
            if sink == "delete" and not node.args and not node.keywords:
                detail = "all rows"
            elif sink == "vacuum" and node.args and isinstance(node.args[0], ast.Constant):
                detail = f"retain {node.args[0].value!s} hours"
            self.add(DELTA_ACTIONS[sink], self.delta_target(links), line, via, detail)
        elif sink == "update" and self.argument(node, 0, "condition") is None:
            self.add("update", self.delta_target(links), line, via, "all rows")
        elif sink in CLONES:
            replace = self.argument(node, CLONES[sink] + 2, "replace")
            if replace is not None and self.truthy(replace) is not False:
                target = self.values.text(self.argument(node, CLONES[sink], "target"))
                self.add("replace", target, line, via)
        elif sink == "execute" and ("createOrReplace" in names or "replace" in names):
            named = next((link for link in links if link.name in ("tableName", "location")), None)
            target = self.values.text(named.call.args[0]) if named and named.call else None
            builder = "createOrReplace" if "createOrReplace" in names else "replace"
            self.add("replace", target, line, f"DeltaTable.{builder}")
        elif sink == "execute" and _merge_deletes(links):
            self.add("merge delete", self.delta_target(links), line, "DeltaMergeBuilder.execute")


def _receiver(walker: _Walker, node: ast.Call) -> ast.expr | None:
    """The object a method is called on: ``p`` in ``p.unlink()`` or ``getattr(p, "unlink")()``."""
    if isinstance(node.func, ast.Attribute):
        return node.func.value
    access = walker.attribute_name(node.func)
    return access[1] if access is not None else None


def sql_literal(text: str) -> str:
    """A string as pyspark writes it into SQL (``pyspark.sql.utils.get_lit_sql_str``)."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _object_links(name: str, obj: Any) -> list[Link]:
    """A namespace object as the start of a chain; a bound method as its object + method."""
    if isinstance(obj, types.MethodType):
        owner = obj.__self__
        owner_name = _object_name(type_name(owner), owner)
        return [Link(owner_name, None, owner), Link(obj.__func__.__name__, None)]
    return [Link(_object_name(name, obj), None, obj)]


def _object_name(name: str, obj: Any) -> str:
    """How a chain names a namespace object: the shell as ``get_ipython``, ``dbutils``..."""
    kind = type_name(obj)
    if "Shell" in kind:
        return "get_ipython"
    if kind in ("RuntimeConfig", "RuntimeConf"):
        return "conf"
    if "dbutils" in kind.lower():
        return "dbutils"
    return name


def _merge_deletes(links: list[Link]) -> bool:
    if any(link.name == "whenNotMatchedBySourceDelete" for link in links):
        return True
    return any(getattr(link.obj, "_dbx_merge_delete", False) for link in links)


def _expand_ipython(command: str | None, values: Values) -> str | None:
    """IPython's ``$name`` / ``{name}`` expansion of a ``!`` command, holes where unknown."""
    if command is None:
        return None
    out, index = [], 0
    while index < len(command):
        char = command[index]
        if command.startswith("$$", index):
            out.append("$")
            index += 2
            continue
        if char in "${":
            end, name = _variable(command, index)
            if name is not None:
                known = values.lookup(name) if name.isidentifier() else None
                out.append(known if known is not None else values.hole())
                index = end
                continue
        out.append(char)
        index += 1
    return "".join(out)


def _variable(command: str, index: int) -> tuple[int, str | None]:
    if command[index] == "{":
        end = command.find("}", index)
        return (end + 1, command[index + 1 : end].strip()) if end > 0 else (index, None)
    end = index + 1
    while end < len(command) and (command[end].isalnum() or command[end] == "_"):
        end += 1
    return (end, command[index + 1 : end]) if end > index + 1 else (index, None)


def _shell_holes(body: str | None) -> str | None:
    """A ``%%bash`` body with its shell variables and substitutions as unknown parts."""
    if body is None:
        return None
    values = Values({})
    return _expand_ipython(body.replace("`", " `"), values)


def _fs_changes(line: str | None) -> list[tuple[str, str]]:
    """``%fs rm -r PATH`` / ``%fs mv A B``: what Databricks' ``%fs`` removes or moves."""
    if not line:
        return []
    try:
        changes = shell_changes(line)
    except ValueError:
        return [("remove files", line)] if line.split()[:1] in (["rm"], ["mv"]) else []
    return changes


def _strip_options(line: str | None) -> str | None:
    """``-n1 -r 3 code`` → ``code`` (the options of %timeit / %prun / %time)."""
    if line is None:
        return None
    words = line.split(" ")
    while words and (words[0].startswith("-") or words[0] == "" or words[0].isdigit()):
        words = words[1:]
    return " ".join(words)


def _keyword(node: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in node.keywords if k.arg == name), None)


def _is_lit_true(node: ast.expr | None) -> bool:
    if isinstance(node, ast.Constant):
        return node.value is True
    if isinstance(node, ast.Call) and node.args:
        names = dotted(node.func)
        return bool(names) and names[-1] in ("lit", "expr") and _literal_true(node.args[0])
    return False


def _literal_true(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and (
        node.value is True or str(node.value).lower() == "true"
    )
