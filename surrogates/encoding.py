"""Graph encoding of designs for the learned models.

One node per layer with the features of :func:`surrogates.features.node_features` (numeric
sizes, parameters, bit widths, reuse factor, filters, kernel, stride, one-hot layer type and
activation); directed edges along the data flow, skip connections included (edge attribute
``is_skip`` = 1 when an edge jumps over at least one level); graph-level features
(strategy, io_type, clock, part resources). Targets are log1p-transformed and standardized
with training statistics (:class:`surrogates.targets.TargetScaler`).

:class:`EncodedSet` precomputes the features of a :class:`PackedDesigns` once; ``collate``
builds a :class:`GraphBatch` for any list of design indices with numpy only (no per-graph
Python objects), which is what makes batched prediction fast. ``to_pyg`` gives the same
graphs as PyTorch Geometric ``Data`` objects.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .features import flat_features, graph_features, node_features
from .packed import PackedDesigns, _ranges
from .targets import TargetScaler


@dataclass
class EncodedSet:
    """Features (and standardized targets) of every design of a ``PackedDesigns``."""

    node_x: np.ndarray       # float32 (L, F_node)
    graph_x: np.ndarray      # float32 (n, F_graph)
    layer_ptr: np.ndarray    # int64 (n+1,)
    level: np.ndarray        # int64 (L,)
    edges: np.ndarray        # int64 (E, 2) local indices
    edge_ptr: np.ndarray     # int64 (n+1,)
    y: np.ndarray | None     # float32 (n, T) standardized; NaN = missing

    def __len__(self) -> int:
        return len(self.layer_ptr) - 1

    @classmethod
    def from_packed(cls, data: PackedDesigns, scaler: TargetScaler | None = None) -> "EncodedSet":
        nx = node_features(data.layer_num, data.layer_type, data.layer_act, data.layer_level)
        gx = graph_features(data.design_num, data.strategy, data.io_type, data.n_layers)
        y = None
        if scaler is not None:
            from .targets import TARGETS
            cols = [TARGETS.index(t) for t in scaler.targets]
            y = scaler.transform(data.labels[:, cols])
        return cls(nx, gx, data.layer_ptr.astype(np.int64), data.layer_level.astype(np.int64),
                   data.edges.astype(np.int64), data.edge_ptr.astype(np.int64), y)

    def flat(self) -> np.ndarray:
        return flat_features(self.node_x, self.layer_ptr, self.graph_x, self.level)

    def collate(self, idx) -> "GraphBatch":
        """A :class:`GraphBatch` of designs ``idx`` (numpy gathers, then tensors)."""
        torch = _torch()
        idx = np.asarray(idx, dtype=np.int64)
        lo, hi = self.layer_ptr[idx], self.layer_ptr[idx + 1]
        lidx, lptr = _ranges(lo, hi - lo)
        elo, ehi = self.edge_ptr[idx], self.edge_ptr[idx + 1]
        eidx, eptr = _ranges(elo, ehi - elo)
        ecount = ehi - elo
        # shift local edge indices by the node offset of their graph in the batch
        shift = np.repeat(lptr[:-1], ecount)
        e = self.edges[eidx] + shift[:, None]
        lvl = self.level[lidx]
        is_skip = ((lvl[e[:, 1]] - lvl[e[:, 0]]) > 1).astype(np.float32)
        batch = np.repeat(np.arange(len(idx)), hi - lo)
        y = mask = None
        if self.y is not None:
            yy = self.y[idx]
            mask = np.isfinite(yy)
            y = torch.from_numpy(np.where(mask, yy, 0.0).astype(np.float32))
            mask = torch.from_numpy(mask)
        return GraphBatch(
            x=torch.from_numpy(self.node_x[lidx]),
            edge_index=torch.from_numpy(np.ascontiguousarray(e.T)),
            edge_skip=torch.from_numpy(is_skip),
            batch=torch.from_numpy(batch),
            ptr=torch.from_numpy(lptr),
            level=torch.from_numpy(lvl),
            graph_x=torch.from_numpy(self.graph_x[idx]),
            y=y, mask=mask, num_graphs=len(idx))

    def to_pyg(self, idx=None) -> list:
        """The designs as a list of ``torch_geometric.data.Data`` (x, edge_index, edge_attr =
        is_skip, level, graph_x [1, F], y [1, T] standardized)."""
        from ._deps import require
        Data = require("torch_geometric.data").Data
        idx = range(len(self)) if idx is None else idx
        out = []
        for i in idx:
            b = self.collate([i])
            d = Data(x=b.x, edge_index=b.edge_index, edge_attr=b.edge_skip[:, None],
                     level=b.level, graph_x=b.graph_x)
            if b.y is not None:
                d.y = b.y
                d.y_mask = b.mask
            out.append(d)
        return out


@dataclass
class GraphBatch:
    """A batch of design graphs; tensor shapes: x [N, F], edge_index [2, E], edge_skip [E],
    batch [N], ptr [B+1], level [N], graph_x [B, G], y / mask [B, T]."""

    x: object
    edge_index: object
    edge_skip: object
    batch: object
    ptr: object
    level: object
    graph_x: object
    y: object
    mask: object
    num_graphs: int

    def to(self, device) -> "GraphBatch":
        kw = {k: (v.to(device) if hasattr(v, "to") else v) for k, v in self.__dict__.items()}
        return GraphBatch(**kw)


def _torch():
    from ._deps import require
    return require("torch")
