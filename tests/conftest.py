"""Shared test fixtures.

Tests that need the workplace's shared material (``../shared`` beside the project, or the
folder named by ``FUSEBOUND_SHARED``) skip with a clear message when it is absent, except
under ``CI=true``, where its absence is a failure.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def shared_root() -> Path:
    return Path(os.environ.get("FUSEBOUND_SHARED", REPO.parent / "shared"))


def require_shared(relative: str) -> Path:
    """Return ``shared/<relative>``; skip (or fail under CI=true) when it is missing."""
    path = shared_root() / relative
    if path.exists():
        return path
    msg = (f"shared material {path} is absent; set FUSEBOUND_SHARED to the folder that holds "
           f"'{relative}'")
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(msg + " (CI=true: tests that need it must run)")
    pytest.skip(msg)


@pytest.fixture
def shared_spec() -> Path:
    """The reference-facts folder ``shared/spec``."""
    return require_shared("spec")


@pytest.fixture
def hls4ml_data() -> Path:
    """The real hls4ml synthesis data ``shared/data/hls4ml`` (read-only)."""
    return require_shared("data/hls4ml")
