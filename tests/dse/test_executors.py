"""Sweep executors: serial, local process pool and Ray give identical results."""

from __future__ import annotations

import pytest

from dse.errors import DSEError
from dse.executors import get_executor, run_all


from math import factorial as square_plus  # importable by process-pool and Ray workers


ITEMS = list(range(7))


def test_local_matches_serial():
    assert run_all(square_plus, ITEMS, "local", workers=2) == run_all(square_plus, ITEMS, "serial")


def test_unknown_executor_lists_valid_names():
    with pytest.raises(DSEError, match="local.*ray.*serial"):
        get_executor("dask")


def test_address_only_for_ray():
    with pytest.raises(DSEError, match="only meaningful"):
        get_executor("local", address="127.0.0.1:6379")


def test_unreachable_ray_address_is_a_clear_error():
    pytest.importorskip("ray", reason="Ray is not installed: pip install 'fusebound[distributed]'")
    import ray

    if ray.is_initialized():
        pytest.skip("a Ray instance is already running in this process")
    with pytest.raises(DSEError, match="unreachable"):
        run_all(square_plus, ITEMS, "ray", address="ray://127.0.0.1:9")
    with pytest.raises(DSEError, match="host:port"):
        run_all(square_plus, ITEMS, "ray", address="nonsense")
