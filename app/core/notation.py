"""Layer stacks written as text: the course's notation and PyTorch's printed ``nn.Sequential``.

Both notations are read by one small grammar, parsed by recursive descent (never ``eval``)::

    stack    := sep* [item (sep+ item)*] sep* EOF          sep := NEWLINE | "," | ";"
    item     := [label ":"] [id ":"] [INT "x"] (layer | "(" children ")") ["<-" refs] [cells]
    label    := "(" (NAME | INT ["-" INT]) ")"             PyTorch's child names: (0), (features)
    id       := NAME | STRING                               the entry's output: ``stem: Conv(8)``
    refs     := ref | "(" ref ("," ref)* [","] ")"          ref := NAME ("." NAME)* | STRING | INT
    layer    := NAME ["." NAME]* ["(" body ")"]
              | ("Residual" | "Parallel") "(" lists ")"
    lists    := children ("|" children)*                    main path | shortcut; branches
    body     := children                                    for Sequential and ModuleList
              | item* when it starts with a label (another module printed by PyTorch)
              | arg ("," arg)* [","]
    children := sep* [(item | NAME "=" value) (sep+ …)*] sep*   keywords: repeat, merge, dim
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

Graphs (``docs/notation.md``): ``name:`` gives an entry's ``id``, ``<- a`` or ``<- (a, b)``
its ``inputs``, a merge's bare names are its inputs (``Add(x, shortcut)``), and the blocks
are ``Residual(main | shortcut)``, ``Parallel(branch | branch, merge=add)`` and
``n x Sequential(...)`` or ``Sequential(..., repeat=n)``. A group with nothing wired in it
(no id, inputs, block or ``repeat=``) is opened into its surroundings, so a chain stays a
chain; otherwise it is a ``sequential`` block. ``to_text`` writes entries back this way.

The work is bounded by the text's length, whatever the text: every step is linear, and

- a repeat ``n x item`` (or ``repeat=n``) stands for ``n`` times the layers of ``item``
  (a block's merge counted), so nested repeats multiply
  (``3 x Sequential(4 x Sequential(ReLU, ReLU))`` is 24 layers). The count of layers is
  kept while parsing, and the text is refused (``limit_exceeded``) as soon as it passes
  ``max_layers``, or a repeat count alone does, before any layer is built;
- brackets, parentheses and containers nest at most ``MAX_DEPTH`` (32) deep, which bounds
  the parser's recursion.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import cache
from typing import Any, Final

from pydantic import ValidationError

from app.core.analysis import DEFAULT_LIMITS
from app.core.errors import CnnCalcError, ErrorCode
from app.core.layers import TYPE_INDEX, LayerSpec
from app.core.layers.base import COURSE_KEYS, NAME_INDEX, NOT_WRITTEN, course_value
from app.core.layers.blocks import BlockSpec, Parallel, Residual, Sequential
from app.core.layers.names import edit_distance
from app.core.messages import Msg, OneOf, msg

MAX_DEPTH: Final = 32
"""Brackets, parentheses and containers nested deeper than this are refused."""

MAX_LAYERS: Final = DEFAULT_LIMITS.max_layers
"""The default bound on the layers a text stands for, ``Limits().max_layers`` (2048)."""

SYNTAX: Final = "notation_syntax"
"""The code of a syntax error; a bound exceeded is ``ErrorCode.LIMIT``."""
UNKNOWN_LAYER: Final = "notation_unknown_layer"
"""The code of a name that is no layer kind (the message offers the nearest names)."""
UNKNOWN_FIELD: Final = "notation_unknown_field"
"""The code of a keyword that is no field of its layer (the message offers the nearest)."""


class NotationError(CnnCalcError):
    """An error in a text stack, with its 1-based line and column.

    The message reads ``line 3, column 12: expected ')'``; ``loc`` places it in a request:
    ``("layers",)`` for the text, or, for a field a layer does not take, the place of that
    layer and field among the layers read (``("layers", 2, "layers", 0, "kernal_size")``),
    as for a list of layers. ``code`` is ``notation_syntax``, ``notation_unknown_layer``,
    ``notation_unknown_field``, or ``limit_exceeded`` for a text that stands for too many
    layers or nests too deep.
    """

    def __init__(
        self,
        line: int,
        column: int,
        reason: Msg,
        code: str = SYNTAX,
        loc: tuple[str | int, ...] = ("layers",),
    ) -> None:
        whole = msg("notation_error", line=line, column=column, reason=reason)
        super().__init__(whole)
        self.line = line
        self.column = column
        self.reason_msg = reason
        self.reason = str(reason)
        self.loc = loc
        self.code = code
        self.place: tuple[str | int, ...] | None = None
        """While the entries are built: the place of a refused field below the current
        list, its first item an index in that list; ``None`` for an error of the text."""

    def __reduce__(self) -> tuple[Any, ...]:
        return (NotationError, (self.line, self.column, self.reason_msg, self.code, self.loc))


# Token kinds.
NAME: Final = "name"
NUMBER: Final = "number"
STRING: Final = "string"
NEWLINE: Final = "newline"
ARROW: Final = "->"
EOF: Final = "end of text"
INPUTS: Final = "<-"
PUNCT = frozenset("()[],;:=-.|")
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
        if (ch == "<" and text.startswith("<-", i)) or ch == "←":
            width = 1 if ch == "←" else 2
            tokens.append(Token(INPUTS, "<-", line, col))
            i, col = i + width, col + width
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
    """One parsed entry: its name, its arguments, its wiring and where it was written.

    ``count`` is the number of layers it stands for: ``repeat`` times 1, or times the sum of
    its children's counts for a group (one more for a block's merge). ``children`` are a
    group's entries (``Sequential(...)``, ``n x (...)``, a module printed by PyTorch);
    ``branches`` a ``Residual``'s main path and shortcut or a ``Parallel``'s branches, and
    ``options`` their keywords (``merge=add``). ``ident`` is the token of ``name:``,
    ``inputs`` the tokens after ``<-``; ``wired`` says whether the entry or anything in it
    has an id, inputs or a block, so that a group of it stays a ``sequential`` block.
    """

    name: str
    positional: tuple[Any, ...]
    keywords: tuple[tuple[str, Any, Token], ...]
    token: Token
    children: tuple[Call, ...] | None = None
    repeat: int = 1
    count: int = 1
    branches: tuple[tuple[Call, ...], ...] | None = None
    ident: Token | None = None
    inputs: tuple[Token, ...] | None = None
    wired: bool = False


CONTAINERS = frozenset({"sequential", "modulelist"})
"""Containers that may be printed empty."""

BLOCK_OPTIONS: Final[dict[str, tuple[str, ...]]] = {"residual": (), "parallel": ("merge", "dim")}
"""The blocks written with ``|`` between their lists, and the keywords each takes."""

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
        """``item := [label ":"] [id ":"] [INT "x"] (layer | group) ["<-" refs] [cells]``.

        ``id := NAME | STRING`` names the entry's output; ``group := "(" children ")"``
        (after a count only) is a ``Sequential``. A count above ``max_layers`` is refused.

        Raises:
            NotationError: a syntax error, or a repeat count (alone or times the layers it
                repeats) over ``max_layers``.
        """
        if self.tok.kind == "(":
            self.label()
            self.expect(":")
        ident: Token | None = None
        if self.tok.kind in (NAME, STRING) and self.peek().kind == ":":
            ident = self.advance()
            self.advance()
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
            count = self.count(self.advance())
            repeat = count.value
            self.advance()
        if count is not None and self.tok.kind == "(":
            start = self.tok
            self.enter(self.advance())
            call = self.children("Sequential", start)
            self.depth -= 1
        else:
            call = self.layer()
        inputs = self.refs() if self.tok.kind == INPUTS else None
        if count is not None and call.repeat > 1:
            raise self.fail(msg("notation_twice", key="repeat"), count)
        if count is not None or ident is not None or inputs is not None:
            call = replace(
                call,
                repeat=call.repeat if count is None else repeat,
                count=call.count if count is None else self.tally(repeat * call.count, count),
                ident=ident,
                inputs=inputs,
                wired=call.wired or ident is not None or inputs is not None,
            )
        if top and self.tok.kind == NUMBER:
            self.cells()
        return call

    def refs(self) -> tuple[Token, ...]:
        """``refs := "<-" (ref | "(" ref ("," ref)* [","] ")")``.

        ``ref := NAME ("." NAME)* | STRING | INT``. A reference with digits between its dots
        (``layer1.0.conv1``) is written quoted.
        """
        self.advance()
        if self.tok.kind != "(":
            return (self.ref(),)
        self.enter(self.advance())
        refs: list[Token] = []
        while True:
            self.skip_newlines()
            if self.tok.kind == ")" and refs:
                break
            refs.append(self.ref())
            self.skip_newlines()
            if self.tok.kind == ",":
                self.advance()
            elif self.tok.kind != ")":
                raise self.fail(msg("notation_comma_or", close="')'", found=_describe(self.tok)))
        self.advance()
        self.depth -= 1
        return tuple(refs)

    def ref(self) -> Token:
        """One reference to an output, as a token whose ``value`` is the id it names."""
        token = self.tok
        if token.kind == STRING or (token.kind == NUMBER and isinstance(token.value, int)):
            self.advance()
            return Token(STRING, token.text, token.line, token.column, str(token.value))
        if token.kind != NAME:
            raise self.fail(msg("notation_reference", found=_describe(token)))
        parts = [self.advance().text]
        while self.tok.kind == "." and self.peek().kind == NAME:
            self.advance()
            parts.append(self.advance().text)
        return Token(STRING, token.text, token.line, token.column, ".".join(parts))

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
        block = _norm(name) if len(parts) == 1 else ""
        if block in BLOCK_OPTIONS and self.tok.kind != "(":
            raise self.fail(msg("notation_expected", what="'('", found=_describe(self.tok)))
        if self.tok.kind != "(":
            return Call(name, (), (), start)
        self.enter(self.advance())
        call = self.block(block, start) if block in BLOCK_OPTIONS else self.body(name, start)
        self.depth -= 1
        return call

    def block(self, kind: str, start: Token) -> Call:
        """A ``Residual(main | shortcut)`` or ``Parallel(branch | branch | …, merge=add)``.

        ``lists := entries ("|" entries)*`` where ``entries`` are items as in a stack and a
        ``NAME "="`` at the block's level is one of its keywords; a ``Residual`` has at most
        one ``|`` (no ``|``: the identity shortcut).
        """
        lists: list[list[Call]] = [[]]
        options: list[tuple[str, Any, Token]] = []
        given: set[str] = set()
        total = 0
        while True:
            while self.tok.kind in (NEWLINE, ",", ";"):
                self.advance()
            if self.tok.kind == ")":
                self.advance()
                break
            if self.tok.kind == EOF:
                raise self.fail(msg("notation_close"))
            if self.tok.kind == "|":
                if kind == "residual" and len(lists) == 2:
                    raise self.fail(msg("notation_shortcut_twice"))
                lists.append([])
                self.advance()
                continue
            if self.tok.kind == NAME and self.peek().kind == "=":
                key = self.advance()
                self.advance()
                self.skip_newlines()
                if key.text in given:
                    raise self.fail(msg("notation_twice", key=key.text), key)
                given.add(key.text)
                options.append((key.text, self.value(), key))
            else:
                first = self.tok
                child = self.item(top=False)
                total = self.tally(total + child.count, first)
                lists[-1].append(child)
            if self.tok.kind not in (NEWLINE, ",", ";", ")", "|"):
                raise self.fail(msg("notation_comma_or", close="')'", found=_describe(self.tok)))
        total = self.tally(total + 1, start)  # the block's own merge
        branches = tuple(tuple(entries) for entries in lists)
        return Call(kind, (), tuple(options), start, branches=branches, count=total, wired=True)

    def body(self, name: str, start: Token) -> Call:
        """What follows the ``(`` of a layer, up to and with its ``)``."""
        self.skip_newlines()
        if _norm(name) in CONTAINERS:
            return self.children(name, start)
        if self.tok.kind == "(" and self.is_label():
            children: list[Call] = []
            total = 0
            wired = False
            while self.tok.kind == "(":
                first = self.tok
                child = self.item(top=False)
                total = self.tally(total + child.count, first)
                children.append(child)
                wired = wired or child.wired
                self.skip_newlines()
            self.expect(")")
            return Call(name, (), (), start, tuple(children), count=total, wired=wired)
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
        """A container's children: ``sep* [item (sep+ item)*] sep* ")"``, labelled or not.

        ``repeat=n`` among them (``Sequential(..., repeat=2)``) repeats them as ``n x`` does,
        and keeps them a ``sequential`` block even when nothing in them is wired.
        """
        children: list[Call] = []
        total = 0
        wired = False
        repeat: Token | None = None
        while True:
            while self.tok.kind in (NEWLINE, ",", ";"):
                self.advance()
            if self.tok.kind == ")":
                self.advance()
                if repeat is None:
                    return Call(name, (), (), start, tuple(children), count=total, wired=wired)
                total = self.tally(repeat.value * total, repeat)
                keywords = (("repeat", repeat.value, repeat),)
                return Call(
                    name, (), keywords, start, tuple(children), repeat.value, total, wired=True
                )
            if self.tok.kind == EOF:
                raise self.fail(msg("notation_close"))
            if self.tok.kind == NAME and self.peek().kind == "=":
                key = self.advance()
                if key.text != "repeat":
                    raise unknown_field(name, key.text, key, {"repeat": "repeat"}, ("repeat",))
                if repeat is not None:
                    raise self.fail(msg("notation_twice", key=key.text), key)
                self.advance()
                repeat = self.count(self.expect(NUMBER))
            else:
                first = self.tok
                child = self.item(top=False)
                total = self.tally(total + child.count, first)
                children.append(child)
                wired = wired or child.wired
            if self.tok.kind not in (NEWLINE, ",", ";", ")"):
                raise self.fail(msg("notation_comma_or", close="')'", found=_describe(self.tok)))

    def count(self, token: Token) -> Token:
        """``token``, a repeat count: a whole number from 1 to ``max_layers``.

        Raises:
            NotationError: not a whole number of at least 1, or over ``max_layers``
                (``limit_exceeded``).
        """
        if not isinstance(token.value, int) or token.value < 1:
            raise self.fail(msg("notation_repeat"), token)
        if token.value > self.max_layers:
            raise NotationError(
                token.line,
                token.column,
                msg("notation_repeat_limit", count=_clip(token.text), limit=self.max_layers),
                ErrorCode.LIMIT,
            )
        return token

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


COURSE_SPELLING: Final[dict[str, str]] = {
    "cout": "Cout",
    "cin": "Cin",
    "k": "K",
    "s": "S",
    "p": "P",
    "d": "D",
}
"""How the course writes its short field names, for a did-you-mean."""

MAX_SUGGESTIONS: Final = 3
"""The most names a did-you-mean offers."""

COMMON_LAYERS: Final = (
    "conv",
    "linear",
    "maxpool",
    "avgpool",
    "batchnorm",
    "relu",
    "flatten",
    "dropout",
    "add",
    "concat",
)
"""Tags whose names an unknown layer's message lists when no known name is near."""

BLOCK_NAMES: Final[dict[str, str]] = {
    "sequential": "Sequential",
    "residual": "Residual",
    "parallel": "Parallel",
}
"""The blocks, as the notation writes them."""


MAX_NAME: Final = 40
"""A name longer than this gets no did-you-mean (the distance is computed on short names)."""


def nearest(word: str, candidates: dict[str, str]) -> list[str]:
    """The spellings of the candidates nearest to ``word``, at most three, alphabetical.

    ``candidates`` maps a name compared without case or underscores (``kernelsize``) to the
    spelling shown (``kernel_size``). A candidate is near when its edit distance is at most
    a third of the word's length (at least 1); of those, the ones at the least distance are
    offered (``Conv2dd``: ``Conv2d``, not ``Conv1d``).
    """
    key = _norm(word)
    if not key or len(key) > MAX_NAME:
        return []
    most = max(1, len(key) // 3)
    scored: dict[str, int] = {}
    for name, shown in candidates.items():
        d = edit_distance(key, name, most)
        if d <= most and d < scored.get(shown, most + 1):
            scored[shown] = d
    best = min(scored.values(), default=0)
    return sorted(shown for shown, d in scored.items() if d == best)[:MAX_SUGGESTIONS]


@cache
def _layer_names() -> dict[str, str]:
    """Every name a layer may be written with (tags, other spellings, blocks) -> its spelling."""
    names = {tag: kind.tag_name(tag) for tag, kind in TYPE_INDEX.items()}
    names.update({name: TYPE_INDEX[tag].tag_name(tag) for name, tag in NAME_INDEX.items()})
    names.update(BLOCK_NAMES)
    return names


def unknown_layer(call: Call) -> NotationError:
    """The error for a name that is no layer: the nearest names, or a few common ones."""
    near = nearest(call.name, _layer_names())
    if near:
        reason = msg("notation_unknown", name=_clip(call.name), names=OneOf(tuple(near)))
    else:
        common = ", ".join(TYPE_INDEX[tag].tag_name(tag) for tag in COMMON_LAYERS)
        reason = msg("notation_unknown_some", name=_clip(call.name), names=common)
    return NotationError(call.token.line, call.token.column, reason, UNKNOWN_LAYER)


def _kind(call: Call) -> tuple[str, type[LayerSpec]]:
    """The API tag and the kind of a call's name.

    Raises:
        NotationError: the name is no known layer kind (with the nearest names).
    """
    key = _norm(call.name)
    key = NAME_INDEX.get(key, key)
    kind = TYPE_INDEX.get(key)
    if kind is None:
        raise unknown_layer(call)
    return key, kind


@cache
def _spellings(kind: type[LayerSpec]) -> dict[str, str]:
    """A kind's field names, compared without case or underscores -> PyTorch's spelling.

    Its fields and their aliases (``C_out``) map to the field; ``id`` and ``inputs`` too.
    """
    out: dict[str, str] = {}
    for name, info in kind.model_fields.items():
        if name == "type":
            continue
        out[_norm(name)] = name
        choices = getattr(info.validation_alias, "choices", ())
        for choice in choices:
            if isinstance(choice, str):
                out.setdefault(_norm(choice), name)
    return out


def _field_name(key: str, kind: type[LayerSpec]) -> str:
    """PyTorch's name for a key: the kind's own field (any case), then the course's short names."""
    fields = kind.model_fields
    if key in fields:
        return key
    folded = _norm(key)
    own = _spellings(kind).get(folded)
    if own is not None:
        return own
    for candidate in KEY_ALIASES.get(folded, ()):
        if candidate in fields:
            return candidate
    return key  # left for the kind's schema to accept or reject (see ``_check_fields``)


@cache
def _field_candidates(kind: type[LayerSpec]) -> dict[str, str]:
    """Every name a did-you-mean may offer for a field of ``kind``: PyTorch's, the course's."""
    names = dict(_spellings(kind))
    for short, fields in KEY_ALIASES.items():
        field = next((f for f in fields if f in kind.model_fields), None)
        if field is not None and short not in names:
            names[short] = COURSE_SPELLING.get(short, short)
    return names


def unknown_field(
    name: str, key: str, token: Token, candidates: dict[str, str], fields: Sequence[str]
) -> NotationError:
    """The error for a key that is no field of layer ``name``: the nearest names, or its fields.

    ``candidates`` are every spelling the layer takes (see ``nearest``), ``fields`` its
    fields as PyTorch names them, listed when no candidate is near.
    """
    near = nearest(key, candidates)
    if near:
        reason = msg("notation_unknown_field", layer=name, key=_clip(key), names=OneOf(tuple(near)))
    else:
        listed = ", ".join(fields)
        reason = msg("notation_unknown_field_some", layer=name, key=_clip(key), names=listed)
    error = NotationError(token.line, token.column, reason, UNKNOWN_FIELD)
    error.place = (key,)
    return error


def _check_fields(
    call: Call, kind: type[LayerSpec], layer: dict[str, Any], tokens: dict[str, Token]
) -> None:
    """Refuse a key that ``kind`` does not take, naming the nearest fields.

    A key outside the kind's fields and aliases is put to the kind's schema, which has the
    last word (a key it accepts in another way stays).

    Raises:
        NotationError: a key the kind's schema forbids (``notation_unknown_field``).
    """
    known = kind.model_fields
    strange = [key for key in layer if key not in known]
    if not strange:
        return
    try:
        kind.model_validate(layer)
    except ValidationError as error:
        forbidden = {
            e["loc"][0] for e in error.errors() if e["type"] == "extra_forbidden" and e["loc"]
        }
    else:
        return
    for key in strange:
        if key in forbidden:
            fields = [f for f in kind.model_fields if f not in NOT_WRITTEN]
            token = tokens.get(key, call.token)
            raise unknown_field(call.name, key, token, _field_candidates(kind), fields)


def to_layer(call: Call) -> dict[str, Any]:
    """A parsed call as a layer dict in the API's JSON form, with its ``id`` and ``inputs``.

    A merge's bare names are its inputs (``Add(x, shortcut)``); its numbers are its
    positional arguments (``Concat(a, b, 2)`` is ``dim`` 2).

    Raises:
        NotationError: an unknown layer or field (with the nearest names), too many
            positional arguments, an arrow outside a linear layer, or a field given twice.
    """
    tag, kind = _kind(call)
    layer: dict[str, Any] = {"type": tag}
    tokens: dict[str, Token] = {}
    where = call.token

    def put(name: str, value: Any, token: Token) -> None:
        if name in layer:
            raise NotationError(token.line, token.column, msg("notation_twice", key=name))
        layer[name] = value
        tokens[name] = token

    if call.ident is not None:
        put("id", call.ident.value, call.ident)
    positional = list(call.positional)
    refs = [call.inputs] if call.inputs is not None else []
    if kind.merges and any(isinstance(v, str) for v in positional):
        names = [v for v in positional if isinstance(v, str)]
        positional = [v for v in positional if not isinstance(v, str)]
        refs.append(tuple(Token(STRING, n, where.line, where.column, n) for n in names))
    for given in refs:
        put("inputs", [ref.value for ref in given], given[0] if given else where)
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
        put(_field_name(key, kind), value, token)
    refusal = kind.read_notation(layer, call.name)
    if refusal is not None:
        raise NotationError(where.line, where.column, refusal)
    _check_fields(call, kind, layer, tokens)
    return layer


def _wiring(call: Call) -> dict[str, Any]:
    """The ``id`` and ``inputs`` written on an entry (``name:`` and ``<- refs``)."""
    out: dict[str, Any] = {}
    if call.ident is not None:
        out["id"] = call.ident.value
    if call.inputs is not None:
        out["inputs"] = [ref.value for ref in call.inputs]
    return out


def _block(call: Call) -> dict[str, Any]:
    """A ``Residual`` or ``Parallel`` call as a block dict, without its wiring.

    Raises:
        NotationError: a keyword the block does not take (with the nearest ones).
    """
    assert call.branches is not None
    allowed = BLOCK_OPTIONS[call.name]
    out: dict[str, Any] = {"type": call.name}
    for key, value, token in call.keywords:
        if not allowed:
            reason = msg("notation_no_keyword", layer=BLOCK_NAMES[call.name], key=_clip(key))
            error = NotationError(token.line, token.column, reason, UNKNOWN_FIELD)
            error.place = (key,)
            raise error
        if key not in allowed:
            options = {_norm(o): o for o in allowed}
            raise unknown_field(BLOCK_NAMES[call.name], key, token, options, allowed)
        out[key] = value
    lists: list[list[dict[str, Any]]] = []
    for b, entries in enumerate(call.branches):
        where: tuple[str | int, ...] = (
            ("branches", b) if call.name == "parallel" else ("layers",) if not b else ("shortcut",)
        )
        with _below(*where):
            lists.append(_entries(entries))
    if call.name == "residual":
        out["layers"] = lists[0]
        if len(lists) > 1:
            out["shortcut"] = lists[1]
    else:
        out["branches"] = lists
    return out


@contextmanager
def _below(*where: str | int) -> Iterator[None]:
    """Put ``where`` before the place of a refused field raised inside."""
    try:
        yield
    except NotationError as error:
        if error.place is not None:
            error.place = (*where, *error.place)
        raise


def _entry(call: Call) -> list[dict[str, Any]]:
    """The entries one call stands for.

    A group (``Sequential(...)``, ``n x (...)``, a printed module) with nothing wired in it
    is opened into its surroundings, its copies written out (a chain stays a chain); a group
    with an id, inputs, a block or ``repeat=`` in it, and any repeated entry with an id or
    inputs, stays a ``sequential`` block with its ``repeat``, so that every copy keeps its
    own ids.
    """
    wiring = _wiring(call)
    if call.branches is not None:
        if call.repeat == 1:
            with _below(0):
                return [{**_block(call), **wiring}]
        with _below(0, "layers", 0):
            one = _block(call)
        return [{"type": "sequential", "layers": [one], "repeat": call.repeat, **wiring}]
    if call.children is not None:
        if call.wired:
            with _below(0, "layers"):
                body = _entries(call.children)
            return [{"type": "sequential", "layers": body, "repeat": call.repeat, **wiring}]
        return _entries(call.children) * call.repeat
    if call.repeat == 1:
        with _below(0):
            return [to_layer(call)]
    if wiring:
        with _below(0, "layers", 0):
            layer = to_layer(replace(call, ident=None, inputs=None))
        return [{"type": "sequential", "layers": [layer], "repeat": call.repeat, **wiring}]
    with _below(0):
        layer = to_layer(call)
    return [dict(layer) for _ in range(call.repeat)]


def _entries(calls: Sequence[Call]) -> list[dict[str, Any]]:
    """The entries of a list of calls, in order.

    Raises:
        NotationError: as ``_entry``; a refused field's place counted in this list.
    """
    out: list[dict[str, Any]] = []
    for call in calls:
        try:
            out.extend(_entry(call))
        except NotationError as error:
            if error.place is not None and isinstance(error.place[0], int):
                error.place = (error.place[0] + len(out), *error.place[1:])
            raise
    return out


def parse_stack(text: str, *, max_layers: int = MAX_LAYERS) -> list[dict[str, Any]]:
    """Layer dicts in the API's JSON form from the course's notation or a PyTorch printout.

    Args:
        text: one layer per line or comma-separated (``Conv (Cout=20, K=5, P=2, S=1)``,
            ``ReLU``, ``Linear (2450 -> 500)``), rows of the course's table, the output
            of ``print(model)`` for an ``nn.Sequential`` (nested containers are flattened),
            or a graph: ``name: layer``, ``layer <- name``, ``Add(a, b)``, and the blocks
            ``Residual(main | shortcut)``, ``Parallel(a | b, merge=add)``,
            ``n x Sequential(...)``.
        max_layers: the most layers the text may stand for, repeats expanded; the text is
            refused while it is parsed as soon as it passes this, before any layer is built.

    Returns:
        One dict per entry, none for a text with no layer (as for an empty list): ``type``
        is PyTorch's lower-case name (or the short form
        ``conv``/``maxpool`` when the text gives no dimension), fields carry PyTorch's names,
        and a given ``in_channels``/``in_features`` is kept so that it is checked; blocks
        are dicts holding their entries.

    Raises:
        NotationError: a syntax error or an unknown layer or field, with its line and
            column; with the code ``limit_exceeded``, a text over ``max_layers`` or nested
            deeper than ``MAX_DEPTH``.
    """
    calls = Parser(text, max_layers).stack()
    try:
        return _entries(calls)
    except NotationError as error:
        if error.place is not None:
            error.loc = ("layers", *error.place)
        raise


WIDTH: Final = 88
"""A block is written on one line up to this width; wider, one list (or entry) a line."""

PLAIN_NAME: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
"""An id or reference written without quotes; any other (``layer1.0.conv1``) is quoted."""


def _name_text(ref: str) -> str:
    """An id or a reference as written: bare when it is a plain name that reads back as one."""
    if (
        PLAIN_NAME.fullmatch(ref)
        and ref not in ("True", "False", "None")
        and _norm(ref) not in HEADER_WORDS
    ):
        return ref
    return repr(ref)


def _refs_text(refs: Sequence[str]) -> str:
    """``<- a`` or ``<- (a, b)``."""
    names = [_name_text(r) for r in refs]
    return names[0] if len(names) == 1 else f"({', '.join(names)})"


def layer_text(spec: LayerSpec) -> str:
    """One primitive layer in the notation, without its id: ``Conv(64, K=3, P=1)``.

    The name is the tag's (``Conv2d`` for ``conv2d``, ``Conv`` for ``conv``); the lone
    number of ``Conv(64)`` or the arrow of ``Linear(2450 -> 500)`` first, the course's
    short names ``Cout K P S D`` next, then the other fields; fields equal to their
    default are left out. A merge writes its inputs as its arguments (``Add(a, b)``), any
    other layer after ``<-``.
    """
    kind = type(spec)
    values = spec.model_dump(mode="json", exclude=NOT_WRITTEN, exclude_defaults=True)
    args: list[str] = []
    if kind.merges and spec.inputs is not None:
        args += [_name_text(ref) for ref in spec.inputs]
    arrow, lone = kind.arrow, kind.lone_positional
    if arrow is not None and arrow[0] in values and arrow[1] in values:
        source, target = values.pop(arrow[0]), values.pop(arrow[1])
        args.append(f"{course_value(source)} -> {course_value(target)}")
    elif lone is not None and isinstance(values.get(lone), int):
        args.append(course_value(values.pop(lone)))
    for key, short in COURSE_KEYS.items():
        if key in values:
            args.append(f"{short}={course_value(values.pop(key))}")
    args += [f"{key}={course_value(value)}" for key, value in values.items()]
    text = f"{kind.tag_name(spec.kind)}({', '.join(args)})" if args else kind.tag_name(spec.kind)
    if not kind.merges and spec.inputs is not None:
        text += f" <- {_refs_text(spec.inputs)}"
    return text


def _wired(entries: Sequence[LayerSpec]) -> bool:
    """Whether any of ``entries`` has an id or inputs or is a block (as ``Call.wired``)."""
    return any(
        e.id is not None or e.inputs is not None or isinstance(e, BlockSpec) for e in entries
    )


def entry_text(spec: LayerSpec, indent: str = "") -> str:
    """One entry (a layer or a block) in the notation; its lines after the first at ``indent``.

    ``name: `` before it for an id; a block is ``Residual(main | shortcut)``,
    ``Parallel(b1 | b2, merge=add)`` or ``n x Sequential(...)`` (``n x Residual(...)`` for
    a repeated block alone), on one line when it fits in ``WIDTH`` and holds no block;
    otherwise its entries go two spaces in, as many a line as fit, each list after the
    first starting with ``|``, and the ``)`` on a line of its own.
    """
    head = f"{_name_text(spec.id)}: " if spec.id is not None else ""
    tail = f" <- {_refs_text(spec.inputs)}" if spec.inputs is not None else ""
    lists: list[Sequence[LayerSpec]]
    options: list[str] = []
    if isinstance(spec, Sequential) and not (spec.id or spec.inputs or _wired(spec.layers)):
        # Nothing would keep it a block when read back: ``repeat=`` does.
        options.append(f"repeat={spec.repeat}")
        name, lists = "Sequential", [spec.layers]
    elif isinstance(spec, Sequential):
        head += f"{spec.repeat} x " if spec.repeat > 1 else ""
        only = spec.layers[0] if len(spec.layers) == 1 else None
        if (
            spec.repeat > 1
            and isinstance(only, Residual | Parallel)
            and only.id is None
            and only.inputs is None
        ):
            return head + entry_text(only, indent) + tail
        name, lists = "Sequential", [spec.layers]
    elif isinstance(spec, Residual):
        name, lists = "Residual", [spec.layers, *([spec.shortcut] if spec.shortcut else [])]
    elif isinstance(spec, Parallel):
        name, lists = "Parallel", list(spec.branches)
        options += [f"merge={spec.merge}"] if spec.merge != "concat" else []
        options += [f"dim={spec.dim}"] if spec.dim != 1 else []
    else:
        return head + layer_text(spec)
    inner = indent + "  "
    texts = [[entry_text(entry, inner) for entry in entries] for entries in lists]
    one = " | ".join(", ".join(entries) for entries in texts)
    one = ", ".join([one, *options]) if options else one
    if "\n" not in one and len(indent) + len(head) + len(name) + len(one) + len(tail) + 2 <= WIDTH:
        return f"{head}{name}({one}){tail}"
    lines = [f"{head}{name}("]
    for b, entries in enumerate(texts):
        line = inner + ("| " if b else "")
        fresh = True
        for text in entries:
            if not fresh and ("\n" in text or len(line) + 2 + len(text) > WIDTH):
                lines.append(line)
                line, fresh = inner + ("  " if b else ""), True
            line += text if fresh else f", {text}"
            fresh = False
            if "\n" in text:
                lines.append(line)
                line, fresh = inner + ("  " if b else ""), True
        if not fresh or b:
            lines.append(line.rstrip())
    if options:
        lines.append(inner + ", ".join(options))
    lines.append(f"{indent}){tail}")
    return "\n".join(lines)


def to_text(entries: Sequence[LayerSpec]) -> str:
    """A network in the notation, one top-level entry a line; ``parse_stack`` reads it back.

    Whatever ``/v1/analyze`` returns as ``layers_as_understood`` is written this way and,
    sent back as text, gives the same analysis: the same layers, shapes and numbers, and
    the same names wherever a block or an id is written (a ``sequential`` of plain layers
    with no id is read back opened into its surroundings, its layers then named by position).
    """
    return "\n".join(entry_text(entry) for entry in entries)


__all__ = [
    "MAX_DEPTH",
    "MAX_LAYERS",
    "NotationError",
    "entry_text",
    "layer_text",
    "nearest",
    "parse_stack",
    "to_text",
    "tokenize",
]
