"""Notation: parsing, printing round-trips, dict/YAML round-trips and parse errors."""

import json
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

import einsum_cascade as ec
from einsum_cascade import CascadeError, CascadeParseError, library, parse

SPEC = Path(__file__).resolve().parents[3] / "shared" / "spec" / "fusemax.md"


@pytest.mark.parametrize("name", library.names())
def test_library_round_trips_through_text_dict_and_yaml(name):
    for c in (library.get(name), library.get(name, **library.with_defaults(name))):
        assert parse(str(c)) == c
        assert str(parse(str(c))) == str(c)
        assert ec.Cascade.from_dict(json.loads(json.dumps(c.to_dict()))) == c
        assert ec.Cascade.from_yaml(c.to_yaml()) == c


def test_spec_one_pass_text_parses_as_written(shared_spec):
    text = (shared_spec / "fusemax.md").read_text()
    block = text.split("1-pass (FuseMax")[1].split("```")[1]
    c = parse(block)
    assert c.inputs == ("K", "V", "Q")
    assert c.outputs == ("AV",)
    assert c.tensors["K"].ranks == ("E", "M")  # inferred from K[e, m1*M0+m0]
    assert c.tensors["RM"].ranks == ("M1", "P")
    assert parse(str(c)) == c
    assert ec.passes(c, "M") == 1


def test_equality_is_structural_and_sensitive():
    a = parse("Z[m,n] = A[m,k] * B[k,n]  reduce k with +")
    b = parse("# comment\nZ[m,n] = A[m,k]*B[k,n] reduce k with +   (a GEMM)\n")
    assert a == b and hash(a) == hash(b)
    assert a != parse("Z[m,n] = A[m,k] * B[k,n]  reduce k with max")
    assert a != parse("Z[m,n] = B[k,n] * A[m,k]  reduce k with +")


@pytest.mark.parametrize("text", [
    "m1*M0+m0", "p+r", "2*p+r-1", "m1+1", "0", "M1", "-p+3", "s*S+r", "2*m1*M0",
])
def test_index_expressions_round_trip(text):
    ix = ec.parse_index(text)
    assert ec.parse_index(str(ix)) == ix


def test_index_coefficients_under_sizes():
    coef, const = ec.parse_index("m1*M0+m0-2").coefficients({"M0": 256})
    assert coef == {"m1": 256, "m0": 1} and const == -2


@pytest.mark.parametrize("text", [
    "@1 - (@2 - @3)", "(@1 + @2) * @3", "@1 / (@2 * @3)", "max(@1, exp(@2))", "-inf",
    "neg(@1) * 2", "@1 * (-1)", "recip(sqrt(@1 / D + 1e-05))", "relu(@1 + @2) - min(@1, @2)",
    "nan",
])
def test_expressions_round_trip(text):
    text = text.replace("@1", "A[i]").replace("@2", "B[i,j]").replace("@3", "C[2*i+1]")
    e = ec.parse_expr(text)
    assert ec.parse_expr(str(e)) == e


names = st.sampled_from(["A[i]", "B[i,j]", "2", "0.5", "D", "-inf"])


@st.composite
def exprs(draw, depth=3):
    if depth == 0 or draw(st.booleans()):
        return draw(names)
    op = draw(st.sampled_from(["+", "-", "*", "/", "max", "min", "exp", "neg", "relu"]))
    a = draw(exprs(depth=depth - 1))
    if op in ("exp", "neg", "relu"):
        return f"{op}({a})"
    b = draw(exprs(depth=depth - 1))
    return f"{op}({a}, {b})" if op in ("max", "min") else f"({a}) {op} ({b})"


@settings(max_examples=60, deadline=None)
@given(exprs())
def test_random_expressions_round_trip(text):
    e = ec.parse_expr(text)
    assert ec.parse_expr(str(e)) == e


def test_declarations_sizes_and_formulas():
    c = parse("cascade chunked\nranks M=512, M0=128, M1=M/M0, N\n"
              "input A[M,N]: fp16\nB[n,m1,m0] = A[m1*M0+m0,n]\n")
    assert c.name == "chunked"
    assert c.ranks["M1"].size == 4 and str(c.ranks["M1"].formula) == "M/M0"
    assert c.tensors["A"].dtype == "fp16"
    assert c.sizes == {"M": 512, "M0": 128, "M1": 4}
    assert c.bind(M=1024).sizes["M1"] == 8
    assert parse(str(c)) == c


def test_parse_error_names_line_column_and_caret():
    text = "ranks M, K\nZ[m] = A[m,k] * * B[k]  reduce k with +\n"
    with pytest.raises(CascadeParseError) as e:
        parse(text)
    err = e.value
    assert (err.line, err.column) == (2, 17)
    lines = str(err).splitlines()
    assert lines[0].startswith("line 2, column 17:")
    assert lines[1].strip() == "Z[m] = A[m,k] * * B[k]  reduce k with +"
    assert lines[2].index("^") == lines[1].index("* B") 
    assert isinstance(err, CascadeError) and isinstance(err, ValueError)


@pytest.mark.parametrize("text, fragment, line, col", [
    ("Z[m] = A[m] $ B[m]", "unexpected character '$'", 1, 13),
    ("Z[m] = A[m*k]", "multiplies rank variables m and k", 1, 12),
    ("Z[m] = foo(A[m])", "unknown function 'foo'", 1, 8),
    ("Z[m] = A[m] + k", "can only appear inside an index", 1, 15),
    ("ranks M\n\nZ[m] = A[m,k]  reduce k with *", "reduction operator must be", 3, 30),
    ("Z[m] = A[m", "expected ']'", 1, 11),
    ("Z[m] = A[m] reduce m with +", "is an output index", 1, 1),
    ("Z[m] = A[m,k]", "declare a reduction", 1, 1),
    ("Z[m] = max(A[m])", "max takes 2 arguments", 1, 8),
    ("ranks M=0", "must be >= 1", 1, None),
    ("Z[m] = A[m] reduce k with +", "does not contain rank variable k", 1, 1),
    ("X[m] = A[m]\nY[m] = Q[m] + X[m]\nZ[m] = Y[m] * W[m]\nX[m] = Z[m]", "written by 2", 4, 1),
])
def test_parse_errors_are_specific(text, fragment, line, col):
    with pytest.raises(CascadeError) as e:
        parse(text)
    assert fragment in str(e.value)
    if isinstance(e.value, CascadeParseError):
        assert e.value.line == line
        if col is not None:
            assert e.value.column == col


def test_validation_errors_from_parse_point_at_the_einsum_line():
    text = "ranks M=4, N=8\nZ[m] = A[m]\nY[m] = B[n] * Z[m] reduce n with +\nW[n] = Y[n]\n"
    with pytest.raises(CascadeParseError) as e:
        parse(text)
    assert e.value.line == 4 and "inconsistent sizes" in str(e.value)


def test_dict_errors_are_specific():
    d = library.get("gemm").to_dict()
    with pytest.raises(CascadeError, match="unknown key"):
        ec.Cascade.from_dict({**d, "extra": 1})
    with pytest.raises(CascadeError, match="lacks key"):
        ec.Cascade.from_dict({k: v for k, v in d.items() if k != "einsums"})
    bad = json.loads(json.dumps(d))
    bad["einsums"][0]["expr"] = "A[m,k] * "
    with pytest.raises(CascadeError, match=r"einsums\[0\]"):
        ec.Cascade.from_dict(bad)
    with pytest.raises(CascadeError, match="does not parse"):
        ec.Cascade.from_yaml("a: [unclosed")
    with pytest.raises(CascadeError, match="must be a Mapping"):
        ec.Cascade.from_dict([1, 2])


def test_parse_rejects_non_text():
    with pytest.raises(CascadeError, match="takes the cascade notation as a str"):
        parse(b"Z[m] = A[m]")


def test_registered_unary_op_parses_counts_and_runs():
    import numpy as np

    ec.register_unary("tanh", np.tanh, kind="tanh")
    c = parse("ranks N=5\nY[n] = tanh(X[n])")
    x = np.linspace(-2, 2, 5)
    assert np.allclose(c.evaluate({"X": x})["Y"], np.tanh(x))
    assert c.einsums[0].op_counts(c.sizes) == {"tanh": 5}
    assert parse(str(c)) == c
    with pytest.raises(CascadeError, match="lower-case identifier"):
        ec.register_unary("Bad", np.tanh)


@st.composite
def chains(draw):
    """Random valid cascades: a chain of Einsums over ranks I, J, K with random maps and
    reductions."""
    lines = ["ranks I=2, J=3, K=4", "input X[I,J], Y[J,K]"]
    prev = "X[i,j]"
    for n in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["+", "max", "min"]))
        f = draw(st.sampled_from(["{a} * Y[j,k]", "exp({a}) - Y[j,k]", "max({a}, Y[j,k])",
                                  "relu({a} / (Y[j,k] + 2))"]))
        lines.append(f"T{n}[i,k] = {f.format(a=prev)}  reduce j with {op}")
        lines.append(f"U{n}[i,j] = T{n}[i,k] * Y[j,k]  reduce k with +")
        prev = f"U{n}[i,j]"
    return "\n".join(lines)


@settings(max_examples=25, deadline=None)
@given(chains())
def test_random_cascades_round_trip_and_run(text):
    import numpy as np

    c = parse(text)
    assert parse(str(c)) == c and ec.Cascade.from_dict(c.to_dict()) == c
    out = c.evaluate({"X": np.ones((2, 3)), "Y": np.full((3, 4), 0.5)})
    assert all(v.shape == (2, 3) for v in out.values())
