"""Executors for sweeps: run one function over many independent points.

A registry of executors with one call signature (:func:`get_executor`)::

    executor.map(fn, items) -> list      # results in the order of items

* ``serial``: in this process (debugging, tiny sweeps).
* ``local`` (default): a process pool over this machine's cores (``workers``, default all).
* ``ray``: tasks on a Ray cluster (``pip install 'fusebound[distributed]'``); ``address``
  is passed to ``ray.init`` (``None``: start or join a local instance, ``"auto"``, ``"host:port"``
  or ``"ray://host:port"``). An address that does not answer raises :class:`DSEError` within a
  few seconds instead of hanging. No cluster code of our own: Ray schedules the tasks.

``fn`` and ``items`` must be picklable (module-level functions, plain data).
"""

from __future__ import annotations

import os
import socket
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Sequence

from dse.errors import DSEError


@dataclass
class SerialExecutor:
    """Runs every item in this process."""

    name: str = "serial"

    def map(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> list[Any]:
        return [fn(x) for x in items]


@dataclass
class LocalExecutor:
    """A process pool over ``workers`` processes (default: every core of this machine)."""

    workers: int | None = None
    name: str = "local"

    def map(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> list[Any]:
        items = list(items)
        # `is None`, not `or`: --workers 0 used to mean "every core"
        workers = self.workers if self.workers is not None else (os.cpu_count() or 1)
        if workers < 1:
            raise DSEError(f"workers of the local executor must be >= 1; got {workers}")
        if len(items) <= 1 or workers == 1:
            return [fn(x) for x in items]
        with ProcessPoolExecutor(max_workers=min(workers, len(items))) as pool:
            return list(pool.map(fn, items))


def _probe(address: str, timeout_s: float = 3.0) -> None:
    """Raise :class:`DSEError` when ``host:port`` of a Ray address does not accept TCP."""
    if address in ("auto", "local"):
        return
    hostport = address.split("://", 1)[-1].rstrip("/")
    host, _, port = hostport.rpartition(":")
    if not host or not port.isdigit():
        raise DSEError(f"Ray address must look like 'host:port', 'ray://host:port' or 'auto'; "
                       f"got {address!r}")
    try:
        with socket.create_connection((host, int(port)), timeout=timeout_s):
            pass
    except OSError as e:
        raise DSEError(f"Ray cluster at {address!r} is unreachable ({e}); start one with "
                       f"'ray start --head' or pass --address of a running cluster") from e


@dataclass
class RayExecutor:
    """Ray tasks, one per item (results identical to the local executor)."""

    address: str | None = None
    name: str = "ray"

    def _ensure(self):
        try:
            import ray
        except ImportError as e:
            raise DSEError("executor 'ray' needs Ray: pip install 'fusebound[distributed]' "
                           "(or pip install ray)") from e
        if not ray.is_initialized():
            if self.address is not None:
                _probe(self.address)
            try:
                ray.init(address=self.address, ignore_reinit_error=True,
                         include_dashboard=False, log_to_driver=False)
            except (ConnectionError, RuntimeError, ValueError) as e:
                raise DSEError(f"could not connect to Ray at {self.address!r}: {e}") from e
        return ray

    def map(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> list[Any]:
        ray = self._ensure()
        remote = ray.remote(_call)
        fn_ref = ray.put(fn)
        return ray.get([remote.remote(fn_ref, x) for x in items])


def _call(fn: Callable[[Any], Any], x: Any) -> Any:
    """Ray task body: ``fn(x)`` (``fn`` travels by value, so builtins and bound methods work)."""
    return fn(x)


EXECUTORS: dict[str, Callable[..., Any]] = {
    "serial": SerialExecutor,
    "local": LocalExecutor,
    "ray": RayExecutor,
}


def get_executor(name: str = "local", *, address: str | None = None,
                 workers: int | None = None):
    """The executor called ``name`` (``serial``, ``local``, ``ray``)."""
    if name not in EXECUTORS:
        raise DSEError(f"executor must be one of {sorted(EXECUTORS)}; got {name!r}")
    if address is not None and name != "ray":
        raise DSEError(f"address is only meaningful for the 'ray' executor; got executor "
                       f"{name!r} with address {address!r}")
    if name == "ray":
        return RayExecutor(address=address)
    if name == "local":
        return LocalExecutor(workers=workers)
    return SerialExecutor()


def run_all(fn: Callable[[Any], Any], items: Sequence[Any], executor: Any = "local",
            **kwargs: Any) -> list[Any]:
    """``get_executor(executor).map(fn, items)``; ``executor`` may be a name or an object."""
    ex = get_executor(executor, **kwargs) if isinstance(executor, str) else executor
    return ex.map(fn, items)
