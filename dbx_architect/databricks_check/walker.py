"""The AST walk behind the call checker: scopes, what each name is, and each call's check."""

from __future__ import annotations

import ast
from typing import Any

from .calls import (
    SIDES,
    Value,
    _attribute,
    _in_scope,
    _module_of,
    bind,
    has_member,
    import_value,
    installed,
    member,
    option_names,
    option_problems,
    result,
)

Env = dict[str, Value | None]
SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
# Methods that end a chain and name the format it reads or writes.
TERMINAL_FORMATS = {"csv": "csv", "json": "json", "parquet": "parquet", "table": "delta"}
TERMINAL_FORMATS |= {"saveAsTable": "delta", "toTable": "delta"}
# Callees whose string arguments are SQL expressions (or, for SQLTransformer, a statement).
EXPRESSIONS = {"pyspark.sql.functions.expr", "DataFrame.where", "DataFrame.filter"}
EXPRESSIONS.add("DataFrame.selectExpr")
STATEMENTS = {"pyspark.ml.feature.SQLTransformer": "statement"}


class _Import:
    """``import module`` or ``from module import name``, resolved when the scope is typed."""

    def __init__(self, module: str, name: str | None) -> None:
        self.module, self.name = module, name


def _names(target: ast.expr) -> list[str]:
    return [n.id for n in ast.walk(target) if isinstance(n, ast.Name)]


def bindings(body: list[ast.stmt]) -> dict[str, list[Any]]:
    """Every name a scope binds -> what each binding assigns (an expression, an import, or
    None when it cannot be typed); nested functions and classes are their own scopes."""
    found: dict[str, list[Any]] = {}
    pending: list[ast.AST] = list(body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Assign):
            for target in node.targets:
                simple = isinstance(target, ast.Name)
                for name in _names(target):
                    found.setdefault(name, []).append(node.value if simple else None)
        elif isinstance(node, ast.AnnAssign | ast.NamedExpr) and isinstance(node.target, ast.Name):
            found.setdefault(node.target.id, []).append(node.value)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                top = alias.name.split(".")[0]
                bound = alias.asname or top
                module = alias.name if alias.asname else top
                found.setdefault(bound, []).append(_Import(module, None))
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                found.setdefault(alias.asname or alias.name, []).append(
                    _Import(node.module, alias.name)
                )
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            found.setdefault(node.name, []).append(None)
            continue
        elif isinstance(node, ast.AugAssign | ast.For | ast.AsyncFor | ast.With | ast.AsyncWith):
            targets = [node.target] if hasattr(node, "target") else []
            targets += [i.optional_vars for i in getattr(node, "items", []) if i.optional_vars]
            for name in [n for t in targets for n in _names(t)]:
                found.setdefault(name, []).append(None)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            found.setdefault(node.name, []).append(None)
        if not isinstance(node, SCOPES + COMPREHENSIONS):
            pending.extend(ast.iter_child_nodes(node))
    return found


class Walker:
    """Walks one cell; ``problems`` collects (line, message)."""

    def __init__(self, tree: ast.Module) -> None:
        self.problems: list[tuple[int, str]] = []
        self.bound: list[tuple[int, str]] = []  # (line, callee) of every call bound
        # (line, reader or writer class, option name) of every option checked
        self.options: list[tuple[int, str, str]] = []
        self.expressions: list[tuple[int, str]] = []  # (line, text) of SQL in other arguments
        self.parents = {
            child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)
        }
        from pyspark.sql import SparkSession

        self.scope(tree.body, {"spark": Value(SparkSession, "spark", instance=True)}, [])

    def scope(self, body: list[ast.stmt], outer: Env, params: list[str]) -> None:
        env: Env = {**outer, **dict.fromkeys(params)}
        bound = bindings(body)
        env.update(dict.fromkeys(bound))
        for _ in range(2):  # a name typed from one assigned later in the text
            for name, values in bound.items():
                typed = [self.typed(v, env) for v in values]
                same = all(t is not None and t == typed[0] for t in typed)
                env[name] = typed[0] if typed and same else None
        for statement in body:
            self.visit(statement, env)

    def typed(self, value: Any, env: Env) -> Value | None:
        if isinstance(value, _Import):
            found = import_value(value.module, value.name)
            return found if isinstance(found, Value) else None
        return self.resolve(value, env) if isinstance(value, ast.expr) else None

    def visit(self, node: ast.AST, env: Env) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            for default in [*node.args.defaults, *node.args.kw_defaults]:
                if default is not None:
                    self.visit(default, env)
            params = [a.arg for a in ast.walk(node.args) if isinstance(a, ast.arg)]
            body: list[ast.stmt] = (
                node.body if isinstance(node.body, list) else [ast.Expr(node.body)]
            )
            if not isinstance(node, ast.Lambda):
                for decorator in node.decorator_list:
                    self.visit(decorator, env)
            self.scope(body, env, params)
            return
        if isinstance(node, ast.ClassDef):
            self.scope(node.body, env, [])
            return
        if isinstance(node, COMPREHENSIONS):
            local = [n for g in node.generators for n in _names(g.target)]
            env = {**env, **dict.fromkeys(local)}
        if isinstance(node, ast.Import | ast.ImportFrom):
            self.check_import(node)
        elif isinstance(node, ast.Call):
            self.check_call(node, env)
        elif isinstance(node, ast.Attribute):
            self.check_attribute(node, env)
        for child in ast.iter_child_nodes(node):
            self.visit(child, env)

    def resolve(self, node: ast.expr, env: Env) -> Value | None:
        """What *node* is, when it can be told statically."""
        if isinstance(node, ast.Name):
            return env.get(node.id)
        if isinstance(node, ast.Attribute):
            base = self.resolve(node.value, env)
            if base is None or base.method:
                return None
            return member(base, node.attr) if base.instance else _attribute(base, node.attr)
        if isinstance(node, ast.Call):
            callee = self.resolve(node.func, env)
            if callee is None or callee.instance or not _in_scope(_module_of(callee)):
                return None
            return result(callee)
        return None

    def check_import(self, node: ast.Import | ast.ImportFrom) -> None:
        if isinstance(node, ast.Import):
            wanted: list[tuple[str, str | None]] = [(alias.name, None) for alias in node.names]
        elif node.module and not node.level:
            wanted = [(node.module, alias.name) for alias in node.names if alias.name != "*"]
        else:
            wanted = []
        for module, name in wanted:
            found = import_value(module, name)
            if isinstance(found, str):
                self.problems.append((node.lineno, found))

    def check_attribute(self, node: ast.Attribute, env: Env) -> None:
        """``module.name`` / ``Class.name`` that the installed library lacks."""
        base = self.resolve(node.value, env)
        if base is None or base.instance or base.method or not _in_scope(_module_of(base)):
            return
        if _attribute(base, node.attr) is None:
            where = _module_of(base)
            self.problems.append(
                (node.lineno, f"{base.path}.{node.attr}: not in the installed {installed(where)}")
            )

    def check_call(self, node: ast.Call, env: Env) -> None:
        func = node.func
        if isinstance(func, ast.Attribute):
            base = self.resolve(func.value, env)
            if base is not None and base.instance and _in_scope(base.obj.__module__):
                self.check_method(node, func, base)
                return
        callee = self.resolve(func, env)
        if callee is None or callee.instance or not _in_scope(_module_of(callee)):
            return
        self.bound.append((node.lineno, callee.path))
        problem = bind(callee, node)
        if problem:
            self.problems.append((node.lineno, problem))
        self.check_sql_arguments(node, callee.path)

    def check_sql_arguments(self, node: ast.Call, path: str) -> None:
        """String arguments that are SQL: expressions parse as one, statements as statements."""
        from .sql import expression_error, literal_text, statements

        texts = [literal_text(a) for a in node.args] if path in EXPRESSIONS else []
        for expression in [t for t in texts if t is not None]:
            self.expressions.append((node.lineno, expression))
            error = expression_error(expression)
            if error:
                self.problems.append((node.lineno, error))
        for keyword in node.keywords:
            text = literal_text(keyword.value) if STATEMENTS.get(path) == keyword.arg else None
            for statement in statements(keyword.value.lineno, text) if text else []:
                self.expressions.append((statement.line, statement.text))
                if statement.error or statement.kind != "SELECT":
                    message = statement.error or f"not a SELECT statement: {text}"
                    self.problems.append((statement.line, message))

    def check_method(self, node: ast.Call, func: ast.Attribute, base: Value) -> None:
        cls = base.obj
        callee = member(base, func.attr)
        if callee is None:
            if not has_member(cls, func.attr):
                message = f"{cls.__qualname__}.{func.attr}: not in the installed "
                self.problems.append((node.lineno, message + installed(cls.__module__)))
            return
        problem = bind(callee, node) if not callee.instance else None
        if not callee.instance:
            self.bound.append((node.lineno, callee.path))
            self.check_sql_arguments(node, callee.path)
        if problem:
            self.problems.append((node.lineno, problem))
        if func.attr in ("option", "options") and cls.__name__ in SIDES:
            fmt = self.format_of(node)
            self.options += [(node.lineno, cls.__name__, name) for name in option_names(node)]
            for message in option_problems(SIDES[cls.__name__], fmt, node, cls.__name__):
                self.problems.append((node.lineno, message))

    def format_of(self, call: ast.Call) -> str | None:
        """The format a reader or writer chain names (``.format("x")``, ``.csv(...)``...);
        ``?`` when it is not a constant."""
        chain = []
        node: ast.AST = call.func
        while isinstance(node, ast.Attribute) and isinstance(node.value, ast.Call):
            node = node.value.func  # receivers
            chain.append(self.parents[node])
        node = call
        while isinstance(up := self.parents.get(node), ast.Attribute):
            outer = self.parents.get(up)
            if not (isinstance(outer, ast.Call) and outer.func is up):
                break
            node = outer
            chain.append(outer)
        for link in chain:
            assert isinstance(link, ast.Call) and isinstance(link.func, ast.Attribute)
            if link.func.attr == "format":
                first = link.args[0] if link.args else None
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    return first.value
                return "?"
        terminal = [TERMINAL_FORMATS.get(link.func.attr) for link in chain]  # type: ignore[attr-defined]
        return next((t for t in terminal if t), None)
