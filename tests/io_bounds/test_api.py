import json

import pytest

import einsum_cascade as ec
import io_bounds as iob
from io_bounds import BoundError
from io_bounds.units import parse_buffer, parse_size


def test_lower_bound_of_library_gemm_is_smith():
    b = iob.lower_bound("gemm", dict(M=1024, N=1024, K=1024), 65536)
    assert b.words == iob.matmul(1024, 1024, 1024, 65536).words
    assert b.method == "smith-matmul" and b.rigorous
    methods = {r["method"] for r in b.breakdown}
    assert {"compulsory", "hbl", "smith-matmul"} <= methods
    assert b.breakdown_frame().shape[0] == len(b.breakdown)


def test_lower_bound_accepts_cascade_objects_and_files(tmp_path):
    c = ec.library.get("gemm", M=64, N=32, K=16)
    a = iob.lower_bound(c, None, 64)
    f = tmp_path / "g.ec"
    f.write_text(str(ec.library.get("gemm")))
    b = iob.lower_bound(str(f), dict(M=64, N=32, K=16), 64)
    assert a.words == b.words == iob.matmul(64, 32, 16, 64).words


def test_conv2d_uses_hbl_without_special_case():
    # S = 8: the loop-bounded LP gives s = (1/2, 1/2, 1/2), t_R = t_S = 1/2, i.e. at most
    # (2S)^{3/2} (RS)^{1/2} = 16^{1.5} * 3 = 192 iterations per segment of 8 transfers
    b = iob.conv2d(N=1, C=16, H=34, W=34, K=16, R=3, S=3, fast_memory_words=8)
    assert b.details["iterations_per_segment"] == pytest.approx(192)
    assert b.words == pytest.approx(8 * (16 * 16 * 32 * 32 * 9 / 192 - 1))
    hbl_rows = [r for r in b.breakdown if r["method"] == "hbl"]
    assert len(hbl_rows) == 1 and hbl_rows[0]["applies"]
    assert b.method == "hbl" and b.words > b.compulsory_words  # small buffer: HBL term wins
    # compulsory: I (16*34*34) + F (16*16*9) + O (16*32*32)
    assert b.compulsory_words == 16 * 34 * 34 + 16 * 16 * 9 + 16 * 32 * 32


def test_conv2d_padding_is_not_compulsory_traffic():
    b = iob.conv2d(N=1, C=2, H=8, W=8, K=2, R=3, S=3, fast_memory_words=32, padding=1)
    assert b.compulsory_words == 2 * 8 * 8 + 2 * 2 * 9 + 2 * 8 * 8


def test_strided_conv_counts_only_touched_inputs():
    # stride 2 with a 1x1 filter reads every other row and column of I: 4x4 of 8x8
    b = iob.conv2d(N=1, C=1, H=8, W=8, K=1, R=1, S=1, fast_memory_words=8, stride=2)
    assert b.details["compulsory_by_tensor"]["I"] == 16


def test_attention_headline_is_the_saha_ye_shape_and_says_so():
    sizes = dict(B=2, H=2, P=512, M=512, E=32, F=32)
    b = iob.lower_bound("attention-1pass", sizes, 256)
    assert b.method == "saha-ye-attention" and not b.rigorous
    one = iob.attention(512, 32, 256)
    assert b.words == pytest.approx(4 * one.words)
    hbl = [r for r in b.breakdown if r["method"] == "hbl"]
    assert hbl and not any(r["applies"] for r in hbl)  # intermediates: not cascade bounds


def test_pass_bound_of_three_pass_attention():
    # 3 passes over M; fibers = B*H*P; with S < M each boundary costs 2 (M - S) per fiber:
    # Q >= 4*P*E (compulsory) + (3 - 1) * B*H*P * 2 * (M - S)
    B, H, P, M, E, S = 1, 2, 64, 256, 16, 100
    b = iob.lower_bound("attention-3pass", dict(B=B, H=H, P=P, M=M, E=E, F=E), S,
                        methods=["passes"])
    expect = B * H * (P * E + 2 * M * E + P * E) + 2 * B * H * P * 2 * (M - S)
    assert b.words == expect and b.method == "passes" and b.rigorous
    one = iob.lower_bound("attention-1pass", dict(B=B, H=H, P=P, M=M, E=E, F=E), S,
                          methods=["passes"])
    assert one.method == "compulsory"  # no pass bound for the 1-pass form


def test_unknown_names_and_missing_sizes_are_clear_errors():
    with pytest.raises(BoundError, match="library cascade"):
        iob.lower_bound("no-such-cascade", {}, 100)
    with pytest.raises(BoundError, match="needs sizes for rank"):
        iob.lower_bound("gemm", dict(M=4), 100)
    with pytest.raises(BoundError, match="valid: compulsory"):
        iob.lower_bound("gemm", dict(M=4, N=4, K=4), 100, methods=["magic"])
    with pytest.raises(BoundError, match="at least one element"):
        iob.lower_bound("gemm", dict(M=4, N=4, K=4), 0)
    with pytest.raises(BoundError, match="positive integer"):
        iob.lower_bound("gemm", dict(M=4, N=0, K=4), 100)


def test_lower_bound_to_json():
    b = iob.lower_bound("gemm", dict(M=8, N=8, K=8), 16)
    json.dumps(b.to_dict())


@pytest.mark.parametrize("text,words", [("4096", 4096), ("64KiB", 32768), ("1kB", 500),
                                        ("2w", 2), ("1MiB", 524288), ("3B", 1)])
def test_parse_buffer(text, words):
    assert parse_buffer(text, 2) == words


@pytest.mark.parametrize("text", ["1B", "0", "-5", "abc", "4 parsecs", "1.5"])
def test_parse_buffer_rejects(text):
    with pytest.raises(BoundError):
        parse_buffer(text, 2)


def test_parse_size():
    assert parse_size("M=1024") == ("M", 1024)
    for bad in ("M", "M=0", "M=x", "=3", "M=1.5"):
        with pytest.raises(BoundError):
            parse_size(bad)


def test_import_is_light():
    import subprocess
    import sys

    code = ("import sys, io_bounds; "
            "print(any(m in sys.modules for m in ('numpy', 'pandas', 'scipy', 'torch', 'dse')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
    # and using it never pulls in torch or dse (the arrows point the other way)
    code = ("import sys, io_bounds as iob; iob.lower_bound('attention-1pass', dict(B=1, H=1, "
            "P=16, M=16, E=4, F=4), 64); iob.attainable('gemm', dict(M=8, N=8, K=8)); "
            "print(sorted(m for m in ('torch', 'dse', 'surrogates', 'fpga') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_unsupported_index_patterns_are_reported_not_miscounted():
    # X[n,n] reads only the diagonal: 8 of 64 words are compulsory; no nest can hold it, so
    # the HBL row says why and attainable refuses with a clear error
    c = ec.parse("cascade diag\nranks N, M\ninput X[N,N], Y[N,M]\noutput Z\n"
                 "Z[n,m] = X[n,n] * Y[n,m]\n")
    b = iob.lower_bound(c, dict(N=8, M=4), 16)
    assert b.details["compulsory_by_tensor"] == {"X": 8, "Y": 32, "Z": 32}
    assert any(r["regime"] == "not analysed" and "two index" in r["note"] for r in b.breakdown)
    with pytest.raises(BoundError, match="cannot model every Einsum"):
        iob.attainable(c, dict(N=8, M=4))


def test_constant_fill_einsums_count_their_writes():
    c = ec.parse("cascade fill\nranks N\ninput X[N]\noutput Y, Z\nY[n] = X[n] * 2\nZ[n] = 3\n")
    df = iob.attainable(c, dict(N=8))
    assert df["traffic_words"].iat[-1] == 8 + 8 + 8  # read X, write Y, write Z
