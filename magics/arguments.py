"""The magic line, parsed as IPython's own magics parse it, with its mistakes in one line."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic_arguments import parse_argstring

from ..errors import short


def parse_line(magic: Callable[..., Any], line: str, name: str) -> argparse.Namespace:
    """``parse_argstring``, but an unclosed quote is a ``UsageError`` naming *name*.

    IPython splits the line with :mod:`shlex`, which raises ``ValueError("No closing
    quotation")`` and would show the user a traceback.
    """
    try:
        return parse_argstring(magic, line)
    except ValueError:
        raise UsageError(
            f"{name}: a quote on the magic line is not closed: {short(line)}"
        ) from None
