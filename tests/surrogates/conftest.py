"""Fixtures of the surrogates tests: small real datasets, loaded once per session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def hls_root():
    """shared/data/hls4ml (same rule as tests/conftest.py: skip when absent, fail under CI)."""
    root = Path(os.environ.get("FUSEBOUND_SHARED", REPO.parent / "shared")) / "data/hls4ml"
    if root.exists():
        return root
    msg = f"shared material {root} is absent; set FUSEBOUND_SHARED"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(msg + " (CI=true: tests that need it must run)")
    pytest.skip(msg)


@pytest.fixture(scope="session")
def csv_small(hls_root):
    """The first 1,200 designs of the wa-hls4ml 3-layer CSV export (real C-synthesis labels)."""
    from surrogates.data import load_dataset
    return load_dataset("wa-hls4ml-csv", hls_root / "wa_hls4ml/csv_exports", limit=1200)


@pytest.fixture(scope="session")
def fixtures_post(hls_root):
    """All 13 wa-hls4ml fixture records with post-synthesis resource labels."""
    from surrogates.data import load_dataset
    return load_dataset("wa-hls4ml", hls_root / "wa_hls4ml/fixtures",
                        label_source="post_synthesis")
