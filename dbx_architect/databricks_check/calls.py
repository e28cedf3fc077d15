"""Calls into mlflow, databricks.sdk, pyspark.sql, pyspark.ml and delta.tables, bound to the
installed library's signatures; reader and writer option names checked against the list.

Names come from the cell's imports; ``spark`` is a ``SparkSession``. A variable assigned from a
constructor or from a call with a return annotation has that type (when every assignment in
its scope agrees); a property's type is its getter's return annotation. What cannot be typed
statically is skipped, never guessed.
"""

from __future__ import annotations

import ast
import functools
import importlib
import inspect
import sys
from dataclasses import dataclass
from importlib import metadata
from typing import Any

from . import options

ROOTS = ("mlflow", "databricks.sdk", "pyspark.sql", "pyspark.ml", "delta.tables")
DISTRIBUTIONS = {"mlflow": "mlflow", "databricks": "databricks-sdk", "pyspark": "pyspark"}
DISTRIBUTIONS["delta"] = "delta-spark"
SIDES = {
    "DataFrameReader": "read",
    "DataStreamReader": "read",
    "DataFrameWriter": "write",
    "DataStreamWriter": "write",
}
ARG = object()  # the value of every argument: only the shape of the call is bound


@dataclass(frozen=True)
class Value:
    """What a name or expression is: a module, class or function (obj), or an instance of a
    class (instance=True), or a method of an instance's class (method=True)."""

    obj: Any
    path: str
    instance: bool = False
    method: bool = False


def _in_scope(name: str) -> bool:
    return any(name == root or name.startswith(root + ".") for root in ROOTS)


def _module_of(value: Value) -> str:
    obj = value.obj
    if inspect.ismodule(obj):
        return obj.__name__
    return str(getattr(obj, "__module__", "") or "")


def installed(module: str) -> str:
    """``mlflow 3.17.2``: the distribution a module comes from, and its installed version."""
    dist = DISTRIBUTIONS.get(module.split(".")[0], module.split(".")[0])
    try:
        return f"{dist} {metadata.version(dist)}"
    except metadata.PackageNotFoundError:
        return dist


def import_value(module: str, name: str | None) -> Value | str | None:
    """What ``import module`` / ``from module import name`` binds; a message when the installed
    library lacks it; None outside the checked libraries."""
    if not (_in_scope(module) or any(root.startswith(module + ".") for root in ROOTS)):
        return None
    try:
        mod = importlib.import_module(module)
    except ImportError:
        return f"{module}: no such module in the installed {installed(module)}"
    if name is None:
        return Value(mod, module)
    found = _attribute(Value(mod, module), name)
    if found is None:
        return f"{module}.{name}: not in the installed {installed(module)}"
    return found


def _attribute(base: Value, name: str) -> Value | None:
    """``base.name`` on a module or class, None when it does not exist."""
    obj = base.obj
    if hasattr(obj, name):
        return Value(getattr(obj, name), f"{_qualified(base)}.{name}")
    if inspect.ismodule(obj):
        try:
            return Value(
                importlib.import_module(f"{obj.__name__}.{name}"), f"{obj.__name__}.{name}"
            )
        except ImportError:
            return None
    return None


def _qualified(value: Value) -> str:
    obj = value.obj
    if inspect.ismodule(obj):
        return obj.__name__
    if inspect.isclass(obj):
        return obj.__qualname__
    return value.path


def member(base: Value, name: str) -> Value | None:
    """``base.name`` on an instance: a method, or a property typed by its getter."""
    cls = base.obj
    try:
        found = inspect.getattr_static(cls, name)
    except AttributeError:
        return None
    path = f"{cls.__qualname__}.{name}"
    if isinstance(found, property):
        returned = returns(found.fget) if found.fget else None
        return Value(returned, path, instance=True) if returned else None
    if isinstance(found, staticmethod | classmethod):
        return Value(getattr(cls, name), path)
    if inspect.isfunction(found):
        return Value(found, path, method=True)
    return None


def has_member(cls: type, name: str) -> bool:
    """Whether instances of *cls* may have a callable *name*: a class attribute, a field, a
    slot, or what ``__getattr__`` gives when that can be called (``df.colname`` is a Column,
    which cannot: ``df.frist()`` fails)."""
    if hasattr(cls, name) or name in getattr(cls, "__slots__", ()):
        return True
    if any(name in getattr(k, "__annotations__", {}) for k in cls.__mro__):
        return True
    dynamic = getattr(cls, "__getattr__", None)
    if dynamic is None:
        return False
    given = returns(dynamic)
    return given is None or any("__call__" in vars(k) for k in given.__mro__)


def returns(function: Any) -> type | None:
    """The class a function's return annotation names, when it names one."""
    try:
        annotation = inspect.signature(function).return_annotation
    except (TypeError, ValueError):
        return None
    if isinstance(annotation, str):
        unwrapped = inspect.unwrap(function)
        namespace = getattr(unwrapped, "__globals__", None) or vars(
            sys.modules.get(getattr(unwrapped, "__module__", ""), sys)
        )
        annotation = _named(annotation.strip("'\""), namespace, unwrapped)
    return annotation if inspect.isclass(annotation) else None


def _named(name: str, namespace: dict[str, Any], function: Any) -> Any:
    """A class named in a string annotation: in the function's module, else (a name imported
    only for type checking) in the packages above it, which export their public classes."""
    head, *rest = name.split(".")
    module = str(getattr(function, "__module__", "") or "")
    parents = [".".join(module.split(".")[:i]) for i in range(module.count("."), 0, -1)]
    spaces = [namespace] + [vars(sys.modules[p]) for p in parents if p in sys.modules]
    found = next((space[head] for space in spaces if head in space), None)
    if found is None and head in (hidden := type_checking_imports(module)):
        source, name = hidden[head]
        found = getattr(importlib.import_module(source), name, None)
    for part in rest:
        found = getattr(found, part, None)
    return found


@functools.cache
def type_checking_imports(module: str) -> dict[str, tuple[str, str]]:
    """``from X import Y as Z`` under ``if TYPE_CHECKING:`` in *module*: Z -> (X, Y)."""
    try:
        tree = ast.parse(inspect.getsource(sys.modules[module]))
    except (KeyError, OSError, TypeError, SyntaxError):
        return {}
    found = {}
    for block in ast.walk(tree):
        if isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test):
            for node in ast.walk(block):
                if isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    for alias in node.names:
                        found[alias.asname or alias.name] = (node.module, alias.name)
    return found


def bind(callee: Value, call: ast.Call) -> str | None:
    """The binding error of *call* against *callee*'s signature, or None (also when unknown).

    A call with ``*args`` or ``**mapping`` binds only its written keywords (and a literal
    mapping's keys): a keyword the function has no parameter for is still an error."""
    try:
        signature = inspect.signature(callee.obj)
    except (TypeError, ValueError):
        return None
    keywords = {k.arg: ARG for k in call.keywords if k.arg}
    unpacked = [k.value for k in call.keywords if k.arg is None]
    literal = all(isinstance(v, ast.Dict) and None not in v.keys for v in unpacked)
    for mapping in unpacked if literal else []:
        assert isinstance(mapping, ast.Dict)
        for key in mapping.keys:
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                keywords[key.value] = ARG
    args = [ARG] * (len(call.args) + (1 if callee.method else 0))
    whole = literal and not any(isinstance(a, ast.Starred) for a in call.args)
    try:
        if whole:
            signature.bind(*args, **keywords)
        else:
            signature.bind_partial(*([ARG] if callee.method else []), **keywords)
    except TypeError as err:
        return f"{callee.path}(): {err}"
    return None


def result(callee: Value) -> Value | None:
    """What calling *callee* gives: an instance of the class, or of the annotated return."""
    if inspect.isclass(callee.obj):
        return Value(callee.obj, f"{callee.obj.__qualname__}()", instance=True)
    returned = returns(callee.obj)
    return Value(returned, f"{returned.__qualname__}", instance=True) if returned else None


def option_names(call: ast.Call) -> list[str]:
    """The option names an ``.option(...)`` / ``.options(...)`` call sets, as written."""
    assert isinstance(call.func, ast.Attribute)
    if call.func.attr == "option":
        first = call.args[0] if call.args else None
        return (
            [first.value]
            if isinstance(first, ast.Constant) and isinstance(first.value, str)
            else []
        )
    names = [k.arg for k in call.keywords if k.arg]
    for k in call.keywords:
        if k.arg is None and isinstance(k.value, ast.Dict):
            names += [
                key.value
                for key in k.value.keys
                if isinstance(key, ast.Constant) and isinstance(key.value, str)
            ]
    return names


def option_problems(side: str, fmt: str | None, call: ast.Call, owner: str) -> list[str]:
    """A message per option name that is not in the list for this reader or writer."""
    allowed = options.known(side, fmt)
    if allowed is None:
        return []
    where = f"format {fmt}" if fmt else ("any reader format" if side == "read" else "Delta")
    return [
        f"{owner}.{call.func.attr}(): {name!r} is not a documented option of {where}"  # type: ignore[attr-defined]
        for name in option_names(call)
        if name.lower() not in allowed
    ]
