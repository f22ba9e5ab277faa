"""Manifest of the surrogate data sources with SHA-256 checksums.

``python -m surrogates.manifest write [--root DIR]`` records every file of the sources under
the hls4ml data root into ``datasets/surrogates/MANIFEST.json``;
``python -m surrogates.manifest check [--root DIR]`` verifies them. The data itself is never
copied into the repository.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

from .data import SOURCES, data_root
from .errors import SurrogateError

MANIFEST = Path(__file__).resolve().parents[1] / "datasets" / "surrogates" / "MANIFEST.json"
_FOLDERS = {"wa-hls4ml": "wa_hls4ml/fixtures", "wa-hls4ml-csv": "wa_hls4ml/csv_exports",
            "ntorc": "ntorc"}


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def build(root) -> dict:
    root = Path(root)
    out = {"root_layout": "shared/data/hls4ml", "sources": {}}
    for name, folder in _FOLDERS.items():
        files = sorted(p for p in (root / folder).rglob("*") if p.is_file())
        out["sources"][name] = {"folder": folder, "card": f"{name}.md",
                                "files": [{"path": str(p.relative_to(root)),
                                           "bytes": p.stat().st_size, "sha256": sha256(p)}
                                          for p in files]}
    return out


def check(root, manifest: Path = MANIFEST) -> list[str]:
    """Problems found (missing files, size or checksum mismatches); empty when all match."""
    root = Path(root)
    m = json.loads(Path(manifest).read_text())
    problems = []
    for name, src in m["sources"].items():
        for f in src["files"]:
            p = root / f["path"]
            if not p.is_file():
                problems.append(f"{name}: missing {f['path']}")
            elif p.stat().st_size != f["bytes"] or sha256(p) != f["sha256"]:
                problems.append(f"{name}: checksum mismatch {f['path']}")
    return problems


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="write or check the surrogate data manifest")
    ap.add_argument("action", choices=["write", "check"])
    ap.add_argument("--root")
    args = ap.parse_args(argv)
    root = data_root(args.root)
    if args.action == "write":
        MANIFEST.parent.mkdir(parents=True, exist_ok=True)
        MANIFEST.write_text(json.dumps(build(root), indent=1) + "\n")
        print(f"wrote {MANIFEST}")
        return 0
    problems = check(root)
    print("\n".join(problems) or "all files match the manifest")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())


__all__ = ["build", "check", "sha256", "SOURCES", "SurrogateError"]
