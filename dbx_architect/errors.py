"""The one exception family of dbx_architect.

Every user mistake is a :class:`DbxArchitectError` whose message is a single line
naming the key, the value and what is allowed. The magics turn it into an IPython
``UsageError`` so the notebook shows that line and no traceback.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class DbxArchitectError(Exception):
    """Root of every error dbx_architect raises on purpose."""


class SpecError(DbxArchitectError):
    """A spec (YAML body, magic line or configuration value) is not valid."""


class RuntimeSetupError(DbxArchitectError):
    """The local runtime (Java, Spark, Delta jars) is missing or cannot start."""


class InternalError(DbxArchitectError):
    """dbx_architect produced something it should not have (a bug: please report it)."""


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """Return `` (did you mean 'x'?)`` for the closest choice, or an empty string."""
    close = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""
