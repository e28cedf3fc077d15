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
_SINGLE = frozenset("(),.;?[]")  # symbols that never start a longer token
_OPERATORS = frozenset("=<>!*+|:^%&~")  # symbols that may start a two-character one
# For statements(): what can hide or be a semicolon becomes "#" (a real "#" becomes "_").
_MARKS = {ord(c): "#" for c in "'\"`-/;$"} | {ord("#"): "_"}
_URI = frozenset("/-.?=&#%")
_TWO_CHAR = frozenset({"*/", "||", "::", "==", "<>", "!=", "<=", ">=", "=>", "->"})


class Token(NamedTuple):
    kind: str  # WORD, QUOTED (a backquoted name), STRING or SYMBOL
    text: str  # the source text of the token
    value: str  # WORD: folded upper case; QUOTED: the name; STRING: the literal; SYMBOL: text
    start: int
    end: int  # exclusive


_new = tuple.__new__  # builds a Token without NamedTuple's slower __new__


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


def without_hints(tokens: list[Token]) -> list[Token]:
    """*tokens* without ``/*+ ... */`` hints: Spark never runs what a hint holds."""
    kept, hint = [], False
    for token in tokens:
        if token.kind == SYMBOL and token.value == "/*+":
            hint = True
        elif hint and token.kind == SYMBOL and token.value == "*/":  # a stray */ stays code
            hint = False
        elif not hint or (token.kind == SYMBOL and token.value == ";"):  # no hint holds a ;
            hint = False
            kept.append(token)
    return kept


class _Classes(dict):
    """A ``str.translate`` table: word characters → ``a``, Spark's spaces → space, others → ``.``
    (filled in as characters are met)."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        self[code] = "a" if is_word_char(char) else " " if char in SPACES else "."
        return self[code]


_CLASSES = _Classes()


def tokenize(text: str, start: int = 0, end: int | None = None) -> list[Token]:
    """The code tokens of ``text[start:end]`` (a statement from :func:`statements`), comments,
    whitespace and hints dropped, in order; positions are in *text*."""
    return _Lexer(text, start, len(text) if end is None else end).run()


def statements(text: str) -> list[tuple[int, int, str]]:
    """Each statement of *text* (split on semicolons that are code): (start, end, code).

    *code* is the statement's text without its comments and string literals. Reads only what
    can hide a semicolon (strings, names, comments), so it costs a fraction of
    :func:`tokenize`, and raises :class:`LexError` exactly where :func:`tokenize` would."""
    return _Lexer(text, 0, len(text), keep=False).spans()


class _Lexer:
    def __init__(self, text: str, start: int, end: int, keep: bool = True) -> None:
        self.text, self.start, self.end, self.keep = text, start, end, keep
        self.tokens: list[Token] = []
        self.found: dict[str, int] = {}  # needle -> next position (lookups only move forward)
        self.uri_done = 0
        self.hints = False  # a /*+ hint was read

    def find(self, needle: str, start: int) -> int:
        """``text.find(needle, start, end)``, remembered: linear in the text over a run."""
        known = self.found.get(needle, -2)
        if known == -1 or known >= start:
            return known
        known = self.text.find(needle, start, self.end)
        self.found[needle] = known
        return known

    def spans(self) -> list[tuple[int, int, str]]:
        text, marks = self.text, self.text.translate(_MARKS)
        found: list[tuple[int, int, str]] = []
        code: list[str] = []
        first = i = kept = 0  # statement start, scan position, start of code not yet kept
        while (j := marks.find("#", i)) >= 0:
            c, after = text[j], text[j : j + 2]
            if c == ";":
                found.append((first, j, "".join([*code, text[kept:j]])))
                first = i = kept = j + 1
                code = []
            elif c == "`":
                i = self.quoted(j)
            elif c == "$":
                i = self.dollar_string(j)
            elif c == "/" and j > kept and text[j - 1] == "*":  # the */ token: not a comment
                i = j + 1
            elif c in "'\"" or after == "--" or (after == "/*" and text[j + 2 : j + 3] != "+"):
                code.append(text[kept:j])
                i = kept = self.skip(j, c, kept)
            else:  # a lone - or /, or the /*+ of a hint: code
                i = j + (3 if text.startswith("/*+", j) else 1)
        return [*found, (first, len(text), "".join([*code, text[kept:]]))]

    def skip(self, j: int, c: str, low: int) -> int:
        """Past the string or comment at *j* (*low*: where the code before it starts)."""
        text = self.text
        if c in "'\"":
            raw = j - 1 >= low and text[j - 1] in "rR" and not self.in_word(j - 1)
            return self.raw_string(j - 1) if raw else self.string(j, j + 1, c)
        self.uri_back_check(low, j)
        return self.block_comment(j) if c == "/" else self.line_comment(j)

    def in_word(self, j: int) -> bool:
        """``text[j]`` continues a word that starts before it."""
        return j > 0 and is_word_char(self.text[j - 1])

    def uri_back_check(self, low: int, j: int) -> None:
        """:meth:`uri_check`, seen from the ``--`` or ``/*`` at *j*."""
        text, k = self.text, j
        while k > low and (is_word_char(text[k - 1]) or text[k - 1] in _URI):
            k -= 1
        if k > low and text[k - 1] == ":" and text.startswith("//", k):
            w = k - 1
            while w > low and is_word_char(text[w - 1]):
                w -= 1
            if text[w : k - 1].isalpha():
                raise LexError("a path name that Spark versions read differently", w)

    def run(self) -> list[Token]:
        base, src = self.start, self.text[self.start : self.end]  # k indexes src; base + k text
        n, plain = len(src), src.isascii()
        classes = src.translate(_CLASSES)
        words_end = classes.replace(" ", ".")  # a word ends at the next "."
        stop, k, tokens = -1, 0, self.tokens
        while k < n:
            kind, c = classes[k], src[k]
            if kind == " ":
                k += 1
            elif kind == "a":
                if stop < k:
                    stop = words_end.find(".", k)
                    stop = n if stop < 0 else stop
                if stop < n and src[stop] in "'\":":  # maybe r'raw', maybe abfss://
                    if stop == k + 1 and c in "rR" and src[stop] != ":":
                        k = self.raw_string(base + k) - base
                        continue
                    if src.startswith("://", stop) and src[k:stop].isalpha():
                        self.uri_check(base + k, base + stop + 3)
                word = src[k:stop]
                up = word.upper() if plain else fold(word)
                tokens.append(_new(Token, (WORD, word, up, base + k, base + stop)))
                k = stop
            elif c in _SINGLE:
                tokens.append(_new(Token, (SYMBOL, c, c, base + k, base + k + 1)))
                k += 1
            elif c in _OPERATORS:
                end = k + 2 if src[k : k + 2] in _TWO_CHAR else k + 1
                tokens.append(_new(Token, (SYMBOL, src[k:end], src[k:end], base + k, base + end)))
                k = end
            else:
                k = self.other(base + k, c) - base
        return without_hints(tokens) if self.hints else tokens

    def other(self, i: int, c: str) -> int:
        text = self.text
        if c == "'" or c == '"':
            return self.string(i, i + 1, c)
        if c == "`":
            return self.quoted(i)
        if c == "-" and text.startswith("--", i):
            return self.line_comment(i)
        if c == "/" and text.startswith("/*", i) and not text.startswith("/*+", i):
            return self.block_comment(i)
        if c == "$":
            return self.dollar_string(i)
        return self.symbol(i)

    def add(self, kind: str, start: int, end: int, value: str | None = None) -> int:
        if self.keep:
            text = self.text[start:end]
            token = (kind, text, text if value is None else value, start, end)
            self.tokens.append(_new(Token, token))
        return end

    def uri_check(self, i: int, j: int) -> None:
        """Newer Spark reads ``abfss://a/b--c`` as one name: a ``--`` or ``/*`` in it is moot."""
        text, n = self.text, self.end
        if j < self.uri_done:  # inside a run already read: it ends where that one did
            return
        while j < n and (is_word_char(text[j]) or text[j] in _URI):
            if text.startswith("--", j) or text.startswith("/*", j):
                raise LexError("a path name that Spark versions read differently", i)
            j += 1
        self.uri_done = j

    def string(self, start: int, j: int, quote: str) -> int:
        text, close = self.text, -1
        while True:
            if close < j:
                close = text.find(quote, j, self.end)
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
        close = self.text.find(self.text[start + 1], start + 2, self.end)
        if close < 0:
            raise LexError("a string that does not end", start)
        return self.add(STRING, start, close + 1)

    def quoted(self, start: int) -> int:
        text, j = self.text, start + 1
        while True:
            close = text.find("`", j, self.end)
            if close < 0:
                raise LexError("a quoted name that does not end", start)
            if not text.startswith("``", close):
                name = text[start + 1 : close].replace("``", "`")
                return self.add(QUOTED, start, close + 1, name)
            j = close + 2

    def dollar_string(self, start: int) -> int:
        text, n, j = self.text, self.end, start + 1
        while j < n and is_word_char(text[j]):
            j += 1
        if j >= n or text[j] != "$":
            raise LexError("a $ that is not a $$ string", start)
        delimiter = text[start : j + 1]
        close = text.find(delimiter, j + 1, n)
        if close < 0:
            raise LexError("a $$ string that does not end", start)
        return self.add(STRING, start, close + len(delimiter))

    def line_comment(self, start: int) -> int:
        text, n, j = self.text, self.end, start + 2
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
            self.hints = True
            return self.add(SYMBOL, i, i + 3)
        if text[i : i + 2] in _TWO_CHAR:
            return self.add(SYMBOL, i, i + 2)
        return self.add(SYMBOL, i, i + 1)
