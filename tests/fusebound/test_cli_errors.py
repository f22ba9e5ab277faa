"""How the CLI reports failures that are the input's fault."""

from fusebound.cli import main


def test_memory_error_is_a_user_error(capsys, monkeypatch):
    # sizes too large to allocate (``cascade run gemm --size M=100000 ...``) used to end in
    # "internal error: MemoryError" with exit 1
    import einsum_cascade.reference as ref

    def too_big(*a, **k):
        raise MemoryError("Unable to allocate 74.5 GiB for an array with shape (100000, 100000)")

    monkeypatch.setattr(ref, "run_random", too_big)
    assert main(["cascade", "run", "gemm"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: out of memory") and "74.5 GiB" in err
