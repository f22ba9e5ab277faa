"""Every validation error: unknown tensor, inconsistent sizes, bad reductions, cycles,
read-before-write, undefined sizes, and the rest."""

import numpy as np
import pytest

import einsum_cascade as ec
from einsum_cascade import (Access, Affine, Binary, Cascade, CascadeError, Const, Einsum, Rank,
                            Tensor, library, parse)


def _z(expr, reductions=None, out="Z", idx=("m",)):
    return Einsum(out, tuple(Affine.var(v) for v in idx), expr, reductions or {})


def _a(t, *vs):
    return Access(t, tuple(Affine.var(v) for v in vs))


def test_unknown_tensor():
    e = _z(_a("A", "m"))
    with pytest.raises(CascadeError, match="reads unknown tensor A"):
        Cascade((e,), {"Z": Tensor("Z", ("M",))}, {"M": Rank("M")}, (), ("Z",))


def test_unknown_tensor_in_inputs_and_undeclared_rank():
    with pytest.raises(CascadeError, match="unknown tensor Q declared as an input"):
        Cascade((_z(_a("A", "m")),), {"Z": Tensor("Z", ("M",)), "A": Tensor("A", ("M",))},
                {"M": Rank("M")}, ("A", "Q"), ("Z",))
    with pytest.raises(CascadeError, match="undeclared rank N"):
        Cascade((_z(_a("A", "m")),), {"Z": Tensor("Z", ("M",)), "A": Tensor("A", ("N",))},
                {"M": Rank("M")}, ("A",), ("Z",))


def test_rank_used_with_inconsistent_sizes():
    text = "ranks M=4, K=3, N=5\ninput A[M,K], B[N,N]\nZ[m,n] = A[m,k] * B[k,n]  reduce k with +"
    with pytest.raises(CascadeError, match=r"inconsistent sizes.*variable k ranges over K=3"):
        parse(text)
    c = library.get("gemm", M=4, N=5, K=3)
    with pytest.raises(CascadeError, match="input B has length 4 along dimension 0"):
        c.evaluate({"A": np.zeros((4, 3)), "B": np.zeros((4, 5))})
    with pytest.raises(CascadeError, match="inconsistent sizes"):
        library.get("attention-1pass", M=512, M0=256).bind(M1=4)


def test_reduction_over_a_rank_the_expression_lacks():
    with pytest.raises(CascadeError, match="does not contain rank variable k"):
        _z(_a("A", "m"), {"k": "+"})
    with pytest.raises(CascadeError, match="must be one of"):
        _z(_a("A", "m", "k"), {"k": "*"})
    with pytest.raises(CascadeError, match="declare a reduction"):
        _z(_a("A", "m", "k"))


def test_cycle():
    with pytest.raises(CascadeError, match=r"cycle: X -> Y -> X"):
        parse("X[m] = Y[m] + A[m]\nY[m] = X[m] * 2\nZ[m] = Y[m]")
    with pytest.raises(CascadeError, match="cycle"):
        parse("X[m] = X[m] + A[m]")


def test_read_before_written():
    with pytest.raises(CascadeError, match="reads tensor Y before it is written"):
        parse("ranks M\ninput A[M]\ntensor Y[M]\nZ[m] = Y[m] + A[m]\nY[m] = A[m] * 2")


def test_iterative_rank_needs_initial_value_and_ordering():
    with pytest.raises(CascadeError, match="has no initial value"):
        parse("ranks T, P\ntensor R[T,P]\nR[t+1,p] = R[t,p] + X[t,p]\nZ[p] = R[T,p]")
    with pytest.raises(CascadeError, match="reads .* a later iteration"):
        parse("ranks T, P\ntensor R[T,P]\nR[0,p] = 0\nR[t+1,p] = R[t+2,p] + X[t,p]\n"
              "Z[p] = R[T,p]")


def test_undefined_sizes_at_instantiation():
    c = library.get("gemm")
    with pytest.raises(CascadeError, match="size of rank M is undefined"):
        ec.analyze(c)
    with pytest.raises(CascadeError, match="size of rank .* is undefined"):
        c.shape("Z")
    c1 = library.get("attention-1pass")  # M0 unbound: not in any input shape
    q = np.zeros((1, 1, 4, 2))
    with pytest.raises(CascadeError, match="size of rank M1 = M/M0 is undefined .*M0 unbound"):
        c1.evaluate({"Q": q, "K": np.zeros((1, 1, 8, 2)), "V": np.zeros((1, 1, 8, 2))})
    with pytest.raises(CascadeError, match="cannot bind size of unknown rank"):
        c.bind(Q=3)


def test_size_formula_errors():
    with pytest.raises(CascadeError, match="must divide M=500"):
        library.get("attention-1pass", M=500)
    c = library.get("attention-1pass", M=512)
    with pytest.raises(CascadeError, match=r"M = 500 is not divisible by M0 = 256"):
        c.bind(M=500)
    with pytest.raises(CascadeError, match="cycle"):
        parse("ranks A=B+1, B=A*2\nZ[a] = X[a]")
    with pytest.raises(CascadeError, match="must be >= 1"):
        library.get("conv2d", H=2, R=3)


def test_tensor_structure_errors():
    with pytest.raises(CascadeError, match="has 3 indices; tensor A\\[M,K\\] has 2"):
        parse("ranks M, K\ninput A[M,K]\nZ[m] = A[m,k,k] reduce k with +")
    with pytest.raises(CascadeError, match="uses rank variable m twice"):
        parse("Z[m,m] = A[m]")
    with pytest.raises(CascadeError, match="must be a rank variable plus an integer"):
        parse("Z[2*m] = A[m]")
    with pytest.raises(CascadeError, match="inputs are read only"):
        parse("input A[M]\nA[m] = B[m]\nZ[m] = A[m]")
    with pytest.raises(CascadeError, match="declared but neither read nor written"):
        parse("tensor U[M]\nZ[m] = A[m]")
    with pytest.raises(CascadeError, match="output tensor Q is never written"):
        parse("output Q\nZ[m] = A[m]")
    with pytest.raises(CascadeError, match="cannot infer the ranks of input A"):
        parse("Z[p] = A[p+r] reduce r with +")
    with pytest.raises(CascadeError, match="cannot infer the ranks of tensor R"):
        parse("R[0] = 0\nZ[p] = R[0] + A[p]")


def test_evaluate_input_errors():
    c = library.get("gemm", M=2, N=2, K=2)
    with pytest.raises(CascadeError, match="missing input tensor"):
        c.evaluate({"A": np.zeros((2, 2))})
    with pytest.raises(CascadeError, match="unknown input tensor"):
        c.evaluate({"A": np.zeros((2, 2)), "B": np.zeros((2, 2)), "C": 1})
    with pytest.raises(CascadeError, match="must have 2 dimensions"):
        c.evaluate({"A": np.zeros(2), "B": np.zeros((2, 2))})
    with pytest.raises(CascadeError, match="numeric array"):
        c.evaluate({"A": [["a", "b"], ["c", "d"]], "B": np.zeros((2, 2))})


def test_library_errors_list_valid_names():
    with pytest.raises(CascadeError, match="library cascades: gemm, batched-gemm"):
        library.get("nope")
    with pytest.raises(CascadeError, match="unknown rank\\(s\\) Q for cascade gemm; ranks: M, N, K"):
        library.get("gemm", Q=3)
    with pytest.raises(CascadeError, match="unknown option"):
        library.get("gemm", stride=2)
    with pytest.raises(CascadeError, match="attention form"):
        library.get("mha", form="4pass")
    with pytest.raises(CascadeError, match="stride of conv2d"):
        library.get("conv2d", stride=0)
    with pytest.raises(CascadeError, match="activation must be"):
        library.get("dense", activation="gelu2")


def test_immutability():
    c = library.get("gemm")
    with pytest.raises(AttributeError):
        c.einsums = ()
    with pytest.raises(TypeError):
        c.ranks["M"] = Rank("M", 3)
    with pytest.raises(AttributeError):
        c.einsums[0].output = "Q"
    with pytest.raises(AttributeError):
        Const(1.0).value = 2.0
    assert isinstance(Binary("*", Const(2), Const(3)), Binary)


def test_sizes_from_input_shapes_are_validated():
    c = parse("input A[M,K], B[N,N]\nZ[m,n] = A[m,k] * B[k,n]  reduce k with +")
    with pytest.raises(CascadeError, match="inconsistent sizes"):
        c.evaluate({"A": np.zeros((4, 3)), "B": np.zeros((5, 5))})
    with pytest.raises(CascadeError, match="inconsistent sizes"):
        ec.analyze(c, {"M": 4, "K": 3, "N": 5})


def test_dict_validation_errors_name_the_einsum():
    d = library.get("attention-3pass").to_dict()
    d["einsums"][1], d["einsums"][2] = d["einsums"][2], d["einsums"][1]  # SN before GM
    with pytest.raises(CascadeError, match=r"einsums\[1\]: .*reads tensor GM before"):
        Cascade.from_dict(d)
