"""Layer stacks written as text: the course's notation and PyTorch's printed ``nn.Sequential``.

Both notations are read by one small grammar, parsed by recursive descent (never ``eval``)::

    stack    := sep* [item (sep+ item)*] sep* EOF          sep := NEWLINE | "," | ";"
    item     := [label ":"] [INT "x"] layer [cells]
    label    := "(" (NAME | INT ["-" INT]) ")"             PyTorch's child names: (0), (features)
    layer    := NAME ["." NAME]* ["(" body ")"]
    body     := sep* [item (sep+ item)*] sep*   for Sequential and ModuleList (flattened)
              | item* when it starts with a label (another module printed by PyTorch)
              | arg ("," arg)* [","]
    arg      := NAME ("=" | ":") value | value ["->" value]
    value    := ["-"] NUMBER | STRING | NAME | "(" [value ("," value)* [","]] ")" | "[" … "]"
    cells    := the rest of a pasted table line, sizes such as ``20 x 28 x 28`` (ignored)

The course writes ``Conv (Cout=20, K=5, P=2, S=1)``, ``ReLU``, ``MaxPool(K=2, S=2)``,
``Flatten``, ``Linear (2450 -> 500)``, one layer per line or separated by commas; PyTorch
prints ``Conv2d(1, 20, kernel_size=(5, 5), stride=(1, 1), padding=(2, 2))`` inside
``Sequential(...)``. Names are matched without regard to case, spaces or underscores, so the
short forms (``Conv``, ``MaxPool``) become the API's dimension-free tags. Each kind says
how it is written (``LayerSpec.positional``, ``lone_positional``, ``arrow``,
``notation_names``, ``read_notation``): positional arguments follow PyTorch's constructor
order, except that a lone number is the course's ``Conv(20)`` (out_channels) or
``Linear(500)`` (out_features). A container's children are
read in the order printed, which is the order ``nn.Sequential`` runs them.

The work is bounded by the text's length, whatever the text: every step is linear, and

- a repeat ``n x item`` stands for ``n`` times the layers of ``item``, so nested repeats
  multiply (``3 x Sequential(4 x Sequential(ReLU, ReLU))`` is 24 layers). The count of layers
  is kept while parsing, and the text is refused (``limit_exceeded``) as soon as it passes
  ``max_layers``, or a repeat count alone does, before any layer is built;
- brackets, parentheses and containers nest at most ``MAX_DEPTH`` (32) deep, which bounds
  the parser's recursion.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Final

from app.core.analysis import DEFAULT_LIMITS
from app.core.errors import CnnCalcError, ErrorCode
from app.core.layers import TYPE_INDEX, LayerSpec
from app.core.layers.base import NAME_INDEX
from app.core.messages import Msg, msg

MAX_DEPTH: Final = 32
"""Brackets, parentheses and containers nested deeper than this are refused."""

MAX_LAYERS: Final = DEFAULT_LIMITS.max_layers
"""The default bound on the layers a text stands for, ``Limits().max_layers`` (2048)."""

SYNTAX: Final = "notation_syntax"
"""The code of a syntax error; a bound exceeded is ``ErrorCode.LIMIT``."""


class NotationError(CnnCalcError):
    """A syntax error in a text stack, with its 1-based line and column.

    The message reads ``line 3, column 12: expected ')'``; ``loc`` places it in a request.
    ``code`` is ``notation_syntax``, or ``limit_exceeded`` for a text that stands for too
    many layers or nests too deep.
    """

    def __init__(self, line: int, column: int, reason: Msg, code: str = SYNTAX) -> None:
        whole = msg("notation_error", line=line, column=column, reason=reason)
        super().__init__(whole)
        self.line = line
        self.column = column
        self.reason_msg = reason
        self.reason = str(reason)
        self.loc: tuple[str | int, ...] = ("layers",)
        self.code = code

    def __reduce__(self) -> tuple[Any, ...]:
        return (NotationError, (self.line, self.column, self.reason_msg, self.code))


# Token kinds.
NAME: Final = "name"
NUMBER: Final = "number"
STRING: Final = "string"
NEWLINE: Final = "newline"
ARROW: Final = "->"
EOF: Final = "end of text"
PUNCT = frozenset("()[],;:=-.")
DIGITS: Final = "0123456789"
"""Numbers are written in ASCII digits only (``str.isdigit`` takes any script's, and ``²``)."""


@dataclass(frozen=True, slots=True)
class Token:
    """A token and where it starts (1-based line and column)."""

    kind: str
    text: str
    line: int
    column: int
    value: Any = None


def tokenize(text: str) -> list[Token]:
    """Split ``text`` into tokens; ``#`` starts a comment that runs to the end of the line.

    Raises:
        NotationError: an unexpected character or an unterminated string.
    """
    tokens: list[Token] = []
    i, line, col = 0, 1, 1
    n = len(text)
    while i < n:
        ch = text[i]
        start_col = col
        if ch == "\n":
            tokens.append(Token(NEWLINE, "\n", line, col))
            i, line, col = i + 1, line + 1, 1
            continue
        if ch in " \t\r\f\v\u00a0\u202f":
            i, col = i + 1, col + 1
            continue
        if ch == "#":
            while i < n and text[i] != "\n":
                i, col = i + 1, col + 1
            continue
        if (ch == "-" and text.startswith("->", i)) or ch == "→":
            width = 1 if ch == "→" else 2
            tokens.append(Token(ARROW, "->", line, col))
            i, col = i + width, col + width
            continue
        if ch in DIGITS or (ch == "." and i + 1 < n and text[i + 1] in DIGITS):
            j = i
            while j < n and (text[j] in DIGITS or text[j] in "._"):
                j += 1
            if j < n and text[j] in "eE":
                k = j + 1
                if k < n and text[k] in "+-":
                    k += 1
                if k < n and text[k] in DIGITS:
                    j = k
                    while j < n and text[j] in DIGITS:
                        j += 1
            raw = text[i:j]
            try:
                value: int | float = (
                    int(raw) if raw.replace("_", "").isdigit() else float(raw.replace("_", ""))
                )
            except ValueError:
                raise NotationError(
                    line, start_col, msg("notation_number", text=_clip(raw))
                ) from None
            tokens.append(Token(NUMBER, raw, line, col, value))
            col += j - i
            i = j
            continue
        if ch.isalpha() or ch == "_":
            j = i
            while j < n and (text[j].isalnum() or text[j] == "_"):
                j += 1
            word = text[i:j]
            tokens.append(Token(NAME, word, line, col, word))
            col += j - i
            i = j
            continue
        if ch in "'\"":
            j = i + 1
            while j < n and text[j] != ch and text[j] != "\n":
                j += 1
            if j >= n or text[j] != ch:
                raise NotationError(line, start_col, msg("notation_unclosed"))
            tokens.append(Token(STRING, text[i : j + 1], line, col, text[i + 1 : j]))
            col += j + 1 - i
            i = j + 1
            continue
        if ch in "×*":
            tokens.append(Token("x", ch, line, col))
            i, col = i + 1, col + 1
            continue
        if ch in PUNCT:
            tokens.append(Token(ch, ch, line, col))
            i, col = i + 1, col + 1
            continue
        raise NotationError(line, col, msg("notation_character", char=ch))
    tokens.append(Token(EOF, "", line, col))
    return tokens


@dataclass(frozen=True, slots=True)
class Call:
    """One parsed layer: its name, its arguments and where it was written.

    ``count`` is the number of layers it stands for: ``repeat`` times 1, or times the sum of
    its children's counts for a container.
    """

    name: str
    positional: tuple[Any, ...]
    keywords: tuple[tuple[str, Any, Token], ...]
    token: Token
    children: tuple[Call, ...] | None = None
    repeat: int = 1
    count: int = 1


CONTAINERS = frozenset({"sequential", "modulelist"})
"""Containers that may be printed empty."""

HEADER_WORDS = frozenset({"couche", "layer", "layers", "entree", "entrée", "input", "sortie"})
"""First words of the course table's lines that are not layers (its header and input row)."""


class Parser:
    """Recursive descent over the tokens of one text stack.

    Args:
        text: the stack as text.
        max_layers: the most layers the text may stand for, repeats expanded.
    """

    def __init__(self, text: str, max_layers: int = MAX_LAYERS) -> None:
        self.tokens = tokenize(text)
        self.pos = 0
        self.depth = 0
        self.max_layers = max_layers

    @property
    def tok(self) -> Token:
        """The current token."""
        return self.tokens[self.pos]

    def peek(self, ahead: int = 1) -> Token:
        """The token ``ahead`` positions on (the end token past the end)."""
        return self.tokens[min(self.pos + ahead, len(self.tokens) - 1)]

    def advance(self) -> Token:
        """Consume the current token and return it."""
        token = self.tok
        if token.kind != EOF:
            self.pos += 1
        return token

    def fail(self, reason: Msg, token: Token | None = None) -> NotationError:
        """A syntax error at ``token`` (the current one by default)."""
        token = token or self.tok
        return NotationError(token.line, token.column, reason)

    def enter(self, token: Token) -> None:
        """Go one bracket deeper, at ``token``.

        Raises:
            NotationError: deeper than ``MAX_DEPTH`` (``limit_exceeded``).
        """
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise NotationError(
                token.line,
                token.column,
                msg("notation_depth", depth=MAX_DEPTH),
                ErrorCode.LIMIT,
            )

    def tally(self, total: int, token: Token) -> int:
        """``total`` layers so far, checked against ``max_layers`` at ``token``.

        Raises:
            NotationError: over ``max_layers`` (``limit_exceeded``).
        """
        if total > self.max_layers:
            raise NotationError(
                token.line,
                token.column,
                msg("notation_layers", limit=self.max_layers),
                ErrorCode.LIMIT,
            )
        return total

    def expect(self, kind: str) -> Token:
        """Consume a token of ``kind`` or fail with "expected ...".

        Raises:
            NotationError: the current token is of another kind.
        """
        if self.tok.kind != kind:
            raise self.fail(msg("notation_expected", what=_show(kind), found=_describe(self.tok)))
        return self.advance()

    def skip_newlines(self) -> None:
        """Skip line breaks (inside brackets they mean nothing)."""
        while self.tok.kind == NEWLINE:
            self.advance()

    def stack(self) -> list[Call]:
        """``stack := sep* [item (sep+ item)*] sep* EOF``."""
        calls: list[Call] = []
        total = 0
        while True:
            while self.tok.kind in (NEWLINE, ",", ";"):
                self.advance()
            if self.tok.kind == EOF:
                return calls
            if self.tok.kind == NAME and _norm(self.tok.text) in HEADER_WORDS:
                self.skip_line()
                continue
            start = self.tok
            call = self.item(top=True)
            total = self.tally(total + call.count, start)
            calls.append(call)
            if self.tok.kind not in (NEWLINE, ",", ";", EOF):
                raise self.fail(msg("notation_separator", found=_describe(self.tok)))

    def skip_line(self) -> None:
        """Skip to the end of the current line."""
        while self.tok.kind not in (NEWLINE, EOF):
            self.advance()

    def item(self, *, top: bool) -> Call:
        """``item := [label ":"] [INT "x"] layer [cells]``; a count above ``max_layers`` is refused.

        Raises:
            NotationError: a syntax error, or a repeat count (alone or times the layers it
                repeats) over ``max_layers``.
        """
        if self.tok.kind == "(":
            self.label()
            self.expect(":")
        repeat = 1
        count: Token | None = None
        if (
            self.tok.kind == NUMBER
            and self.peek().kind in ("x", NAME)
            and self.peek().text
            in (
                "x",
                "X",
                "×",
                "*",
            )
        ):
            count = self.advance()
            if not isinstance(count.value, int) or count.value < 1:
                raise self.fail(msg("notation_repeat"), count)
            if count.value > self.max_layers:
                raise NotationError(
                    count.line,
                    count.column,
                    msg("notation_repeat_limit", count=_clip(count.text), limit=self.max_layers),
                    ErrorCode.LIMIT,
                )
            repeat = count.value
            self.advance()
        call = self.layer()
        if count is not None:
            call = Call(
                call.name,
                call.positional,
                call.keywords,
                call.token,
                call.children,
                repeat,
                self.tally(repeat * call.count, count),
            )
        if top and self.tok.kind == NUMBER:
            self.cells()
        return call

    def label(self) -> None:
        """``label := "(" (NAME | INT ["-" INT]) ")"``."""
        self.expect("(")
        if self.tok.kind == NAME:
            self.advance()
        elif self.tok.kind == NUMBER:
            self.advance()
            if self.tok.kind == "-":
                self.advance()
                self.expect(NUMBER)
        else:
            raise self.fail(msg("notation_label", found=_describe(self.tok)))
        self.expect(")")

    def cells(self) -> None:
        """The sizes a pasted table line puts after its layer (``20 x 28 x 28  20 x 1 x 5 x 5``)."""
        while self.tok.kind not in (NEWLINE, EOF):
            token = self.advance()
            if token.kind == NUMBER or token.kind == "x":
                continue
            if token.kind == NAME and token.text.lower() in ("x", "by"):
                continue
            if (
                token.kind == NAME
                and token.text.lower().startswith("x")
                and token.text[1:].isascii()
                and token.text[1:].isdigit()
            ):
                continue  # "28x28" reads as 28 then x28
            raise self.fail(msg("notation_cells", found=_describe(token)), token)

    def layer(self) -> Call:
        """``layer := NAME ["." NAME]* ["(" body ")"]``."""
        start = self.tok
        if start.kind != NAME:
            raise self.fail(msg("notation_layer_name", found=_describe(start)))
        parts = [self.advance().text]
        while self.tok.kind == "." and self.peek().kind == NAME:
            self.advance()
            parts.append(self.advance().text)
        name = parts[-1]
        if self.tok.kind != "(":
            return Call(name, (), (), start)
        self.enter(self.advance())
        call = self.body(name, start)
        self.depth -= 1
        return call

    def body(self, name: str, start: Token) -> Call:
        """What follows the ``(`` of a layer, up to and with its ``)``."""
        self.skip_newlines()
        if _norm(name) in CONTAINERS:
            return self.children(name, start)
        if self.tok.kind == "(" and self.is_label():
            children: list[Call] = []
            total = 0
            while self.tok.kind == "(":
                first = self.tok
                child = self.item(top=False)
                total = self.tally(total + child.count, first)
                children.append(child)
                self.skip_newlines()
            self.expect(")")
            return Call(name, (), (), start, tuple(children), count=total)
        positional: list[Any] = []
        keywords: list[tuple[str, Any, Token]] = []
        given: set[str] = set()
        while self.tok.kind != ")":
            if self.tok.kind == EOF:
                raise self.fail(msg("notation_close"))
            if self.tok.kind == NAME and self.peek().kind in ("=", ":"):
                key = self.advance()
                self.advance()
                self.skip_newlines()
                if key.text in given:
                    raise self.fail(msg("notation_twice", key=key.text), key)
                given.add(key.text)
                keywords.append((key.text, self.value(), key))
            else:
                if keywords and self.tok.kind not in (",", ")"):
                    raise self.fail(msg("notation_positional_after"))
                first = self.value()
                if self.tok.kind == ARROW:
                    self.advance()
                    self.skip_newlines()
                    positional.append(Arrow(first, self.value()))
                else:
                    positional.append(first)
            line_end = self.tok
            self.skip_newlines()
            if self.tok.kind == ",":
                line_end = self.advance()
                if self.tok.kind == NEWLINE:
                    line_end = self.tok
                self.skip_newlines()
                if self.tok.kind == ")" or not self.starts_new_layer():
                    continue
            elif self.tok.kind == ")":
                continue
            if line_end.kind == NEWLINE or self.tok.kind == EOF:
                # A layer name on the next line: the ')' of this one is missing.
                raise self.fail(msg("notation_close"), line_end)
            raise self.fail(msg("notation_comma_or", close="')'", found=_describe(self.tok)))
        self.advance()
        return Call(name, tuple(positional), tuple(keywords), start)

    def children(self, name: str, start: Token) -> Call:
        """A container's children: ``sep* [item (sep+ item)*] sep* ")"``, labelled or not."""
        children: list[Call] = []
        total = 0
        while True:
            while self.tok.kind in (NEWLINE, ",", ";"):
                self.advance()
            if self.tok.kind == ")":
                self.advance()
                return Call(name, (), (), start, tuple(children), count=total)
            if self.tok.kind == EOF:
                raise self.fail(msg("notation_close"))
            first = self.tok
            child = self.item(top=False)
            total = self.tally(total + child.count, first)
            children.append(child)
            if self.tok.kind not in (NEWLINE, ",", ";", ")"):
                raise self.fail(msg("notation_comma_or", close="')'", found=_describe(self.tok)))

    def starts_new_layer(self) -> bool:
        """Whether the next line starts a layer (a name not followed by ``=`` or ``:``)."""
        previous = self.tokens[self.pos - 1] if self.pos else None
        return (
            previous is not None
            and previous.kind == NEWLINE
            and self.tok.kind == NAME
            and self.peek().kind not in ("=", ":")
            and self.tok.text not in ("True", "False", "None")
        )

    def is_label(self) -> bool:
        """Whether the ``(`` at hand opens a child label such as ``(0):`` or ``(0-2):``."""
        a, b, c = self.peek(1), self.peek(2), self.peek(3)
        if a.kind in (NAME, NUMBER) and b.kind == ")" and c.kind == ":":
            return True
        return (
            a.kind == NUMBER
            and b.kind == "-"
            and c.kind == NUMBER
            and self.peek(4).kind == ")"
            and self.peek(5).kind == ":"
        )

    def value(self) -> Any:
        """``value := ["-"] NUMBER | STRING | NAME | tuple | list``."""
        token = self.tok
        if token.kind == "-":
            self.advance()
            number = self.expect(NUMBER)
            return -number.value
        if token.kind == NUMBER:
            self.advance()
            sizes = [token.value]
            while True:  # the course's "5x5" or "5 × 5" for one size per axis
                if self.tok.kind == "x" or (self.tok.kind == NAME and self.tok.text == "x"):
                    self.advance()
                    sizes.append(self.expect(NUMBER).value)
                elif self.tok.kind == NAME and re.fullmatch(r"x[0-9]+", self.tok.text):
                    sizes.append(int(self.advance().text[1:]))
                else:
                    break
            return sizes[0] if len(sizes) == 1 else sizes
        if token.kind == STRING:
            return self.advance().value
        if token.kind == NAME:
            self.advance()
            return {"True": True, "False": False, "None": None}.get(token.text, token.text)
        if token.kind in ("(", "["):
            close = ")" if token.kind == "(" else "]"
            self.enter(self.advance())
            self.skip_newlines()
            items: list[Any] = []
            while self.tok.kind != close:
                items.append(self.value())
                self.skip_newlines()
                if self.tok.kind == ",":
                    self.advance()
                    self.skip_newlines()
                elif self.tok.kind != close:
                    raise self.fail(
                        msg("notation_comma_or", close=_show(close), found=_describe(self.tok))
                    )
            self.advance()
            self.depth -= 1
            return items
        raise self.fail(msg("notation_value", found=_describe(token)))


@dataclass(frozen=True, slots=True)
class Arrow:
    """The course's ``2450 -> 500``: input and output sizes of a linear layer."""

    source: Any
    target: Any


def _show(kind: str) -> str | Msg:
    words = {NAME: "word_name", NUMBER: "word_number", EOF: "word_end_of_text"}
    return Msg(words[kind]) if kind in words else repr(kind)


def _describe(token: Token) -> str | Msg:
    if token.kind == EOF:
        return Msg("word_end_of_text")
    if token.kind == NEWLINE:
        return Msg("word_end_of_line")
    return repr(_clip(token.text))


def _clip(text: str, width: int = 40) -> str:
    """``text`` cut to ``width`` characters for a message (a name may be the whole text)."""
    return text if len(text) <= width else text[: width - 1] + "…"


def _norm(name: str) -> str:
    """``name`` without case, ``_`` or ``-``; a name with a look-alike letter is kept as it is.

    ``str.lower`` maps look-alikes such as the Kelvin sign (U+212A) to ASCII letters, which
    would take them for the names they imitate; accented letters (``Entrée``) lower as usual.
    """
    folded = name.lower()
    if len(folded) != len(name) or any(
        not c.isascii() and f.isascii() for c, f in zip(name, folded, strict=True)
    ):
        return name
    return folded.replace("_", "").replace("-", "")


KEY_ALIASES: Final[dict[str, tuple[str, ...]]] = {
    "cout": ("out_channels",),
    "out": ("out_channels", "out_features"),
    "filters": ("out_channels",),
    "cin": ("in_channels",),
    "in": ("in_channels", "in_features"),
    "k": ("kernel_size",),
    "kernel": ("kernel_size",),
    "s": ("stride",),
    "p": ("padding",),
    "pad": ("padding",),
    "d": ("dilation",),
}
"""The course's short field names. A kind's own field wins (``p`` of a dropout)."""


def _kind(call: Call) -> tuple[str, type[LayerSpec]]:
    """The API tag and the kind of a call's name.

    Raises:
        NotationError: the name is no known layer kind.
    """
    key = _norm(call.name)
    key = NAME_INDEX.get(key, key)
    kind = TYPE_INDEX.get(key)
    if kind is None:
        raise NotationError(
            call.token.line,
            call.token.column,
            msg("notation_unknown", name=call.name),
        )
    return key, kind


def _field_name(key: str, fields: set[str]) -> str:
    """PyTorch's name for a key: the kind's own field first, then the course's short names."""
    if key in fields:
        return key
    for candidate in KEY_ALIASES.get(_norm(key), ()):
        if candidate in fields:
            return candidate
    return key  # left for the kind's schema to accept (an alias) or reject


def to_layer(call: Call) -> dict[str, Any]:
    """A parsed call as a layer dict in the API's JSON form.

    Raises:
        NotationError: too many positional arguments, an arrow outside a linear layer, or a
            field given twice.
    """
    tag, kind = _kind(call)
    fields = set(kind.model_fields)
    layer: dict[str, Any] = {"type": tag}
    where = call.token

    def put(name: str, value: Any, token: Token) -> None:
        if name in layer:
            raise NotationError(token.line, token.column, msg("notation_twice", key=name))
        layer[name] = value

    positional = list(call.positional)
    if positional and isinstance(positional[0], Arrow):
        arrow = positional.pop(0)
        if kind.arrow is None or positional:
            raise NotationError(where.line, where.column, msg("notation_arrow_kind"))
        put(kind.arrow[0], arrow.source, where)
        put(kind.arrow[1], arrow.target, where)
    elif any(isinstance(v, Arrow) for v in positional):
        raise NotationError(where.line, where.column, msg("notation_arrow_alone"))
    elif len(positional) == 1 and kind.lone_positional is not None:
        put(kind.lone_positional, positional[0], where)
    else:
        order = kind.positional
        if len(positional) > len(order):
            raise NotationError(
                where.line,
                where.column,
                msg(
                    "notation_positional_count",
                    name=call.name,
                    most=len(order),
                    given=len(positional),
                ),
            )
        for name, value in zip(order, positional, strict=False):
            put(name, value, where)
    for key, value, token in call.keywords:
        put(_field_name(key, fields), value, token)
    refusal = kind.read_notation(layer, call.name)
    if refusal is not None:
        raise NotationError(where.line, where.column, refusal)
    return layer


def _flatten(calls: list[Call] | tuple[Call, ...]) -> list[Call]:
    """The calls with containers opened and repeats written out (their count is checked)."""
    out: list[Call] = []
    for call in calls:
        body = _flatten(call.children) if call.children is not None else [call]
        out.extend(body * call.repeat)
    return out


def parse_stack(text: str, *, max_layers: int = MAX_LAYERS) -> list[dict[str, Any]]:
    """Layer dicts in the API's JSON form from the course's notation or a PyTorch printout.

    Args:
        text: one layer per line or comma-separated (``Conv (Cout=20, K=5, P=2, S=1)``,
            ``ReLU``, ``Linear (2450 -> 500)``), rows of the course's table, or the output
            of ``print(model)`` for an ``nn.Sequential`` (nested containers are flattened).
        max_layers: the most layers the text may stand for, repeats expanded; the text is
            refused while it is parsed as soon as it passes this, before any layer is built.

    Returns:
        One dict per layer, none for a text with no layer (as for an empty list): ``type``
        is PyTorch's lower-case name (or the short form
        ``conv``/``maxpool`` when the text gives no dimension), fields carry PyTorch's names,
        and a given ``in_channels``/``in_features`` is kept so that it is checked.

    Raises:
        NotationError: a syntax error or an unknown layer, with its line and column; with
            the code ``limit_exceeded``, a text over ``max_layers`` or nested deeper than
            ``MAX_DEPTH``.
    """
    return [to_layer(call) for call in _flatten(Parser(text, max_layers).stack())]


__all__ = ["MAX_DEPTH", "MAX_LAYERS", "NotationError", "parse_stack", "tokenize"]
