"""The runtime layer's wrappers on Delta Lake's Python API (classic and Spark Connect).

``DeltaTable.forName`` / ``forPath`` remember their target on the table (``alias`` and ``merge``
pass it on); ``delete`` / ``vacuum`` / ``restoreTo*`` / ``update`` without a condition /
``clone(..., replace=True)`` are judged before they run; a merge builder that was given
``whenNotMatchedBySourceDelete`` is judged when it executes, and so is a ``createOrReplace`` /
``replace`` table builder. A table made before the guard was on is named by ``detail()``.
"""

from __future__ import annotations

import contextlib
import functools
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .runtime import Judge, RuntimeLayer

ACTIONS = {
    "delete": "delete",
    "vacuum": "vacuum",
    "restoreToVersion": "restore",
    "restoreToTimestamp": "restore",
}
CLONES = ("clone", "cloneAtVersion", "cloneAtTimestamp")
KEPT = ("_dbx_target", "_dbx_merge_delete", "_dbx_replace")


def install(layer: RuntimeLayer, tables: Any) -> None:
    """Wrap *tables* (``delta.tables`` or ``delta.connect.tables``)."""
    table = tables.DeltaTable
    for name in ("forName", "forPath"):
        layer._wrap(table, name, _source)
    for name in ("alias", "merge"):
        layer._wrap(table, name, _passing_on)
    for name, kind in ACTIONS.items():
        layer._wrap(table, name, layer._guarded(_judge_action(layer, kind), f"DeltaTable.{name}"))
    layer._wrap(table, "update", layer._guarded(_judge_update(layer), "DeltaTable.update"))
    for name in CLONES:
        layer._wrap(table, name, layer._guarded(_judge_clone(layer), f"DeltaTable.{name}"))
    for name in ("createOrReplace", "replace"):
        layer._wrap(table, name, _replacing)
    builder = tables.DeltaTableBuilder
    for name in ("tableName", "location"):
        layer._wrap(builder, name, functools.partial(_naming, name=name))
    judge = _judge_builder(layer)
    layer._wrap(builder, "execute", layer._guarded(judge, "DeltaTableBuilder.execute"))
    merge = tables.DeltaMergeBuilder
    for name in list(vars(merge)):
        if name.startswith("when") or name == "withSchemaEvolution":
            layer._wrap(merge, name, _passing_on)
    judge = _judge_merge(layer)
    layer._wrap(merge, "execute", layer._guarded(judge, "DeltaMergeBuilder.execute"))


def _keep(source: Any, result: Any, **extra: Any) -> Any:
    with contextlib.suppress(AttributeError):  # a class with __slots__: named by detail()
        for name in KEPT:
            if hasattr(source, name) and result is not source:
                setattr(result, name, getattr(source, name))
        for name, value in extra.items():
            setattr(result, name, value)
    return result


def _source(original: Any) -> Any:
    function = original.__func__

    @classmethod  # type: ignore[misc]
    @functools.wraps(function)
    def source(cls, sparkSession, *args, **kwargs):
        table = function(cls, sparkSession, *args, **kwargs)
        target = args[0] if args else kwargs.get("tableOrViewName") or kwargs.get("path")
        return _keep(None, table, _dbx_target=target)

    return source


def _passing_on(original: Any) -> Any:
    """A method returning a new table / builder: what was remembered goes with it."""
    flag = original.__name__ == "whenNotMatchedBySourceDelete"

    @functools.wraps(original)
    def method(self, *args, **kwargs):
        result = original(self, *args, **kwargs)
        if flag:
            return _keep(self, result, _dbx_merge_delete=True)
        return _keep(self, result)

    return method


def _replacing(original: Any) -> Any:
    function = original.__func__

    @classmethod  # type: ignore[misc]
    @functools.wraps(function)
    def replacing(cls, *args, **kwargs):
        return _keep(None, function(cls, *args, **kwargs), _dbx_replace=True)

    return replacing


def _naming(original: Any, name: str) -> Any:
    @functools.wraps(original)
    def naming(self, value, *args, **kwargs):
        result = original(self, value, *args, **kwargs)
        if name == "tableName" or not getattr(result, "_dbx_named", False):
            _keep(self, result, _dbx_target=value, _dbx_named=name == "tableName")
        return result

    return naming


def target_of(table: Any) -> str | None:
    """The table or path a DeltaTable acts on."""
    target = getattr(table, "_dbx_target", None)
    if target is not None:
        return str(target)
    for name in ("_tableOrViewName", "_path"):  # Spark Connect's DeltaTable keeps them
        value = getattr(table, name, None)
        if isinstance(value, str):
            return value
    try:
        row = table.detail().select("name", "location").first()
    except Exception:  # not a table detail() can describe: the guard cannot name it
        return None
    return (row["name"] or row["location"]) if row is not None else None


def _judge_action(layer: RuntimeLayer, kind: str) -> Judge:
    def judge(bound: dict[str, Any], via: str) -> None:
        layer.check(kind, target_of(bound["self"]), via)

    return judge


def _judge_update(layer: RuntimeLayer) -> Judge:
    def judge(bound: dict[str, Any], via: str) -> None:
        if bound.get("condition") is None:  # every row
            layer.check("update", target_of(bound["self"]), via)

    return judge


def _judge_clone(layer: RuntimeLayer) -> Judge:
    def judge(bound: dict[str, Any], via: str) -> None:
        if bound.get("replace"):
            layer.check("replace", bound.get("target"), via)

    return judge


def _judge_builder(layer: RuntimeLayer) -> Judge:
    def judge(bound: dict[str, Any], via: str) -> None:
        builder = bound["self"]
        if getattr(builder, "_dbx_replace", False):
            layer.check("replace", getattr(builder, "_dbx_target", None), via)

    return judge


def _judge_merge(layer: RuntimeLayer) -> Judge:
    def judge(bound: dict[str, Any], via: str) -> None:
        builder = bound["self"]
        actions = getattr(builder, "_notMatchedBySourceActions", None) or []  # Spark Connect
        deletes = any(type(a).__name__ == "DeleteAction" for a in actions)
        if deletes or getattr(builder, "_dbx_merge_delete", False):
            table = getattr(builder, "_dbx_target", None) or target_of(
                getattr(builder, "_target", None)
            )
            layer.check("merge delete", table, via)

    return judge
