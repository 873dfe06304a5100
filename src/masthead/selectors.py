"""Label and field selectors with kube-apiserver syntax, error wording and matching semantics.

Ported from k8s.io/apimachinery `pkg/labels/selector.go` (lexer, parser, `NewRequirement`),
`pkg/api/validate/content` (label key/value rules), `pkg/fields/selector.go` and
`pkg/apis/meta/v1/helpers.go` (`LabelSelectorAsSelector`). `str(SelectorError)` is the exact
message the server puts in its 400 Status.

Parsing happens once per request; `matches` runs once per object per LIST and per watch event.
So a selector compiles its requirements into closures up front and `matches` is that compiled
function: no per-call allocation, no dispatch on the operator.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

Match = Callable[[Mapping[str, str]], bool]


class SelectorError(ValueError):
    """A selector the kube-apiserver refuses; `str()` is the server's message, verbatim."""


def go_quote(text: str) -> str:
    """Go's `%q`, which upstream uses for the offending value in its messages."""
    out = ['"']
    for ch in text:
        if ch in _GO_ESCAPES:
            out.append(_GO_ESCAPES[ch])
        elif ch.isprintable():
            out.append(ch)
        elif ord(ch) < 0x80:
            out.append(f"\\x{ord(ch):02x}")
        elif ord(ch) <= 0xFFFF:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(f"\\U{ord(ch):08x}")
    out.append('"')
    return "".join(out)


_GO_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\a": "\\a",
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\v": "\\v",
}


# --- label key and value rules (content.IsLabelKey / IsLabelValue) -----------------------------


def _regex_error(msg: str, fmt: str, *examples: str) -> str:
    # The doubled space after each comma is upstream's (see the 422 in the 03 fixture).
    shown = " or ".join(f"'{e}', " for e in examples)
    return f"{msg} (e.g. {shown}regex used for validation is '{fmt}')"


_NAME_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
_NAME_RE = re.compile(_NAME_FMT)
_NAME_MSG = (
    "must consist of alphanumeric characters, '-', '_' or '.', "
    "and must start and end with an alphanumeric character"
)
_NAME_REGEX_ERROR = _regex_error(_NAME_MSG, _NAME_FMT, "MyName", "my.name", "123-abc")
_VALUE_FMT = f"({_NAME_FMT})?"
_VALUE_RE = re.compile(_VALUE_FMT)
_VALUE_REGEX_ERROR = _regex_error(
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' "
    "or '.', and must start and end with an alphanumeric character",
    _VALUE_FMT,
    "MyValue",
    "my_value",
    "12345",
)
_DNS_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_SUBDOMAIN_FMT = _DNS_LABEL_FMT + r"(\." + _DNS_LABEL_FMT + ")*"
_SUBDOMAIN_RE = re.compile(_SUBDOMAIN_FMT)
_SUBDOMAIN_REGEX_ERROR = _regex_error(
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character",
    _SUBDOMAIN_FMT,
    "example.com",
)


def _max_len_error(limit: int) -> str:
    return f"must be no more than {limit} bytes"


def _byte_len(text: str) -> int:
    # Go measures strings in UTF-8 bytes.
    return len(text.encode())


def label_key_errors(key: str) -> list[str]:
    """Why `key` is not a valid label key (empty when it is)."""
    errs: list[str] = []
    parts = key.split("/")
    if len(parts) > 2:
        return [
            f"a valid label key {_NAME_REGEX_ERROR} with an optional DNS subdomain prefix "
            "and '/' (e.g. 'example.com/MyName')"
        ]
    name = parts[-1]
    if len(parts) == 2:
        prefix = parts[0]
        if not prefix:
            errs.append("prefix part must be non-empty")
        else:
            if _byte_len(prefix) > 253:
                errs.append("prefix part " + _max_len_error(253))
            if not _SUBDOMAIN_RE.fullmatch(prefix):
                errs.append("prefix part " + _SUBDOMAIN_REGEX_ERROR)
    if not name:
        errs.append("name part must be non-empty")
    elif _byte_len(name) > 63:
        errs.append("name part " + _max_len_error(63))
    if not _NAME_RE.fullmatch(name):
        errs.append("name part " + _NAME_REGEX_ERROR)
    return errs


def label_value_errors(value: str) -> list[str]:
    """Why `value` is not a valid label value (empty when it is)."""
    errs: list[str] = []
    if _byte_len(value) > 63:
        errs.append(_max_len_error(63))
    if not _VALUE_RE.fullmatch(value):
        errs.append(_VALUE_REGEX_ERROR)
    return errs


def _invalid(path: str, shown: str, detail: str) -> str:
    """`field.Invalid(...).Error()`; `shown` is the already formatted bad value."""
    return f"{path}: Invalid value: {shown}: {detail}"


def _aggregate(errors: Iterable[str]) -> str | None:
    """utilerrors.NewAggregate(...).Error(): duplicates dropped, several in brackets."""
    unique = list(dict.fromkeys(errors))
    if not unique:
        return None
    return unique[0] if len(unique) == 1 else "[" + ", ".join(unique) + "]"


_INT64 = re.compile(r"[+-]?[0-9]+")


def _parse_int64(text: str) -> int | None:
    """strconv.ParseInt(text, 10, 64), or None where Go returns an error."""
    # Plain ASCII digits are the common case and skip the regex.
    if not (text.isascii() and text.isdigit()) and not _INT64.fullmatch(text):
        return None
    n = int(text)
    return n if -(2**63) <= n < 2**63 else None


# --- requirements ------------------------------------------------------------------------------


class Op(StrEnum):
    """selection.Operator; the values are upstream's, as they appear in its messages."""

    EQUALS = "="
    DOUBLE_EQUALS = "=="
    NOT_EQUALS = "!="
    IN = "in"
    NOT_IN = "notin"
    EXISTS = "exists"
    DOES_NOT_EXIST = "!"
    GREATER_THAN = "gt"
    LESS_THAN = "lt"


_BINARY_OPERATORS = ", ".join(
    op.value
    for op in (
        Op.IN,
        Op.NOT_IN,
        Op.EQUALS,
        Op.DOUBLE_EQUALS,
        Op.NOT_EQUALS,
        Op.GREATER_THAN,
        Op.LESS_THAN,
    )
)
_INFIX = {
    Op.EQUALS: "=",
    Op.DOUBLE_EQUALS: "==",
    Op.NOT_EQUALS: "!=",
    Op.IN: " in ",
    Op.NOT_IN: " notin ",
    Op.GREATER_THAN: ">",
    Op.LESS_THAN: "<",
}


@dataclass(frozen=True, slots=True)
class Requirement:
    """One label requirement. Build validated ones with `new_requirement`."""

    key: str
    op: Op
    values: tuple[str, ...] = ()

    def __str__(self) -> str:
        if self.op is Op.EXISTS:
            return self.key
        if self.op is Op.DOES_NOT_EXIST:
            return "!" + self.key
        shown = ",".join(sorted(self.values))
        if self.op in (Op.IN, Op.NOT_IN):
            shown = f"({shown})"
        return self.key + _INFIX[self.op] + shown


def _go_string_slice(values: Sequence[str] | None) -> str:
    """Go's `%#v` of a []string, as field errors print a bad value set."""
    if values is None:
        return "[]string(nil)"
    return "[]string{" + ", ".join(go_quote(v) for v in values) + "}"


def new_requirement(key: str, op: Op, values: Sequence[str] | None = None) -> Requirement:
    """labels.NewRequirement: validates and raises SelectorError with upstream's message.

    `values=None` stands for Go's nil slice, which only changes how an error prints it.
    """
    vals = list(values) if values is not None else []
    errs: list[str] = []
    if key_errs := label_key_errors(key):
        errs.append(_invalid("key", go_quote(key), "; ".join(key_errs)))
    if op in (Op.IN, Op.NOT_IN):
        if not vals:
            errs.append(
                _invalid(
                    "values",
                    _go_string_slice(values),
                    "for 'in', 'notin' operators, values set can't be empty",
                )
            )
    elif op in (Op.EQUALS, Op.DOUBLE_EQUALS, Op.NOT_EQUALS):
        if len(vals) != 1:
            errs.append(
                _invalid(
                    "values",
                    _go_string_slice(values),
                    "exact-match compatibility requires one single value",
                )
            )
    elif op in (Op.EXISTS, Op.DOES_NOT_EXIST):
        if vals:
            errs.append(
                _invalid(
                    "values",
                    _go_string_slice(values),
                    "values set must be empty for exists and does not exist",
                )
            )
    else:
        if len(vals) != 1:
            errs.append(
                _invalid(
                    "values",
                    _go_string_slice(values),
                    "for 'Gt', 'Lt' operators, exactly one value is required",
                )
            )
        for i, v in enumerate(vals):
            if _parse_int64(v) is None:
                errs.append(
                    _invalid(
                        f"values[{i}]",
                        go_quote(v),
                        "for 'Gt', 'Lt' operators, the value must be an integer",
                    )
                )
    for i, v in enumerate(vals):
        if value_errs := label_value_errors(v):
            errs.append(_invalid(f"values[{i}][{key}]", go_quote(v), "; ".join(value_errs)))
    if (message := _aggregate(errs)) is not None:
        raise SelectorError(message)
    return Requirement(key, op, tuple(vals))


# --- compiled matching -------------------------------------------------------------------------


def _always(_: Mapping[str, str]) -> bool:
    return True


def _never(_: Mapping[str, str]) -> bool:
    return False


def _conjunction(tests: Sequence[Match]) -> Match:
    if not tests:
        return _always
    if len(tests) == 1:
        return tests[0]
    if len(tests) == 2:
        first, second = tests
        return lambda labels: first(labels) and second(labels)
    frozen = tuple(tests)

    def every(labels: Mapping[str, str]) -> bool:
        # A plain loop: all(...) would allocate a generator per object.
        for test in frozen:  # noqa: SIM110
            if not test(labels):
                return False
        return True

    return every


def _compile_requirement(req: Requirement) -> Match:
    key, op = req.key, req.op
    if op is Op.EXISTS:
        return lambda labels: key in labels
    if op is Op.DOES_NOT_EXIST:
        return lambda labels: key not in labels
    if op in (Op.GREATER_THAN, Op.LESS_THAN):
        return _compile_numeric(key, op, req.values)
    # A missing key reads as None, which equals no value: `!=`/`notin` match it, `=`/`in` do not.
    positive = op in (Op.EQUALS, Op.DOUBLE_EQUALS, Op.IN)
    if len(req.values) == 1:
        value = req.values[0]
        if positive:
            return lambda labels: labels.get(key) == value
        return lambda labels: labels.get(key) != value
    values = frozenset(req.values)
    if positive:
        return lambda labels: labels.get(key) in values
    return lambda labels: labels.get(key) not in values


def _compile_numeric(key: str, op: Op, values: tuple[str, ...]) -> Match:
    bound = _parse_int64(values[0]) if len(values) == 1 else None
    if bound is None:
        # Upstream refuses to match a requirement it could not have built from text.
        return _never
    greater = op is Op.GREATER_THAN

    def compare(labels: Mapping[str, str]) -> bool:
        raw = labels.get(key)
        if raw is None:
            return False
        n = _parse_int64(raw)
        if n is None:
            return False
        return n > bound if greater else n < bound

    return compare


# --- label selectors ---------------------------------------------------------------------------


class LabelSelector:
    """An AND of label requirements, sorted by key as upstream does.

    `matches` is a compiled function attribute (see the module docstring). An empty selector
    matches everything; the "nothing" selector (from a nil metav1.LabelSelector) matches nothing.
    """

    __slots__ = ("_nothing", "matches", "requirements")

    requirements: tuple[Requirement, ...]
    matches: Match

    def __init__(self, requirements: Iterable[Requirement] = (), *, nothing: bool = False) -> None:
        self.requirements = () if nothing else tuple(sorted(requirements, key=_by_key))
        self._nothing = nothing
        self.matches = (
            _never
            if nothing
            else _conjunction([_compile_requirement(r) for r in self.requirements])
        )

    @property
    def empty(self) -> bool:
        """True when the selector does not restrict anything."""
        return not self._nothing and not self.requirements

    @property
    def nothing(self) -> bool:
        """True for the selector of a nil metav1.LabelSelector."""
        return self._nothing

    def __str__(self) -> str:
        return ",".join(str(r) for r in self.requirements)

    def __repr__(self) -> str:
        return "LabelSelector(<nothing>)" if self._nothing else f"LabelSelector({str(self)!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, LabelSelector):
            return NotImplemented
        return self._nothing == other._nothing and self.requirements == other.requirements

    def __hash__(self) -> int:
        return hash((self._nothing, self.requirements))


def _by_key(req: Requirement) -> str:
    return req.key


# Token kinds of upstream's lexer.
_EOS, _CLOSE, _COMMA, _NOT, _DEQ, _EQ, _GT, _IDENT, _IN, _LT, _NEQ, _NOTIN, _OPEN = range(13)
_STRING_TO_TOKEN = {
    ")": _CLOSE,
    ",": _COMMA,
    "!": _NOT,
    "==": _DEQ,
    "=": _EQ,
    ">": _GT,
    "in": _IN,
    "<": _LT,
    "!=": _NEQ,
    "notin": _NOTIN,
    "(": _OPEN,
}
_SPECIAL = frozenset("=!(),><")
_WHITESPACE = frozenset(" \t\r\n")
_END = "\0"  # what Go's lexer reads past the end (and, faithfully, at a NUL byte)
_IDENTIFIER_STOP = _SPECIAL | _WHITESPACE | {_END}


class _Lexer:
    def __init__(self, text: str) -> None:
        self._text = text
        self._pos = 0

    def _read(self) -> str:
        if self._pos < len(self._text):
            self._pos += 1
            return self._text[self._pos - 1]
        return _END

    def tokens(self) -> list[tuple[int, str]]:
        items: list[tuple[int, str]] = []
        while True:
            ch = self._read()
            while ch in _WHITESPACE:
                ch = self._read()
            if ch == _END:
                items.append((_EOS, ""))
                return items
            self._pos -= 1
            items.append(self._special() if ch in _SPECIAL else self._identifier())

    def _identifier(self) -> tuple[int, str]:
        text, start = self._text, self._pos
        end = start
        while end < len(text) and text[end] not in _IDENTIFIER_STOP:
            end += 1
        # Go's lexer consumes a NUL that ends an identifier but leaves other stop characters.
        self._pos = end + 1 if end < len(text) and text[end] == _END else end
        literal = text[start:end]
        return _STRING_TO_TOKEN.get(literal, _IDENT), literal

    def _special(self) -> tuple[int, str]:
        buffer = ""
        last: tuple[int, str] | None = None
        while (ch := self._read()) != _END:
            if ch not in _SPECIAL:
                self._pos -= 1
                break
            buffer += ch
            token = _STRING_TO_TOKEN.get(buffer)
            if token is not None:
                last = (token, buffer)
            elif last is not None:
                self._pos -= 1
                break
        # Every single special character is a token, so `last` is always set here.
        assert last is not None
        return last


class _Parser:
    """Upstream's recursive-descent parser; messages are reproduced word for word."""

    def __init__(self, text: str) -> None:
        self._items = _Lexer(text).tokens()
        self._pos = 0

    def _lookahead(self, values: bool) -> tuple[int, str]:
        tok, lit = self._items[self._pos]
        # In a values context the keywords `in` and `notin` are ordinary identifiers.
        return (_IDENT, lit) if values and tok in (_IN, _NOTIN) else (tok, lit)

    def _consume(self, values: bool) -> tuple[int, str]:
        item = self._lookahead(values)
        self._pos += 1
        return item

    def parse(self) -> list[Requirement]:
        reqs: list[Requirement] = []
        while True:
            tok, lit = self._lookahead(True)
            if tok == _EOS:
                return reqs
            if tok not in (_IDENT, _NOT):
                raise SelectorError(f"found '{lit}', expected: !, identifier, or 'end of string'")
            try:
                reqs.append(self._requirement())
            except SelectorError as err:
                raise SelectorError(f"unable to parse requirement: {err}") from None
            tok, lit = self._consume(True)
            if tok == _EOS:
                return reqs
            if tok != _COMMA:
                raise SelectorError(f"found '{lit}', expected: ',' or 'end of string'")
            tok, lit = self._lookahead(True)
            if tok not in (_IDENT, _NOT):
                raise SelectorError(f"found '{lit}', expected: identifier after ','")

    def _requirement(self) -> Requirement:
        key, op = self._key_and_inferred_operator()
        if op is not None:
            return new_requirement(key, op, [])
        op = self._operator()
        values = self._values() if op in (Op.IN, Op.NOT_IN) else self._exact_value()
        return new_requirement(key, op, sorted(values))

    def _key_and_inferred_operator(self) -> tuple[str, Op | None]:
        op: Op | None = None
        tok, lit = self._consume(True)
        if tok == _NOT:
            op = Op.DOES_NOT_EXIST
            tok, lit = self._consume(True)
        if tok != _IDENT:
            raise SelectorError(f"found '{lit}', expected: identifier")
        if errs := label_key_errors(lit):
            raise SelectorError(_invalid("<nil>", go_quote(lit), "; ".join(errs)))
        if op is None and self._lookahead(True)[0] in (_EOS, _COMMA):
            op = Op.EXISTS
        return lit, op

    def _operator(self) -> Op:
        tok, lit = self._consume(False)
        op = _TOKEN_TO_OP.get(tok)
        if op is None:
            raise SelectorError(f"found '{lit}', expected: {_BINARY_OPERATORS}")
        return op

    def _values(self) -> set[str]:
        tok, lit = self._consume(True)
        if tok != _OPEN:
            raise SelectorError(f"found '{lit}' expected: '('")
        tok, lit = self._lookahead(True)
        if tok == _CLOSE:
            self._consume(True)
            return {""}
        if tok not in (_IDENT, _COMMA):
            raise SelectorError(f"found '{lit}', expected: ',', ')' or identifier")
        values = self._identifiers()
        if self._consume(True)[0] != _CLOSE:
            raise SelectorError(f"found '{lit}', expected: ')'")
        return values

    def _identifiers(self) -> set[str]:
        values: set[str] = set()
        while True:
            tok, lit = self._consume(True)
            if tok == _IDENT:
                values.add(lit)
                tok2, lit2 = self._lookahead(True)
                if tok2 == _CLOSE:
                    return values
                if tok2 != _COMMA:
                    raise SelectorError(f"found '{lit2}', expected: ',' or ')'")
            elif tok == _COMMA:
                # Empty entries, as in "(,a)", "(a,)" and "(a,,b)", stand for the empty value.
                if not values:
                    values.add("")
                tok2 = self._lookahead(True)[0]
                if tok2 == _CLOSE:
                    values.add("")
                    return values
                if tok2 == _COMMA:
                    values.add("")
            else:
                raise SelectorError(f"found '{lit}', expected: ',', or identifier")

    def _exact_value(self) -> set[str]:
        if self._lookahead(True)[0] in (_EOS, _COMMA):
            return {""}
        tok, lit = self._consume(True)
        if tok != _IDENT:
            raise SelectorError(f"found '{lit}', expected: identifier")
        return {lit}


_TOKEN_TO_OP = {
    _IN: Op.IN,
    _EQ: Op.EQUALS,
    _DEQ: Op.DOUBLE_EQUALS,
    _GT: Op.GREATER_THAN,
    _LT: Op.LESS_THAN,
    _NOTIN: Op.NOT_IN,
    _NEQ: Op.NOT_EQUALS,
}


def parse_label_selector(text: str) -> LabelSelector:
    """labels.Parse: `?labelSelector=` text to a selector (an empty text matches everything)."""
    return LabelSelector(_Parser(text).parse())


_EXPRESSION_OPS = {
    "In": Op.IN,
    "NotIn": Op.NOT_IN,
    "Exists": Op.EXISTS,
    "DoesNotExist": Op.DOES_NOT_EXIST,
}


def label_selector_from_dict(sel: Mapping[str, Any] | None) -> LabelSelector:
    """metav1.LabelSelectorAsSelector for a `selector` field of an object.

    As upstream: None (a nil selector) matches nothing, while `{}` (no matchLabels and no
    matchExpressions) matches everything.
    """
    if sel is None:
        return LabelSelector(nothing=True)
    match_labels: Mapping[str, str] = sel.get("matchLabels") or {}
    expressions: Sequence[Mapping[str, Any]] = sel.get("matchExpressions") or ()
    reqs = [new_requirement(k, Op.EQUALS, [v]) for k, v in sorted(match_labels.items())]
    for expr in expressions:
        operator = expr.get("operator", "")
        op = _EXPRESSION_OPS.get(operator)
        if op is None:
            raise SelectorError(f"{go_quote(str(operator))} is not a valid label selector operator")
        values = expr.get("values")
        reqs.append(new_requirement(expr.get("key", ""), op, list(values) if values else None))
    return LabelSelector(reqs)


# --- field selectors ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FieldRequirement:
    """`field op value` with `op` either "=" (also written "==") or "!="."""

    field: str
    op: str
    value: str

    def __str__(self) -> str:
        return f"{self.field}{self.op}{escape_field_value(self.value)}"


def escape_field_value(value: str) -> str:
    """fields.EscapeValue: makes any literal usable as a field selector value."""
    return value.replace("\\", "\\\\").replace(",", "\\,").replace("=", "\\=")


def _compile_field(req: FieldRequirement) -> Match:
    field, value = req.field, req.value
    # Upstream reads an absent field as "".
    if req.op == "=":
        return lambda fields: fields.get(field, "") == value
    return lambda fields: fields.get(field, "") != value


class FieldSelector:
    """An AND of field requirements. `matches` is compiled, as for LabelSelector."""

    __slots__ = ("matches", "requirements")

    requirements: tuple[FieldRequirement, ...]
    matches: Match

    def __init__(self, requirements: Iterable[FieldRequirement] = ()) -> None:
        self.requirements = tuple(requirements)
        self.matches = _conjunction([_compile_field(r) for r in self.requirements])

    @property
    def empty(self) -> bool:
        return not self.requirements

    def requires_exact_match(self, field: str) -> str | None:
        """The value `field` must equal for anything to match, if the selector pins one."""
        for req in self.requirements:
            if req.field == field and req.op == "=":
                return req.value
        return None

    def __str__(self) -> str:
        return ",".join(str(r) for r in self.requirements)

    def __repr__(self) -> str:
        return f"FieldSelector({str(self)!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FieldSelector):
            return NotImplemented
        return self.requirements == other.requirements

    def __hash__(self) -> int:
        return hash(self.requirements)


def _split_terms(text: str) -> list[str]:
    """Split on commas that are not escaped; escapes stay in the terms."""
    if not text:
        return []
    terms: list[str] = []
    start = 0
    escaped = False
    for i, ch in enumerate(text):
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == ",":
            terms.append(text[start:i])
            start = i + 1
    terms.append(text[start:])
    return terms


def _split_term(term: str) -> tuple[str, str, str] | None:
    # The field name has no escaping: the first operator anywhere in the term splits it.
    for i in range(len(term)):
        for op in ("!=", "==", "="):
            if term.startswith(op, i):
                return term[:i], op, term[i + len(op) :]
    return None


def _unescape(value: str) -> str:
    if not any(c in value for c in "\\,="):
        return value
    out: list[str] = []
    escaped = False
    for ch in value:
        if escaped:
            if ch not in "\\,=":
                raise SelectorError(f"invalid field selector: invalid escape sequence: \\{ch}")
            out.append(ch)
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch in ",=":
            # Upstream formats the rune with %v, which prints its code point.
            raise SelectorError(f"invalid field selector: unescaped character in value: {ord(ch)}")
        else:
            out.append(ch)
    if escaped:
        raise SelectorError("invalid field selector: invalid escape sequence: \\")
    return "".join(out)


def parse_field_selector(text: str) -> FieldSelector:
    """fields.ParseSelector: `?fieldSelector=` text to a selector (terms sorted as upstream)."""
    reqs: list[FieldRequirement] = []
    for part in sorted(_split_terms(text)):
        if not part:
            continue
        split = _split_term(part)
        if split is None:
            raise SelectorError(f"invalid selector: '{text}'; can't understand '{part}'")
        field, op, raw = split
        reqs.append(FieldRequirement(field, "!=" if op == "!=" else "=", _unescape(raw)))
    return FieldSelector(reqs)
