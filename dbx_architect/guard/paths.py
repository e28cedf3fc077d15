"""Which paths hold data, how targets compare, and what a shell command removes.

A *data path* is one whose removal loses data: cloud storage (``s3://``, ``abfss://``, ``gs://``,
``wasbs://``, ...), DBFS (``dbfs:/``, ``/dbfs/``, ``/mnt/``; ``dbfs:/tmp`` included: tables live
there too, ``%guard allow dbfs:/tmp/*`` exempts it), Unity Catalog volumes (``/Volumes/``), and
local folders that hold a table: inside (or above) the Spark warehouse, a ``.dbx_architect``
root, or a Delta table (a folder with ``_delta_log``). Scratch paths elsewhere, ``file:/tmp/...``
included, are not the guard's business.

Targets are compared normalised: ``..`` and ``.`` resolved on the path part (the scheme kept,
the path's case kept); table names compare case-insensitively without backticks.
"""

from __future__ import annotations

import os
import posixpath
import re
import shlex
from collections.abc import Iterable

from .sql import HOLE

REMOTE_SCHEMES = frozenset(
    {"dbfs", "s3", "s3a", "s3n", "abfs", "abfss", "gs", "wasb", "wasbs", "adl", "hdfs", "r2"}
)
LOCAL_DATA_ROOTS = ("/Volumes", "/dbfs", "/mnt")
ROOT_MARKER = ".dbx_architect"
STDIN = HOLE.format(0)  # a path a command reads from its input (xargs rm)
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]+):(.*)$", re.DOTALL)


def is_path(target: str) -> bool:
    """A path (``/x``, ``dbfs:/x``, ``s3://b/k``) rather than a table name."""
    return "/" in target or ":" in target


def split_scheme(path: str) -> tuple[str, str]:
    """``dbfs:/a`` → ("dbfs", "/a"); ``/a`` → ("", "/a")."""
    match = _SCHEME.match(path)
    return (match.group(1).lower(), match.group(2)) if match else ("", path)


def normalize_path(path: str) -> str:
    """``dbfs:/tmp/../mnt/x/`` → ``dbfs:/mnt/x``; ``s3://b/a/./k`` → ``s3://b/a/k``."""
    scheme, rest = split_scheme(path.strip())
    if scheme and rest.startswith("//"):  # scheme://authority/key
        authority, _, key = rest[2:].partition("/")
        key = posixpath.normpath("/" + key) if key else "/"
        return f"{scheme}://{authority}{'' if key == '/' else key}"
    if rest.startswith("///"):
        rest = "/" + rest.lstrip("/")
    normal = posixpath.normpath(rest) if rest else rest
    return f"{scheme}:{normal}" if scheme else normal


def target_key(target: str) -> str:
    """What two spellings of one target share: paths normalised, names lower case."""
    if is_path(target):
        return normalize_path(target)
    return ".".join(part.strip().strip("`") for part in target.strip().split(".")).lower()


def local_part(path: str, default_scheme: str = "") -> str | None:
    """The local file-system path *path* names, or None for a remote one."""
    scheme, rest = split_scheme(path)
    scheme = scheme or default_scheme
    if scheme and scheme != "file":
        return None
    absolute = rest if rest.startswith("/") else os.path.join(os.getcwd(), rest)
    return posixpath.normpath("/" + absolute.lstrip("/"))


def is_data_path(path: str, locations: Iterable[str] = (), default_scheme: str = "") -> bool:
    """Does removing (or moving onto) *path* lose data? See the module's docstring.

    *locations* are local table locations (the Spark warehouse); *default_scheme* is what a
    path without a scheme means (``dbfs`` for ``dbutils.fs``: ``/tmp/x`` is ``dbfs:/tmp/x``).
    """
    scheme, _ = split_scheme(path)
    scheme = scheme or default_scheme
    if scheme in REMOTE_SCHEMES:
        return True
    local = local_part(path, default_scheme)
    if local is None:
        return False
    real = os.path.realpath(local)  # a symlink into a table is that table
    return any(_local_data(p, locations) for p in dict.fromkeys((local, real)))


def _local_data(local: str, locations: Iterable[str]) -> bool:
    if any(local == root or local.startswith(root + "/") for root in LOCAL_DATA_ROOTS):
        return True
    if ROOT_MARKER in local.split("/"):
        return True
    for location in locations:
        location = location.rstrip("/")
        if local == location or (location + "/").startswith(local.rstrip("/") + "/"):
            return True  # the location itself, or a folder holding it
        if local.startswith(location + "/"):
            return True
    return _in_delta_table(local)


def _in_delta_table(local: str) -> bool:
    """*local* is, or is inside, a folder with a ``_delta_log`` (or holds a .dbx_architect root)."""
    if os.path.isdir(os.path.join(local, ROOT_MARKER)):
        return True
    folder = local
    while True:
        if os.path.isdir(os.path.join(folder, "_delta_log")):
            return True
        parent = posixpath.dirname(folder)
        if parent == folder:
            return False
        folder = parent


def warehouse_of(spark: object) -> list[str]:
    """The local warehouse folder of a SparkSession (``spark.sql.warehouse.dir``), if local."""
    try:
        value = spark.conf.get("spark.sql.warehouse.dir")  # type: ignore[attr-defined]
    except Exception:  # not a session, or a remote one that does not say
        return []
    if not isinstance(value, str):
        return []
    local = local_part(value)
    return [local] if local else []


# --- shell commands (``!rm -rf PATH``, ``%%bash``) ----------------------------------------------
_WRAPPERS = {"sudo", "command", "exec", "nohup", "time", "builtin", "env", "nice"}
_SHELLS = {"sh", "bash", "zsh", "dash", "ksh"}
_SEPARATORS = {";", "&&", "||", "|", "&", "(", ")", ";;", "|&"}
_REDIRECTIONS = {">", ">>", "<", ">&", "&>", "<<", "<<<", ">|"}


def shell_changes(command: str) -> list[tuple[str, str]]:
    """The ``(kind, path)`` pairs a shell command line removes or moves onto.

    ``rm``, ``rmdir`` and ``unlink`` remove their arguments; ``mv`` moves onto its last
    argument and off the others. Raises ValueError when the line cannot be split.
    """
    changes: list[tuple[str, str]] = []
    for line in command.splitlines():
        lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        lexer.commenters = "#"
        words: list[str] = []
        for token in [*lexer, ";"]:
            if token in _SEPARATORS:
                changes += _one_command(words)
                words = []
            else:
                words.append(token)
    return changes


def _one_command(words: list[str]) -> list[tuple[str, str]]:
    words = _without_redirections(words)
    while words and (words[0] in _WRAPPERS or "=" in words[0].split("/")[0]):
        words = words[1:]
        while words and words[0].startswith("-"):  # sudo -n, command -p, time -p
            words = words[1:]
    if not words:
        return []
    program = posixpath.basename(words[0])
    if program in _SHELLS and "-c" in words[1:-1]:  # bash -c "rm -rf x"
        return shell_changes(words[words.index("-c", 1) + 1])
    if program == "find" and ({"-delete", "-exec", "-execdir", "-ok"} & set(words)):
        roots = [w for w in words[1:] if not w.startswith(("-", "(", "!"))][:1]
        return [("remove files", root) for root in roots]  # find PATH ... -delete
    if program == "xargs":  # the paths come from its input: nobody can name them
        inner = _one_command([*words[1:], STDIN])
        return [(kind, STDIN) for kind, _ in inner]
    arguments, options_done = [], False
    for word in words[1:]:
        if word == "--" and not options_done:
            options_done = True
        elif word.startswith("-") and not options_done and word != "-":
            continue
        else:
            arguments.append(word)
    if program in ("rm", "rmdir", "unlink"):
        return [("remove files", a) for a in arguments]
    if program == "mv" and len(arguments) >= 2:
        *sources, destination = arguments
        return [("move files", destination)] + [("move files", s) for s in sources]
    return []


def _without_redirections(words: list[str]) -> list[str]:
    """``rm x 2> /dev/null`` → ``rm x``: a redirection and its file are not arguments."""
    kept: list[str] = []
    skip = False
    for word in words:
        if skip:
            skip = False
        elif word in _REDIRECTIONS:
            skip = True
            if kept and kept[-1].isdigit():  # the 2 of 2>
                kept.pop()
        else:
            kept.append(word)
    return kept
