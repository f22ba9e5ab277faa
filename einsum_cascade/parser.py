"""The text notation and its parser.

Grammar (one statement per line; ``;`` separates statements on a line; ``#`` starts a
comment; a parenthesised note after a complete Einsum, ``(running max)``, is ignored)::

    cascade NAME                      optional name (rest of the line)
    ranks B=1, H, M0=256, M1=M/M0     optional rank declarations: size, formula or symbolic
    input Q[B,H,P,E]: fp16, K[...]    optional input declarations (ranks in axis order)
    tensor QK[B,H,M,P]                optional declarations of other tensors
    output AV                         optional (default: tensors written and never read)
    OUT[idx, ...] = EXPR  [reduce v, w with OP[, u with OP]]

Index expressions are affine: ``m``, ``m1*M0+m0``, ``2*p+r-1``, ``m1+1``, ``0``, ``M1``
(lower case: rank variables; upper case: rank sizes). Expressions use ``* / + -``,
``max(a, b)``, ``min(a, b)``, unary ``exp neg recip sqrt relu`` (and registered ones),
numbers, ``inf``, unary minus and rank sizes (``SUM[n] / D``). Reductions: ``+``, ``max``,
``min``. Undeclared ranks, tensors, inputs and outputs are inferred: a variable ``m1`` ranges
over rank ``M1``; a tensor's ranks follow from its output indices or, for inputs, from the
variables indexing it (``K[e, m1*M0+m0]`` gives ``K[E,M]``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import expr as ex
from .errors import CascadeError, CascadeParseError
from .index import Affine, SizeExpr, Term, rank_of

_TOKEN = re.compile(r"\s*(?:(?P<num>(?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?)"
                    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
                    r"|(?P<op>//|[\[\](),=+\-*/:;]))")
KEYWORDS = ("cascade", "ranks", "input", "tensor", "output")


@dataclass
class Tok:
    kind: str  # num, name, op, end
    text: str
    col: int   # 1-based column


class _Stream:
    """Tokens of one statement with error reporting against the source line."""

    def __init__(self, text: str, line: int, line_text: str, offset: int = 0) -> None:
        self.line, self.line_text = line, line_text
        self.toks: list[Tok] = []
        pos = 0
        while pos < len(text):
            if text[pos:].strip() == "":
                break
            m = _TOKEN.match(text, pos)
            if not m or m.end() == pos:
                bad = len(text[pos:]) - len(text[pos:].lstrip())
                self.fail(f"unexpected character {text[pos + bad]!r}", offset + pos + bad + 1)
            kind = m.lastgroup
            self.toks.append(Tok(kind, m.group(kind), offset + m.start(kind) + 1))
            pos = m.end()
        self.toks.append(Tok("end", "", offset + len(text.rstrip()) + 1))
        self.i = 0

    def fail(self, msg: str, col: int | None = None):
        raise CascadeParseError(msg, line=self.line, column=col or self.peek().col,
                                text=self.line_text)

    def peek(self, k: int = 0) -> Tok:
        return self.toks[min(self.i + k, len(self.toks) - 1)]

    def next(self) -> Tok:
        t = self.peek()
        self.i = min(self.i + 1, len(self.toks) - 1)
        return t

    def at(self, text: str) -> bool:
        t = self.peek()
        return t.kind in ("op", "name") and t.text == text

    def expect(self, text: str, what: str) -> Tok:
        if not self.at(text):
            t = self.peek()
            self.fail(f"expected {text!r} {what}; got {t.text or 'end of line'!r}")
        return self.next()

    def name(self, what: str) -> Tok:
        t = self.peek()
        if t.kind != "name":
            self.fail(f"expected {what}; got {t.text or 'end of line'!r}")
        return self.next()

    def end(self, what: str) -> None:
        if self.peek().kind != "end":
            self.fail(f"unexpected {self.peek().text!r} after {what}")


# --------------------------------------------------------------------------- pieces
def _index(s: _Stream) -> Affine:
    terms: list[Term] = []
    sign = 1
    if s.at("-"):
        s.next()
        sign = -1
    elif s.at("+"):
        s.next()
    while True:
        start = s.peek()
        coef, syms, var = sign, [], None
        while True:
            t = s.next()
            if t.kind == "num":
                if not t.text.isdigit():
                    s.fail(f"index expressions take integers; got {t.text!r}", t.col)
                coef *= int(t.text)
            elif t.kind == "name":
                if t.text[0].isupper():
                    syms.append(t.text)
                else:
                    if var is not None:
                        s.fail(f"index term multiplies rank variables {var} and {t.text}; "
                               f"index expressions must be affine", t.col)
                    var = t.text
            else:
                s.fail(f"expected a rank variable, rank size or integer in an index; got "
                       f"{t.text or 'end of line'!r}", t.col)
            if not s.at("*"):
                break
            s.next()
        if coef == 0 and (syms or var):
            s.fail("index term has coefficient 0", start.col)
        terms.append(Term(coef, tuple(syms), var))
        if s.at("+") or s.at("-"):
            sign = 1 if s.next().text == "+" else -1
            continue
        break
    try:
        return Affine(tuple(terms))
    except CascadeError as e:
        s.fail(str(e), start.col)


def _index_list(s: _Stream) -> tuple[Affine, ...]:
    s.expect("[", "to open the index list")
    out = []
    if not s.at("]"):
        out.append(_index(s))
        while s.at(","):
            s.next()
            out.append(_index(s))
    s.expect("]", "to close the index list")
    return tuple(out)


def _expr(s: _Stream) -> ex.Expr:
    left = _term(s)
    while s.at("+") or s.at("-"):
        op = s.next().text
        left = ex.Binary(op, left, _term(s))
    return left


def _term(s: _Stream) -> ex.Expr:
    left = _unary(s)
    while s.at("*") or s.at("/"):
        op = s.next().text
        left = ex.Binary(op, left, _unary(s))
    return left


def _unary(s: _Stream) -> ex.Expr:
    if s.at("-"):
        s.next()
        arg = _unary(s)
        return ex.Const(-arg.value) if isinstance(arg, ex.Const) else ex.Unary("neg", arg)
    return _atom(s)


def _atom(s: _Stream) -> ex.Expr:
    t = s.peek()
    if t.kind == "num":
        s.next()
        return ex.Const(float(t.text))
    if t.kind == "op" and t.text == "(":
        s.next()
        e = _expr(s)
        s.expect(")", "to close the parenthesis")
        return e
    if t.kind != "name":
        s.fail(f"expected a tensor access, number, function or '('; got "
               f"{t.text or 'end of line'!r}")
    s.next()
    if s.at("["):
        return ex.Access(t.text, _index_list(s))
    if s.at("("):
        s.next()
        args = [_expr(s)]
        while s.at(","):
            s.next()
            args.append(_expr(s))
        s.expect(")", f"to close {t.text}(...)")
        if t.text in ("max", "min"):
            if len(args) != 2:
                s.fail(f"{t.text} takes 2 arguments; got {len(args)}", t.col)
            return ex.Binary(t.text, args[0], args[1])
        if t.text not in ex.unary_ops():
            s.fail(f"unknown function {t.text!r}; known: max, min, "
                   f"{', '.join(ex.unary_ops())}", t.col)
        if len(args) != 1:
            s.fail(f"{t.text} takes 1 argument; got {len(args)}", t.col)
        return ex.Unary(t.text, args[0])
    if t.text in ("inf", "nan"):
        return ex.Const(float(t.text))
    if t.text[0].isupper():
        return ex.SizeRef(t.text)
    s.fail(f"rank variable {t.text!r} can only appear inside an index (did you mean a tensor "
           f"access {t.text}[...]?)", t.col)


def _reductions(s: _Stream) -> dict[str, str]:
    out: dict[str, str] = {}
    while s.at("reduce"):
        s.next()
        while True:
            vs = [s.name("a rank variable after 'reduce'")]
            while s.at(","):
                s.next()
                vs.append(s.name("a rank variable"))
            s.expect("with", "after the reduced variables")
            op = s.next()
            if op.text not in ("+", "max", "min"):
                s.fail(f"reduction operator must be +, max or min; got {op.text!r}", op.col)
            for v in vs:
                if v.text in out:
                    s.fail(f"rank variable {v.text} is reduced twice", v.col)
                if not v.text[0].islower():
                    s.fail(f"reduced rank variables are lower case; got {v.text!r}", v.col)
                out[v.text] = op.text
            if s.at(",") and s.peek(1).kind == "name":
                s.next()
                continue
            break
    return out


def _size_expr(s: _Stream) -> SizeExpr:
    left = _size_term(s)
    while s.at("+") or s.at("-"):
        op = s.next().text
        left = SizeExpr(op, left, _size_term(s))
    return left


def _size_term(s: _Stream) -> SizeExpr:
    left = _size_atom(s)
    while s.at("*") or s.at("/") or s.at("//"):
        op = s.next().text
        left = SizeExpr(op, left, _size_atom(s))
    return left


def _size_atom(s: _Stream) -> SizeExpr:
    t = s.next()
    if t.kind == "num" and t.text.isdigit():
        return SizeExpr("int", value=int(t.text))
    if t.kind == "name" and t.text[0].isupper():
        return SizeExpr("name", name=t.text)
    if t.kind == "op" and t.text == "(":
        e = _size_expr(s)
        s.expect(")", "to close the parenthesis")
        return e
    s.fail(f"expected an integer, a rank name or '(' in a size; got {t.text or 'end of line'!r}",
           t.col)


def _einsum(s: _Stream):
    from .model import Einsum

    out = s.name("an output tensor name")
    idx = _index_list(s)
    s.expect("=", f"after {out.text}[...]")
    e = _expr(s)
    red = _reductions(s)
    if s.at("("):  # trailing note such as "(running max)"
        depth = 0
        while s.peek().kind != "end":
            t = s.next()
            depth += (t.text == "(") - (t.text == ")")
            if depth == 0:
                break
    s.end("the Einsum")
    try:
        return Einsum(out.text, idx, e, red)
    except CascadeError as err:
        s.fail(str(err), out.col)


def _tensor_decls(s: _Stream) -> list:
    from .model import Tensor

    out = []
    while True:
        n = s.name("a tensor name")
        s.expect("[", f"after tensor name {n.text}")
        ranks = []
        if not s.at("]"):
            while True:
                r = s.name("a rank name")
                if not r.text[0].isupper():
                    s.fail(f"rank names start with an upper-case letter; got {r.text!r}", r.col)
                ranks.append(r.text)
                if not s.at(","):
                    break
                s.next()
        s.expect("]", f"to close the ranks of {n.text}")
        dtype = None
        if s.at(":"):
            s.next()
            dtype = s.name("an element type after ':'").text
        out.append((Tensor(n.text, tuple(ranks), dtype), n.col))
        if not s.at(","):
            break
        s.next()
    s.end("the tensor declarations")
    return out


# --------------------------------------------------------------------------- statements
def _split_statements(text: str):
    """Yield (line number, line text, statement text, column offset)."""
    for no, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0]
        depth, start = 0, 0
        for k, ch in enumerate(line + ";"):
            if ch in "[(":
                depth += 1
            elif ch in "])":
                depth -= 1
            elif ch == ";" and (depth <= 0 or k == len(line)):
                piece = line[start:k]
                if piece.strip():
                    yield no, raw.rstrip("\n"), piece, start
                start = k + 1


def _common_rank(ix: Affine) -> str | None:
    """Rank of a dimension indexed by ``ix`` when it is not a plain variable: the shared
    stem of its variables (``m1*M0+m0`` -> ``M``), else ``None``."""
    vc = ix.as_var()
    if vc:
        return rank_of(vc[0])
    stems = {v.rstrip("0123456789") for v in ix.variables}
    if len(stems) == 1:
        stem = stems.pop()
        return rank_of(stem) if stem else None
    return None


def parse(text: str):
    """Parse cascade notation into a validated :class:`~einsum_cascade.Cascade`.

    Raises :class:`~einsum_cascade.CascadeError` (a :class:`CascadeParseError` naming line and
    column, with the offending text and a caret) on any problem.
    """
    from .model import Cascade, Rank

    if not isinstance(text, str):
        raise CascadeError(f"parse() takes the cascade notation as a str; got "
                           f"{type(text).__name__}")
    name = ""
    ranks: dict[str, Rank] = {}
    declared: dict[str, object] = {}
    input_names: list[str] = []
    outputs: list[str] | None = None
    einsums: list = []
    where: list[tuple[int, str, int]] = []  # (line, text, column) per Einsum
    for no, raw, stmt, off in _split_statements(text):
        s = _Stream(stmt, no, raw, off)
        head = s.peek()
        if head.kind == "name" and head.text in KEYWORDS and not s.peek(1).text == "[":
            s.next()
            if head.text == "cascade":
                name = stmt.strip()[len("cascade"):].strip()
                if not name:
                    s.fail("expected a name after 'cascade'")
            elif head.text == "ranks":
                while s.peek().kind != "end":
                    r = s.name("a rank name")
                    if not r.text[0].isupper():
                        s.fail(f"rank names start with an upper-case letter; got {r.text!r}",
                               r.col)
                    if r.text in ranks:
                        s.fail(f"rank {r.text} is declared twice", r.col)
                    rank = Rank(r.text)
                    if s.at("="):
                        s.next()
                        f = _size_expr(s)
                        rank = Rank(r.text, f.value) if f.op == "int" else Rank(r.text, None, f)
                    ranks[r.text] = rank
                    if s.at(","):
                        s.next()
            elif head.text in ("input", "tensor"):
                for t, col in _tensor_decls(s):
                    if t.name in declared:
                        s.fail(f"tensor {t.name} is declared twice", col)
                    declared[t.name] = t
                    if head.text == "input":
                        input_names.append(t.name)
            else:
                outputs = outputs or []
                while True:
                    outputs.append(s.name("an output tensor name").text)
                    if not s.at(","):
                        break
                    s.next()
                s.end("the output names")
            continue
        einsums.append(_einsum(s))
        where.append((no, raw, head.col))
    return _assemble(name, ranks, declared, input_names, outputs, einsums, where)


def _assemble(name, ranks, declared, input_names, outputs, einsums, where):
    from .model import Cascade, Rank, Tensor

    def fail_at(i: int, msg: str):
        line, raw, col = where[i] if where else (1, "", 1)
        raise CascadeParseError(msg, line=line, column=col, text=raw)

    def add_rank(r: str) -> None:
        if r not in ranks:
            ranks[r] = Rank(r)

    for rk in list(ranks.values()):
        if rk.formula is not None:
            for n in rk.formula.names:
                add_rank(n)
    for t in declared.values():
        for r in t.ranks:
            add_rank(r)
    for e in einsums:
        for v in e.iteration_ranks:
            add_rank(rank_of(v))
        for s in ex.size_refs(e.expr) + tuple(x for ix in e.output_indices for x in ix.symbols):
            add_rank(s)
    tensors = dict(declared)
    written = []
    for e in einsums:
        if e.output not in written:
            written.append(e.output)
    for t in written:
        if t in tensors:
            continue
        dims: list[str | None] = []
        for i, e in enumerate(einsums):
            if e.output != t:
                continue
            if dims and len(dims) != len(e.output_indices):
                fail_at(i, f"tensor {t} is written with {len(e.output_indices)} indices here "
                           f"and {len(dims)} elsewhere")
            if not dims:
                dims = [None] * len(e.output_indices)
            for d, ix in enumerate(e.output_indices):
                if dims[d] is None and ix.variables:
                    dims[d] = rank_of(ix.variables[0])
        if any(d is None for d in dims):
            i = next(k for k, e in enumerate(einsums) if e.output == t)
            fail_at(i, f"cannot infer the ranks of tensor {t} (a dimension is only written at "
                       f"constant indices); declare it, e.g. `tensor {t}[...]`")
        tensors[t] = Tensor(t, tuple(dims))
    reads: list[str] = []
    for e in einsums:
        reads += [x for x in e.inputs if x not in reads]
    inputs = list(input_names)
    for t in reads:
        if t in written or t in inputs:
            continue
        inputs.append(t)  # read, never written: an input
        if t in tensors:
            continue
        dims = None
        for i, e in enumerate(einsums):
            for a in e.accesses():
                if a.tensor != t:
                    continue
                guess = [_common_rank(ix) for ix in a.indices]
                if dims is None or (None in dims and None not in guess):
                    dims = guess
        if dims is None or None in dims:
            i = next(k for k, e in enumerate(einsums) if t in e.inputs)
            fail_at(i, f"cannot infer the ranks of input {t} from its indices; declare it, "
                       f"e.g. `input {t}[...]`")
        tensors[t] = Tensor(t, tuple(dims))
        for r in dims:
            add_rank(r)
    if outputs is None:
        outputs = [t for t in written if t not in reads]
    try:
        return Cascade(tuple(einsums), tensors, ranks, tuple(inputs), tuple(outputs), name)
    except CascadeParseError:
        raise
    except CascadeError as e:
        if e.einsum is not None and e.einsum < len(where):
            fail_at(e.einsum, str(e))
        raise


# --------------------------------------------------------------------------- fragments
def _fragment(text: str, what: str, fn):
    if not isinstance(text, str):
        raise CascadeError(f"{what} must be a string; got {text!r}")
    s = _Stream(text, 1, text)
    out = fn(s)
    s.end(what)
    return out


def parse_index(text: str) -> Affine:
    """Parse one affine index expression (``m1*M0+m0``)."""
    return _fragment(text, "the index expression", _index)


def parse_expr(text: str) -> ex.Expr:
    """Parse one map expression (``exp(QK[m,p] - GM[p])``)."""
    return _fragment(text, "the expression", _expr)


def parse_size(text: str) -> SizeExpr:
    """Parse one size formula (``M/M0``)."""
    return _fragment(text, "the size formula", _size_expr)


def parse_einsum(text: str):
    """Parse one Einsum statement (``Z[m,n] = A[m,k]*B[k,n] reduce k with +``)."""
    return _fragment(text, "the Einsum", _einsum)
