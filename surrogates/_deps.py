"""Lazy imports of the heavy learning stack with an install hint when it is missing."""

from __future__ import annotations

import importlib
from types import ModuleType

_HINTS = {
    "torch": "pip install torch==2.13.0 (CPU build; see the README)",
    "torch_geometric": "pip install torch-geometric",
    "lightning": "pip install lightning",
    "huggingface_hub": 'pip install "fusebound[download]"',
    "sklearn": "pip install scikit-learn",
    "h5py": "pip install h5py",
}


def require(module: str) -> ModuleType:
    """Import ``module`` or raise ``ImportError`` naming the package and how to install it."""
    try:
        return importlib.import_module(module)
    except ImportError as e:
        top = module.split(".")[0]
        hint = _HINTS.get(top, f"pip install {top}")
        raise ImportError(f"surrogates needs the optional package '{top}' for this; "
                          f"install it with: {hint}") from e
