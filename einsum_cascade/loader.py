"""``load(name_or_file, sizes)``: a library cascade by name, or a cascade file.

Files: ``.json`` and ``.yaml``/``.yml`` hold :meth:`Cascade.to_dict` dicts; anything else is
read as notation (``.ec`` by convention).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Mapping

from .errors import CascadeError


def load(source: str, sizes: Mapping[str, int] | None = None, *, defaults: bool = False):
    """The cascade named ``source`` (library) or stored in file ``source``, with ``sizes``
    bound. ``defaults=True`` fills unbound ranks of a library cascade with its small
    default sizes."""
    from . import library
    from .model import Cascade
    from .parser import parse

    sizes = dict(sizes or {})
    if source in library.names():
        if defaults:
            sizes = library.with_defaults(source, sizes)
        return library.get(source, **sizes)
    path = Path(source)
    if not path.is_file():
        raise CascadeError(f"{source!r} is neither a library cascade ({', '.join(library.names())}) "
                           f"nor a readable file")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise CascadeError(f"cascade file {source} is not UTF-8 text: {e}") from e
    suffix = path.suffix.lower()
    if suffix == ".json":
        try:
            c = Cascade.from_dict(json.loads(text))
        except json.JSONDecodeError as e:
            raise CascadeError(f"{source}: not valid JSON: {e}") from e
    elif suffix in (".yaml", ".yml"):
        c = Cascade.from_yaml(text)
    else:
        c = parse(text)
    return c.bind(**sizes) if sizes else c
