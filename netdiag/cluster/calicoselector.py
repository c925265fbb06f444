"""Calico selector expressions (``app == 'web' && has(tier)``): one grammar, one parser.

The language is the one ``projectcalico.org/v3`` policies use in ``selector``,
``namespaceSelector``, ``serviceAccountSelector`` and rule ``selector`` /
``notSelector`` fields (docs.tigera.io, "NetworkPolicy" reference, section
"Selectors"; upstream ``libcalico-go/lib/selector/tokenizer`` and ``parser``)::

    expr      := and ( "||" and )*
    and       := unary ( "&&" unary )*
    unary     := "!"* operation
    operation := "all()" | "global()" | "has(" LABEL ")" | "(" expr ")"
               | LABEL ( "==" | "!=" | "contains" | "starts with" | "ends with" ) STRING
               | LABEL ( "in" | "not in" ) "{" [ STRING ( "," STRING )* [","] ] "}"
    LABEL     := [a-zA-Z0-9_./-]{1,512}
    STRING    := '…' | "…"          (no escapes)

``||`` binds loosest, then ``&&``, then ``!``. The empty expression selects
everything, like ``all()``. ``!=`` and ``not in`` are true when the label is
absent (upstream ``LabelNeValueNode`` / ``LabelNotInSetNode``), every other
comparison is false then. ``global()`` matches every labelled object here; its
meaning (non-namespaced endpoints only) belongs to the ``namespaceSelector``
field that uses it and is applied by the policy evaluator.

Pure: no I/O. Errors carry a 1-based column.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass

#: Longest selector text accepted (characters); far beyond any hand-written one.
MAX_SELECTOR_LENGTH = 16384
#: Deepest nesting of parentheses accepted.
MAX_SELECTOR_DEPTH = 64
_LABEL_MAX = 512
_LABEL_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./-")
_WHITESPACE = " \t"


class CalicoSelectorError(ValueError):
    """A selector that does not parse; ``column`` is 1-based."""

    def __init__(self, message: str, column: int) -> None:
        super().__init__(f"column {column}: {message}")
        self.message = message
        self.column = column


# -- the syntax tree -----------------------------------------------------------
@dataclass(frozen=True, slots=True)
class All:
    def matches(self, labels: Mapping[str, str]) -> bool:
        return True

    def __str__(self) -> str:
        return "all()"


@dataclass(frozen=True, slots=True)
class Global:
    def matches(self, labels: Mapping[str, str]) -> bool:
        return True

    def __str__(self) -> str:
        return "global()"


@dataclass(frozen=True, slots=True)
class Has:
    key: str

    def matches(self, labels: Mapping[str, str]) -> bool:
        return self.key in labels

    def __str__(self) -> str:
        return f"has({self.key})"


class Compare(enum.Enum):
    EQ = "=="
    NE = "!="
    CONTAINS = "contains"
    STARTS_WITH = "starts with"
    ENDS_WITH = "ends with"


@dataclass(frozen=True, slots=True)
class Comparison:
    key: str
    op: Compare
    value: str

    def matches(self, labels: Mapping[str, str]) -> bool:
        have = labels.get(self.key)
        if have is None:
            # Only != is true for an absent label (upstream LabelNeValueNode).
            return self.op is Compare.NE
        if self.op is Compare.EQ:
            return have == self.value
        if self.op is Compare.NE:
            return have != self.value
        if self.op is Compare.CONTAINS:
            return self.value in have
        if self.op is Compare.STARTS_WITH:
            return have.startswith(self.value)
        return have.endswith(self.value)

    def __str__(self) -> str:
        return f"{self.key} {self.op.value} {_quote(self.value)}"


@dataclass(frozen=True, slots=True)
class InSet:
    key: str
    values: frozenset[str]
    negated: bool = False

    def matches(self, labels: Mapping[str, str]) -> bool:
        have = labels.get(self.key)
        if have is None:
            # ``not in`` is true for an absent label (upstream LabelNotInSetNode).
            return self.negated
        return (have in self.values) != self.negated

    def __str__(self) -> str:
        word = "not in" if self.negated else "in"
        return f"{self.key} {word} {{{', '.join(_quote(v) for v in sorted(self.values))}}}"


@dataclass(frozen=True, slots=True)
class Not:
    operand: Node

    def matches(self, labels: Mapping[str, str]) -> bool:
        return not self.operand.matches(labels)

    def __str__(self) -> str:
        return f"!{self.operand}"


@dataclass(frozen=True, slots=True)
class And:
    operands: tuple[Node, ...]

    def matches(self, labels: Mapping[str, str]) -> bool:
        return all(o.matches(labels) for o in self.operands)

    def __str__(self) -> str:
        return "(" + " && ".join(str(o) for o in self.operands) + ")"


@dataclass(frozen=True, slots=True)
class Or:
    operands: tuple[Node, ...]

    def matches(self, labels: Mapping[str, str]) -> bool:
        return any(o.matches(labels) for o in self.operands)

    def __str__(self) -> str:
        return "(" + " || ".join(str(o) for o in self.operands) + ")"


Node = All | Global | Has | Comparison | InSet | Not | And | Or


def _quote(value: str) -> str:
    return f"'{value}'" if '"' in value else f'"{value}"'


@dataclass(frozen=True, slots=True)
class CalicoSelector:
    """A parsed selector: ``text`` as written, ``root`` its tree."""

    text: str
    root: Node

    def matches(self, labels: Mapping[str, str]) -> bool:
        return self.root.matches(labels)

    @property
    def is_all(self) -> bool:
        """True for ``all()`` and the empty expression."""
        return isinstance(self.root, All)

    @property
    def is_global(self) -> bool:
        """True for ``global()``: in a ``namespaceSelector``, non-namespaced endpoints only."""
        return isinstance(self.root, Global)

    def __str__(self) -> str:
        return self.text.strip() or "all()"


ALL = CalicoSelector(text="all()", root=All())


# -- tokens ----------------------------------------------------------------------
class _Tok(enum.Enum):
    LABEL = "a label"
    STRING = "a string"
    LBRACE = "'{'"
    RBRACE = "'}'"
    COMMA = "','"
    OP = "an operator"
    NOT = "'!'"
    AND = "'&&'"
    OR = "'||'"
    LPAREN = "'('"
    RPAREN = "')'"
    ALL = "all()"
    GLOBAL = "global()"
    HAS = "has()"
    EOF = "the end"


@dataclass(frozen=True, slots=True)
class _Token:
    kind: _Tok
    value: str
    column: int

    def describe(self) -> str:
        if self.kind is _Tok.EOF:
            return "the end of the selector"
        if self.kind in (_Tok.LABEL, _Tok.OP):
            return repr(self.value)
        if self.kind is _Tok.STRING:
            return f"the string {_quote(self.value)}"
        return str(self.kind.value)


_SINGLE = {"(": _Tok.LPAREN, ")": _Tok.RPAREN, "{": _Tok.LBRACE, "}": _Tok.RBRACE, ",": _Tok.COMMA}
_DOUBLE = {"==": _Tok.OP, "!=": _Tok.OP, "&&": _Tok.AND, "||": _Tok.OR}
#: Operator words, recognised only right after a label (as upstream does).
_WORD_OPS = (("not", "in"), ("starts", "with"), ("ends", "with"), ("contains",), ("in",))
_FUNCS = {"all(": _Tok.ALL, "global(": _Tok.GLOBAL, "has(": _Tok.HAS}


class _Lexer:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.tokens: list[_Token] = []

    def fail(self, message: str, pos: int | None = None) -> CalicoSelectorError:
        return CalicoSelectorError(message, (self.pos if pos is None else pos) + 1)

    def skip_space(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos] in _WHITESPACE:
            self.pos += 1

    def label(self) -> str:
        start = self.pos
        while self.pos < len(self.text) and self.text[self.pos] in _LABEL_CHARS:
            self.pos += 1
        if self.pos - start > _LABEL_MAX:
            raise self.fail(f"label longer than {_LABEL_MAX} characters", start)
        return self.text[start : self.pos]

    def run(self) -> list[_Token]:
        while True:
            self.skip_space()
            if self.pos >= len(self.text):
                self.tokens.append(_Token(_Tok.EOF, "", self.pos + 1))
                return self.tokens
            self.step()

    def emit(self, kind: _Tok, value: str, start: int) -> None:
        self.tokens.append(_Token(kind, value, start + 1))

    def step(self) -> None:
        text, start = self.text, self.pos
        ch = text[start]
        two = text[start : start + 2]
        if two in _DOUBLE:
            self.pos += 2
            self.emit(_DOUBLE[two], two, start)
        elif ch in _SINGLE:
            self.pos += 1
            self.emit(_SINGLE[ch], ch, start)
        elif ch == "!":
            self.pos += 1
            self.emit(_Tok.NOT, ch, start)
        elif ch in "'\"":
            end = text.find(ch, start + 1)
            if end < 0:
                raise self.fail("unterminated string", start)
            self.pos = end + 1
            self.emit(_Tok.STRING, text[start + 1 : end], start)
        elif ch in "=&|":
            raise self.fail(f"expected {ch * 2!r}", start)
        elif self.tokens and self.tokens[-1].kind is _Tok.LABEL:
            self.operator_word(start)
        else:
            self.word(start)

    def operator_word(self, start: int) -> None:
        for words in _WORD_OPS:
            pos = start
            for i, word in enumerate(words):
                if i:
                    while pos < len(self.text) and self.text[pos] in _WHITESPACE:
                        pos += 1
                if not self.text.startswith(word, pos):
                    break
                pos += len(word)
            else:
                self.pos = pos
                self.emit(_Tok.OP, " ".join(words), start)
                return
        label = self.tokens[-1].value
        raise self.fail(f"expected an operator after label {label!r}", start)

    def word(self, start: int) -> None:
        for prefix, kind in _FUNCS.items():
            if self.text.startswith(prefix, start):
                self.pos = start + len(prefix)
                self.skip_space()
                arg = ""
                if kind is _Tok.HAS:
                    arg = self.label()
                    if not arg:
                        raise self.fail("expected a label name in has()")
                    self.skip_space()
                if not self.text.startswith(")", self.pos):
                    raise self.fail(f"expected ')' to close {prefix}")
                self.pos += 1
                self.emit(kind, arg, start)
                return
        label = self.label()
        if not label:
            raise self.fail(f"unexpected character {self.text[start]!r}", start)
        self.emit(_Tok.LABEL, label, start)


# -- the parser --------------------------------------------------------------------
class _Parser:
    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens = tokens
        self.i = 0
        self.depth = 0

    @property
    def tok(self) -> _Token:
        return self.tokens[self.i]

    def at(self, kind: _Tok) -> bool:
        return self.tokens[self.i].kind is kind

    def take(self) -> _Token:
        tok = self.tokens[self.i]
        if tok.kind is not _Tok.EOF:
            self.i += 1
        return tok

    def fail(self, expected: str, tok: _Token | None = None) -> CalicoSelectorError:
        tok = tok or self.tok
        return CalicoSelectorError(f"expected {expected}, found {tok.describe()}", tok.column)

    def expr(self) -> Node:
        operands = [self.conjunction()]
        while self.at(_Tok.OR):
            self.take()
            operands.append(self.conjunction())
        return operands[0] if len(operands) == 1 else Or(tuple(operands))

    def conjunction(self) -> Node:
        operands = [self.unary()]
        while self.at(_Tok.AND):
            self.take()
            operands.append(self.unary())
        return operands[0] if len(operands) == 1 else And(tuple(operands))

    def unary(self) -> Node:
        # Leading "!"s collapse to one boolean, as upstream parseOperation does.
        negated = False
        while self.at(_Tok.NOT):
            self.take()
            negated = not negated
        node = self.operation()
        return Not(node) if negated else node

    def operation(self) -> Node:
        tok = self.take()
        if tok.kind is _Tok.ALL:
            return All()
        if tok.kind is _Tok.GLOBAL:
            return Global()
        if tok.kind is _Tok.HAS:
            return Has(tok.value)
        if tok.kind is _Tok.LPAREN:
            self.depth += 1
            if self.depth > MAX_SELECTOR_DEPTH:
                raise CalicoSelectorError(
                    f"parentheses nested deeper than {MAX_SELECTOR_DEPTH}", tok.column
                )
            node = self.expr()
            if not self.at(_Tok.RPAREN):
                raise self.fail("')'")
            self.take()
            self.depth -= 1
            return node
        if tok.kind is _Tok.LABEL:
            return self.comparison(tok.value)
        raise self.fail("a label, has(), all(), global(), '!' or '('", tok)

    def comparison(self, key: str) -> Node:
        op = self.take()
        if op.kind is not _Tok.OP:
            raise self.fail(f"an operator after label {key!r}", op)
        if op.value in ("in", "not in"):
            return InSet(key, self.set_literal(), negated=op.value == "not in")
        value = self.take()
        if value.kind is not _Tok.STRING:
            raise self.fail(f"a quoted string after {op.value!r}", value)
        return Comparison(key, Compare(op.value), value.value)

    def set_literal(self) -> frozenset[str]:
        if not self.at(_Tok.LBRACE):
            raise self.fail("'{' to open a set of strings")
        self.take()
        values: list[str] = []
        while self.at(_Tok.STRING):
            values.append(self.take().value)
            if not self.at(_Tok.COMMA):
                break
            self.take()
        if not self.at(_Tok.RBRACE):
            raise self.fail("a string or '}'")
        self.take()
        return frozenset(values)


def parse_calico_selector(text: str) -> CalicoSelector:
    """Parse ``text``; the empty expression selects everything.

    Raises:
        CalicoSelectorError: naming the 1-based column of the first bad token.
    """
    if len(text) > MAX_SELECTOR_LENGTH:
        raise CalicoSelectorError(
            f"selector longer than {MAX_SELECTOR_LENGTH} characters", MAX_SELECTOR_LENGTH + 1
        )
    tokens = _Lexer(text).run()
    if tokens[0].kind is _Tok.EOF:
        return CalicoSelector(text=text, root=All())
    parser = _Parser(tokens)
    root = parser.expr()
    if parser.tok.kind is not _Tok.EOF:
        raise parser.fail("'&&', '||' or the end of the selector")
    return CalicoSelector(text=text, root=root)
