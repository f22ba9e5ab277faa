"""The resumable job runner: synthesize designs ``0..n-1`` of a space into a dataset folder.

* resumable: designs whose ``design_id`` is already recorded (ok or failed) are skipped, so a
  killed run continues where it stopped (``retry_failed=True`` retries the failures);
* parallel: ``jobs`` long-lived worker processes (``executor="local"``) or Ray tasks
  (``executor="ray"``, ``pip install 'fusebound[distributed]'``);
* per-design timeout: Yosys is killed at the deadline and a ``SIGALRM`` guard stops tracing;
  a worker that dies (out of memory) costs only the designs it held, recorded as failures;
* every finished design - ok or failed, with its reason - is appended to the journal at once;
* progress bar (tqdm, stderr) with designs/hour.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

from fpga.openflow import store
from fpga.openflow.errors import OpenFlowError
from fpga.openflow.network import NetworkSpec
from fpga.openflow.space import DesignSpace

EXECUTORS = ("local", "ray")


@dataclass(frozen=True)
class GenerateSummary:
    """What one runner invocation did (counts of designs; ``wall_s`` in seconds)."""

    out: str
    space: str
    n_requested: int
    n_skipped: int
    n_attempted: int
    n_ok: int
    n_failed: int
    n_total_ok: int
    n_total_failed: int
    wall_s: float
    designs_per_hour: float
    jobs: int
    executor: str
    interrupted: bool

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


class _Alarm(Exception):
    pass


def _on_alarm(signum, frame):  # pragma: no cover - exercised in worker processes
    raise _Alarm("design exceeded its timeout")


def _on_term(signum, frame):  # pragma: no cover - exercised in worker processes
    raise SystemExit(143)


def run_one(spec_dict: dict[str, Any], extra: dict[str, Any], family: str, timeout_s: float,
            workdir: str | None, versions: dict[str, str] | None, keep_work: bool = False) -> dict[str, Any]:
    """Worker entry point: one design -> one record (never raises for a flow failure)."""
    from fpga.openflow.flow import synthesize_design

    spec = NetworkSpec.from_dict(spec_dict)
    import threading

    use_alarm = hasattr(signal, "SIGALRM") and threading.current_thread() is threading.main_thread()
    if use_alarm:
        # SIGTERM (runner interrupted) -> SystemExit, so subprocess.run kills yosys on the way out
        signal.signal(signal.SIGTERM, _on_term)
        old = signal.signal(signal.SIGALRM, _on_alarm)
        signal.alarm(int(timeout_s) + 30)  # Yosys has its own deadline; this guards tracing
    try:
        return synthesize_design(spec, family=family, timeout_s=timeout_s, workdir=workdir,
                                 keep_work=keep_work, extra=extra, versions=versions)
    finally:
        if use_alarm:
            signal.alarm(0)
            signal.signal(signal.SIGALRM, old)


def _check_space(out: Path, space: DesignSpace) -> None:
    path = out / store.SPACE
    if path.exists():
        from fpga.openflow.space import load_space

        old = load_space(path)
        if old.to_dict() != space.to_dict():
            raise OpenFlowError(f"{out} was generated from a different design space ({old.name!r}, "
                                f"see {path}); use another --out folder or the same space file")
    else:
        path.write_text(space.to_yaml())


class _Local:
    def __init__(self, jobs: int):
        import multiprocessing as mp

        self.jobs = jobs
        self._ctx = mp.get_context("spawn")
        self.pool = ProcessPoolExecutor(max_workers=jobs, mp_context=self._ctx)

    def submit(self, *args):
        return self.pool.submit(run_one, *args)

    def wait(self, futures):
        done, _ = wait(futures, return_when=FIRST_COMPLETED)
        return done

    @staticmethod
    def result(fut):
        return fut.result()

    def restart(self):
        self.pool.shutdown(wait=False, cancel_futures=True)
        self.pool = ProcessPoolExecutor(max_workers=self.jobs, mp_context=self._ctx)

    def close(self, kill: bool = False):
        procs = list(getattr(self.pool, "_processes", {}).values()) if kill else []
        self.pool.shutdown(wait=not kill, cancel_futures=True)
        for p in procs:  # interrupted: stop workers (and their yosys) instead of finishing
            try:
                p.terminate()
            except Exception:  # noqa: BLE001 - already gone
                pass


class _Ray:  # pragma: no cover - needs the optional ray package
    def __init__(self, jobs: int):
        try:
            import ray
        except ImportError as e:
            raise OpenFlowError("executor 'ray' needs ray: pip install 'fusebound[distributed]'") from e
        self.ray = ray
        if not ray.is_initialized():
            ray.init(num_cpus=jobs, include_dashboard=False, log_to_driver=False)
        self.fn = ray.remote(num_cpus=1)(run_one)

    def submit(self, *args):
        return self.fn.remote(*args)

    def wait(self, futures):
        done, _ = self.ray.wait(list(futures), num_returns=1)
        return done

    def result(self, fut):
        return self.ray.get(fut)

    def restart(self):
        pass

    def close(self, kill: bool = False):
        pass


def generate(space: DesignSpace, n: int, out: str | Path, *, jobs: int = 1, executor: str = "local",
             timeout_s: float | None = None, shard_size: int = 50, retry_failed: bool = False,
             progress: bool = True, keep_work: bool = False, command: str | None = None,
             on_record: Callable[[dict[str, Any]], None] | None = None) -> GenerateSummary:
    """Synthesize designs ``0..n-1`` of ``space`` into dataset folder ``out`` (resumable).

    Returns a :class:`GenerateSummary`; designs/hour counts every attempted design (ok or
    failed) over this invocation's wall time.
    """
    if not isinstance(space, DesignSpace):
        raise OpenFlowError(f"space must be a DesignSpace; got {type(space).__name__}")
    if int(n) < 1:
        raise OpenFlowError(f"n (number of designs) must be >= 1; got {n}")
    if int(jobs) < 1:
        raise OpenFlowError(f"jobs must be >= 1; got {jobs}")
    if executor not in EXECUTORS:
        raise OpenFlowError(f"executor must be one of {', '.join(EXECUTORS)}; got {executor!r}")
    if int(shard_size) < 1:
        raise OpenFlowError(f"shard_size must be >= 1; got {shard_size}")
    from fpga.openflow.flow import _versions

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    _check_space(out, space)
    timeout = float(timeout_s if timeout_s is not None else space.timeout_s)
    work = out / "work"
    work.mkdir(exist_ok=True)
    if not (work / ".gitignore").exists():
        (work / ".gitignore").write_text("*\n")
    # a journal left by a killed run is compacted first, so shards stay the only bulk storage
    if len(store.read_journal(out)) >= shard_size:
        store.flush_shard(out)
    done = store.finished_ids(out, include_failed=not retry_failed)
    todo: list[tuple[int, NetworkSpec]] = []
    for i in range(int(n)):
        spec = space.spec(i)
        if spec.design_id() not in done:
            todo.append((i, spec))
    versions = _versions()
    started = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    run_id = f"{started}-{os.getpid()}"

    def log_run(event: str, **fields: Any) -> None:
        """Append a line to runs.jsonl: ``start``, ``checkpoint`` (each shard) or ``end``.

        A run killed without warning still leaves its last checkpoint (readers take the last
        line of each ``run_id``)."""
        el = time.perf_counter() - t0
        att = n_ok + n_failed
        line = {"run_id": run_id, "event": event, "started_utc": started,
                "time_utc": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "command": command, "cpu_count": os.cpu_count(), "space": space.name,
                "jobs": int(jobs), "executor": executor, "n_requested": int(n),
                "n_skipped": int(n) - len(todo), "n_attempted": att, "n_ok": n_ok,
                "n_failed": n_failed, "wall_s": round(el, 2),
                "designs_per_hour": round(3600 * att / el, 1) if el > 0 and att else 0.0,
                **versions, **fields}
        with open(out / store.RUNS, "a", encoding="utf-8") as f:
            f.write(json.dumps(line, sort_keys=True) + "\n")
        last_log[0] = time.perf_counter()

    t0 = time.perf_counter()
    last_log = [t0]
    n_ok = n_failed = 0
    interrupted = False
    pending_since_flush = len(store.read_journal(out))
    log_run("start")

    def record(rec: dict[str, Any]) -> None:
        nonlocal n_ok, n_failed, pending_since_flush
        store.append_journal(out, rec)
        if rec.get("status") == "ok":
            n_ok += 1
        else:
            n_failed += 1
        pending_since_flush += 1
        if pending_since_flush >= shard_size:
            store.flush_shard(out)
            pending_since_flush = 0
            log_run("checkpoint")
        elif time.perf_counter() - last_log[0] > 600:
            log_run("checkpoint")
        if on_record is not None:
            on_record(rec)

    bar = None
    if progress and todo:
        from tqdm import tqdm

        bar = tqdm(total=len(todo), desc=f"synth {space.name}", unit="design", file=sys.stderr,
                   dynamic_ncols=True)

    def tick() -> None:
        if bar is not None:
            el = max(time.perf_counter() - t0, 1e-9)
            bar.set_postfix(ok=n_ok, failed=n_failed, per_hour=f"{3600 * (n_ok + n_failed) / el:.0f}")
            bar.update(1)

    ex = (_Local if executor == "local" else _Ray)(int(jobs)) if todo else None
    old_term = signal.getsignal(signal.SIGTERM)

    def _term(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _term)
    inflight: dict[Any, tuple[int, NetworkSpec]] = {}
    queue = list(todo)
    try:
        while queue or inflight:
            while queue and len(inflight) < int(jobs):
                i, spec = queue.pop(0)
                extra = {"index": i, "space": space.name, "space_seed": int(space.seed)}
                fut = ex.submit(spec.to_dict(), extra, space.family, timeout, str(work), versions, keep_work)
                inflight[fut] = (i, spec)
            for fut in ex.wait(inflight):
                i, spec = inflight.pop(fut)
                try:
                    rec = ex.result(fut)
                except BrokenProcessPool:
                    from fpga.openflow.flow import PROVENANCE, spec_columns

                    rec = {"design_id": spec.design_id(), **spec_columns(spec), "index": i,
                           "space": space.name, "provenance": PROVENANCE, "status": "failed",
                           "stage": "worker", "reason": "worker process died (out of memory or killed)",
                           **versions}
                    # the other in-flight designs died with the pool: requeue them once
                    for f2, item in list(inflight.items()):
                        queue.insert(0, item)
                        inflight.pop(f2)
                    ex.restart()
                record(rec)
                tick()
    except KeyboardInterrupt:
        interrupted = True
    finally:
        signal.signal(signal.SIGTERM, old_term)
        if ex is not None:
            ex.close(kill=interrupted)
        if bar is not None:
            bar.close()
    wall = time.perf_counter() - t0
    attempted = n_ok + n_failed
    if not interrupted:
        store.flush_shard(out)
    try:
        df = store.read_dataset(out)
        tot_ok = int((df["status"] == "ok").sum())
        tot_failed = int((df["status"] == "failed").sum())
    except OpenFlowError:
        tot_ok = tot_failed = 0
    summary = GenerateSummary(out=str(out), space=space.name, n_requested=int(n),
                              n_skipped=int(n) - len(todo), n_attempted=attempted, n_ok=n_ok,
                              n_failed=n_failed, n_total_ok=tot_ok, n_total_failed=tot_failed,
                              wall_s=round(wall, 2),
                              designs_per_hour=round(3600 * attempted / wall, 1) if wall > 0 and attempted else 0.0,
                              jobs=int(jobs), executor=executor, interrupted=interrupted)
    log_run("end", interrupted=interrupted, n_total_ok=tot_ok, n_total_failed=tot_failed)
    return summary
