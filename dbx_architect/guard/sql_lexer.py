"""Spark SQL's lexer, as far as the guard needs it: where words, strings and comments are.

A port of the rules in Spark's ``SqlBaseLexer.g4`` (Spark 4.x) that decide what is code:

- whitespace: the ``WS`` rule's characters (NBSP and the other Unicode spaces included);
- ``--`` comments run to ``\\r`` or ``\\n``, but a backslash just before ``\\n`` continues them;
- ``/* */`` comments nest; ``/*+`` opens a hint, which is code, and never nests in a comment;
- ``'...'`` and ``"..."`` strings with backslash escapes, ``R'...'`` raw strings, and
  backquoted names where a doubled backquote stands for one;
- keywords match after Java's per-character upper-casing (``ınsert`` is INSERT), done here
  with :func:`fold`.

Databricks' ``$$ ... $$`` (and ``$tag$ ... $tag$``) bodies are strings; open-source Spark
rejects ``$`` outside strings, so reading them as strings is right for both.

sqlglot's tokenizer is not used here: it reads ``/*+ ... */`` and a backslash-continued ``--``
comment differently from Spark (each lets a statement hide from a guard), and it takes about
100 ms per 100 KB of SQL. Anything this lexer cannot read the way Spark does raises
:class:`LexError`; the classifier then fails closed.
"""

from __future__ import annotations

from typing import NamedTuple

WORD, QUOTED, STRING, SYMBOL = "word", "quoted", "string", "symbol"

SPACES = frozenset(" \t\n\f\r\v\u00a0\u1680\u2028\u202f\u205f\u3000") | frozenset(
    chr(c) for c in range(0x2000, 0x200B)
)
_ASCII_WORD = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")
_TWO_CHAR = frozenset({"*/", "||", "::", "==", "<>", "!=", "<=", ">=", "=>", "->"})


class Token(NamedTuple):
    kind: str  # WORD, QUOTED (a backquoted name), STRING or SYMBOL
    text: str  # the source text of the token
    value: str  # WORD: folded upper case; QUOTED: the name; STRING: the literal; SYMBOL: text
    start: int
    end: int  # exclusive


class LexError(ValueError):
    """Text that Spark would not read the way this lexer does (or would not read at all)."""

    def __init__(self, reason: str, position: int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.position = position


def fold(word: str) -> str:
    """Upper case as Spark's lexer sees it: Java's one-character mapping (``ı`` → ``I``)."""
    if word.isascii():
        return word.upper()
    return "".join(up if len(up := c.upper()) == 1 else c for c in word)


def is_word_char(c: str) -> bool:
    return c in _ASCII_WORD or (c > "\x7f" and c.isalpha())


def tokenize(text: str) -> list[Token]:
    """The code tokens of *text*, comments and whitespace dropped, in order."""
    return _Lexer(text).run()


class _Lexer:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens: list[Token] = []
        self.found: dict[str, int] = {}  # needle -> next position (lookups only move forward)

    def find(self, needle: str, start: int) -> int:
        """``text.find(needle, start)``, remembered: linear in the text over a whole run."""
        known = self.found.get(needle, -2)
        if known == -1 or known >= start:
            return known
        known = self.text.find(needle, start)
        self.found[needle] = known
        return known

    def run(self) -> list[Token]:
        text, n, i = self.text, len(self.text), 0
        while i < n:
            c = text[i]
            if c in SPACES:
                i += 1
            elif is_word_char(c):
                i = self.word(i)
            elif c in "'\"":
                i = self.string(i, i + 1, c)
            elif c == "`":
                i = self.quoted(i)
            elif text.startswith("--", i):
                i = self.line_comment(i)
            elif text.startswith("/*", i) and not text.startswith("/*+", i):
                i = self.block_comment(i)
            elif c == "$":
                i = self.dollar_string(i)
            else:
                i = self.symbol(i)
        return self.tokens

    def add(self, kind: str, start: int, end: int, value: str | None = None) -> int:
        text = self.text[start:end]
        self.tokens.append(Token(kind, text, text if value is None else value, start, end))
        return end

    def word(self, i: int) -> int:
        text, n, j = self.text, len(self.text), i + 1
        while j < n and is_word_char(text[j]):
            j += 1
        if j == i + 1 and text[i] in "rR" and j < n and text[j] in "'\"":
            return self.raw_string(i)
        if text.startswith("://", j) and text[i:j].isalpha():
            self.uri_check(i, j + 3)
        return self.add(WORD, i, j, fold(text[i:j]))

    def uri_check(self, i: int, j: int) -> None:
        """Newer Spark reads ``abfss://a/b--c`` as one name: a ``--`` or ``/*`` in it is moot."""
        text, n = self.text, len(self.text)
        while j < n and (is_word_char(text[j]) or text[j] in "/-.?=&#%"):
            if text.startswith("--", j) or text.startswith("/*", j):
                raise LexError("a path name that Spark versions read differently", i)
            j += 1

    def string(self, start: int, j: int, quote: str) -> int:
        text = self.text
        while True:
            close = text.find(quote, j)
            if close < 0:
                raise LexError("a string that does not end", start)
            escape = text.find("\\", j, close)
            if escape >= 0:
                j = escape + 2
            elif text.startswith(quote, close + 1):  # Spark 4.2: a doubled quote stands for one
                j = close + 2
            else:
                return self.add(STRING, start, close + 1)

    def raw_string(self, start: int) -> int:
        close = self.text.find(self.text[start + 1], start + 2)
        if close < 0:
            raise LexError("a string that does not end", start)
        return self.add(STRING, start, close + 1)

    def quoted(self, start: int) -> int:
        text, j = self.text, start + 1
        while True:
            close = text.find("`", j)
            if close < 0:
                raise LexError("a quoted name that does not end", start)
            if not text.startswith("``", close):
                name = text[start + 1 : close].replace("``", "`")
                return self.add(QUOTED, start, close + 1, name)
            j = close + 2

    def dollar_string(self, start: int) -> int:
        text, n, j = self.text, len(self.text), start + 1
        while j < n and is_word_char(text[j]):
            j += 1
        if j >= n or text[j] != "$":
            raise LexError("a $ that is not a $$ string", start)
        delimiter = text[start : j + 1]
        close = text.find(delimiter, j + 1)
        if close < 0:
            raise LexError("a $$ string that does not end", start)
        return self.add(STRING, start, close + len(delimiter))

    def line_comment(self, start: int) -> int:
        text, n, j = self.text, len(self.text), start + 2
        while True:
            ends = [p for p in (self.find("\n", j), self.find("\r", j)) if p >= 0]
            end = min(ends) if ends else n
            if end < n and text[end] == "\n" and end > start + 2 and text[end - 1] == "\\":
                j = end + 1  # Spark: a backslash before the newline continues the comment
                continue
            if end < n and text[end] == "\r":
                end += 1
            return end + 1 if end < n and text[end] == "\n" else end

    def block_comment(self, start: int) -> int:
        depth, j = 1, start + 2
        while depth:
            close = self.find("*/", j)
            if close < 0:
                raise LexError("a /* comment that does not end", start)
            opening = self.find("/*", j)
            if 0 <= opening < close:
                if self.text.startswith("/*+", opening):
                    j = opening + 1  # a hint start inside a comment does not nest
                else:
                    depth, j = depth + 1, opening + 2
            else:
                depth, j = depth - 1, close + 2
        return j

    def symbol(self, i: int) -> int:
        text = self.text
        if text.startswith("/*+", i):
            return self.add(SYMBOL, i, i + 3)
        if text[i : i + 2] in _TWO_CHAR:
            return self.add(SYMBOL, i, i + 2)
        return self.add(SYMBOL, i, i + 1)
