"""PyTorch modules of the learned surrogates (imported lazily; needs torch and torch_geometric).

Every core network maps a :class:`~surrogates.encoding.GraphBatch` to ``(point, emb)``:
``point`` [B, T] are standardized log1p targets, ``emb`` [B, H] a design embedding from
which :class:`IntervalHead` predicts the 5% / 95% quantiles.

:class:`StructuredReadout` is the physically structured readout of our models. With per-layer
scores z_v,t and a design-level score d_t (both logs of non-negative amounts, in cycles or
resource units):

- resources:  y = sum_v exp(z_v) + exp(d)              -> log1p(y) = logsumexp({z_v}, d, 0)
- latency:    L(v) = exp(z_v) + max_{u->v} L(u) (critical path through the DAG, skips
              included), y = max_v L(v) + exp(d)
- II:         y = (1 - s) max_v exp(z_v) + s L_path + exp(d), s = sigmoid(gate(design)):
              the max over layers for dataflow pipelines, the critical path where hls4ml
              does not overlap layers (io_parallel: reported II = latency in wa-hls4ml)

so predictions grow with depth the way hardware does instead of saturating like a pooled
readout. The per-layer score has two paths, z_v = head(h_v) + W x_v: the deep one from the
message-passing embedding h_v and a linear one from the layer's own standardized features x_v
(log sizes, bit widths), i.e. a power law in sizes and widths that extrapolates to layers and
depths the deep path has not seen. Chosen on validation data only: open-flow designs of the
deeper split's training part, trained on 1-2 layers and scored on 3, LUT R^2 0.911 / 0.924
-> 0.948 / 0.945 (two seeds); wa-hls4ml CSV validation DSP R^2 0.990 / 0.986 -> 0.993 / 0.996.
Each target then passes a per-design gate g_t = sigmoid(a_t(design)) in [0, 1], y <- g_t y:
"does this design use the resource at all" (no DSP when multiplications map to LUTs, no BRAM
when weights are constants, no flip-flops or cycles in a combinational netlist), a decision the
sum of positive contributions can only approximate. The gate starts open and is bounded, so
it cannot make predictions grow or shrink with depth.
"""

from __future__ import annotations

from ._deps import require

torch = require("torch")
nn = torch.nn
F = torch.nn.functional

NEG = -1.0e4  # log of ~0 without producing NaN gradients


def mlp(sizes: list[int], dropout: float = 0.0, last_act: bool = False) -> "nn.Sequential":
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2 or last_act:
            layers.append(nn.GELU())
            if dropout:
                layers.append(nn.Dropout(dropout))
    return nn.Sequential(*layers)


def scatter(src, index, dim_size: int, reduce: str):
    """Reduce rows of ``src`` [N, ...] into ``dim_size`` groups by ``index`` [N]."""
    shape = (dim_size,) + tuple(src.shape[1:])
    idx = index.view(-1, *([1] * (src.dim() - 1))).expand_as(src)
    if reduce == "sum":
        return src.new_zeros(shape).scatter_add_(0, idx, src)
    if reduce == "mean":
        s = src.new_zeros(shape).scatter_add_(0, idx, src)
        c = src.new_zeros((dim_size,)).scatter_add_(0, index, torch.ones_like(index, dtype=src.dtype))
        return s / c.clamp(min=1).view(-1, *([1] * (src.dim() - 1)))
    if reduce == "max":
        return src.new_full(shape, NEG).scatter_reduce(0, idx, src, "amax", include_self=True)
    raise ValueError(reduce)


def graph_logsumexp(z, batch, num_graphs: int):
    """Per-graph logsumexp of node scores z [N, T] -> [B, T]."""
    m = scatter(z, batch, num_graphs, "max").detach()
    s = scatter(torch.exp(z - m[batch]), batch, num_graphs, "sum")
    return m + torch.log(s.clamp(min=1e-30))


def critical_path(z, edge_index, level, batch, num_graphs: int):
    """log of the longest path sum_{v on path} exp(z_v) per graph; z [N], edges forward."""
    L = z
    if edge_index.numel():
        src, dst = edge_index[0], edge_index[1]
        max_level = int(level.max().item()) if level.numel() else 0
        for lvl in range(1, max_level + 1):
            m = z.new_full(z.shape, NEG).scatter_reduce(0, dst, L[src], "amax", include_self=True)
            L = torch.where(level == lvl, torch.logaddexp(z, m), L)
    return scatter(L[:, None], batch, num_graphs, "max")[:, 0]


class StructuredReadout(nn.Module):
    """Per-layer non-negative contributions -> targets (see the module docstring).

    ``kinds[t]`` is "sum" (resources), "path" (latency) or "max" (II); ``mean`` / ``std`` are
    the target scaler's statistics, so the output is standardized like the labels.
    """

    def __init__(self, hidden: int, design_dim: int, kinds: list[str], mean, std,
                 node_dim: int = 0):
        super().__init__()
        self.kinds = list(kinds)
        t = len(kinds)
        self.node_head = mlp([hidden, hidden, t])
        # linear path from the (standardized) node features to the log contributions: a
        # power law in sizes and bit widths, which extrapolates where the deep path saturates
        self.node_linear = nn.Linear(node_dim, t) if node_dim else None
        self.design_head = mlp([design_dim, hidden, t])
        # II: a learned per-design mix of "max over layers" (dataflow / io_stream pipelines)
        # and "along the critical path" (io_parallel without dataflow, where hls4ml reports
        # II = latency); both are non-negative, the gate is a sigmoid of the design embedding
        self.ii_gate = nn.Linear(design_dim, 1) if "max" in self.kinds else None
        self.zero_gate = nn.Linear(design_dim, t)
        self.register_buffer("mean", torch.tensor(mean, dtype=torch.float32))
        self.register_buffer("std", torch.tensor(std, dtype=torch.float32))
        with torch.no_grad():  # start near the label mean: log(N contributions) ~ 1.5
            self.node_head[-1].bias.copy_(self.mean - 1.5)
            self.design_head[-1].bias.copy_(self.mean - 3.0)
            self.zero_gate.weight.mul_(0.1)
            self.zero_gate.bias.fill_(4.0)  # sigmoid(4) = 0.98: open at the start
            if self.node_linear is not None:  # starts as the deep path alone
                self.node_linear.weight.zero_()
                self.node_linear.bias.zero_()

    def forward(self, h, h_design, b, x=None):
        z = self.node_head(h)
        if self.node_linear is not None:
            z = z + self.node_linear(x)
        z = z.clamp(-30, 30)                            # [N, T]
        d = self.design_head(h_design).clamp(-30, 30)  # [B, T]
        log_gate = F.logsigmoid(self.zero_gate(h_design))  # [B, T]
        outs = []
        lse = None
        for j, kind in enumerate(self.kinds):
            if kind == "sum":
                if lse is None:
                    lse = graph_logsumexp(z, b.batch, b.num_graphs)
                agg = lse[:, j]
            elif kind == "path":
                agg = critical_path(z[:, j], b.edge_index, b.level, b.batch, b.num_graphs)
            else:
                mx = scatter(z[:, j:j + 1], b.batch, b.num_graphs, "max")[:, 0]
                path = critical_path(z[:, j], b.edge_index, b.level, b.batch, b.num_graphs)
                g = self.ii_gate(h_design)[:, 0]
                agg = torch.logaddexp(F.logsigmoid(-g) + mx, F.logsigmoid(g) + path)
            log_y = torch.logaddexp(agg, d[:, j]) + log_gate[:, j]
            outs.append(F.softplus(log_y))  # log1p(y) = softplus(log y)
        log1p_y = torch.stack(outs, dim=1)
        return (log1p_y - self.mean) / self.std


def target_kinds(targets) -> list[str]:
    return ["path" if t == "latency_cycles" else "max" if t == "ii_cycles" else "sum"
            for t in targets]


def _both_ways(b):
    """Edges in both directions with attributes [is_skip, is_forward]."""
    ei = b.edge_index
    rev = ei.flip(0)
    e = torch.cat([ei, rev], dim=1)
    skip = torch.cat([b.edge_skip, b.edge_skip])
    fwd = torch.cat([torch.ones_like(b.edge_skip), torch.zeros_like(b.edge_skip)])
    return e, torch.stack([skip, fwd], dim=1)


class GNN(nn.Module):
    """Our GNN: node + design encoders, ``layers`` message-passing blocks (``conv`` = sage,
    gatv2 or gin; residual + LayerNorm; edges both ways with [is_skip, is_forward]) and the
    :class:`StructuredReadout`."""

    def __init__(self, node_dim: int, graph_dim: int, targets, mean, std, hidden: int = 64,
                 layers: int = 3, conv: str = "sage", heads: int = 4, dropout: float = 0.0,
                 skip: bool = True):
        super().__init__()
        pyg = require("torch_geometric.nn")
        self.node_enc = mlp([node_dim, hidden, hidden])
        self.graph_enc = mlp([graph_dim, hidden, hidden])
        self.convs = nn.ModuleList()
        self.norms = nn.ModuleList()
        for _ in range(layers):
            if conv == "gatv2":
                c = pyg.GATv2Conv(hidden, hidden // heads, heads=heads, edge_dim=2)
            elif conv == "gin":
                c = pyg.GINEConv(mlp([hidden, hidden, hidden]), edge_dim=2)
            elif conv == "sage":
                c = pyg.SAGEConv(hidden, hidden)
            else:
                raise ValueError(f"conv must be one of gatv2, gin, sage; got {conv!r}")
            self.convs.append(c)
            self.norms.append(nn.LayerNorm(hidden))
        self.conv = conv
        self.dropout = dropout
        self.emb_dim = 2 * hidden
        self.readout = StructuredReadout(hidden, 2 * hidden, target_kinds(targets), mean, std,
                                         node_dim if skip else 0)

    def forward(self, b):
        g = self.graph_enc(b.graph_x)
        h = self.node_enc(b.x) + g[b.batch]
        e, ea = _both_ways(b)
        for conv, norm in zip(self.convs, self.norms):
            m = conv(h, e) if self.conv == "sage" else conv(h, e, ea)
            h = norm(h + F.dropout(F.gelu(m), self.dropout, self.training))
        emb = torch.cat([scatter(h, b.batch, b.num_graphs, "mean"), g], dim=1)
        return self.readout(h, emb, b, b.x), emb


def _dense(h, b):
    from torch_geometric.utils import to_dense_batch
    return to_dense_batch(h, b.batch, batch_size=b.num_graphs)


def _positions(b, max_len: int):
    pos = torch.arange(b.x.shape[0], device=b.x.device) - b.ptr[b.batch]
    return pos.clamp(max=max_len - 1)


class Transformer(nn.Module):
    """Our transformer: one token per layer (+ learned position) and one design token from the
    graph features; encoder output of the layer tokens feeds the :class:`StructuredReadout`
    (the critical path still follows the design's edges). Positions beyond the deepest one
    seen in training reuse the last trained position embedding."""

    def __init__(self, node_dim: int, graph_dim: int, targets, mean, std, hidden: int = 64,
                 layers: int = 2, heads: int = 4, dropout: float = 0.0, max_len: int = 128,
                 skip: bool = True):
        super().__init__()
        self.node_enc = mlp([node_dim, hidden, hidden])
        self.graph_enc = mlp([graph_dim, hidden, hidden])
        self.pos = nn.Embedding(max_len, hidden)
        self.max_len = max_len
        self.register_buffer("max_pos_seen", torch.zeros((), dtype=torch.long))
        layer = nn.TransformerEncoderLayer(hidden, heads, 2 * hidden, dropout, batch_first=True,
                                           norm_first=True, activation="gelu")
        self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.emb_dim = hidden
        self.readout = StructuredReadout(hidden, hidden, target_kinds(targets), mean, std,
                                         node_dim if skip else 0)

    def forward(self, b):
        pos = _positions(b, self.max_len)
        if self.training and pos.numel():
            self.max_pos_seen.fill_(max(int(self.max_pos_seen), int(pos.max())))
        else:  # positions never trained keep the last trained embedding (deeper designs)
            pos = pos.clamp(max=int(self.max_pos_seen))
        tok = self.node_enc(b.x) + self.pos(pos)
        dense, mask = _dense(tok, b)
        g = self.graph_enc(b.graph_x)[:, None, :]
        seq = torch.cat([g, dense], dim=1)
        pad = torch.cat([torch.ones_like(mask[:, :1]), mask], dim=1)
        out = self.encoder(seq, src_key_padding_mask=~pad)
        h = out[:, 1:][mask]
        emb = out[:, 0]
        return self.readout(h, emb, b, b.x), emb


class WaGNN(nn.Module):
    """Re-implementation of the wa-hls4ml GNN (Hawks, Weitz et al., arXiv 2511.05615):
    node features -> ``layers`` x GATv2 (``heads`` heads, residual + LayerNorm) on the chain
    (data-flow) edges -> add / mean / max pooling, concatenated with the global features
    (strategy, io_type) -> MLP -> standardized log targets. Paper size: hidden 512, 5 heads,
    5 layers."""

    def __init__(self, node_dim: int, graph_dim: int, targets, hidden: int = 64,
                 layers: int = 3, heads: int = 2, dropout: float = 0.0):
        super().__init__()
        pyg = require("torch_geometric.nn")
        self.inp = nn.Linear(node_dim, hidden)
        self.convs = nn.ModuleList(pyg.GATv2Conv(hidden, hidden, heads=heads, concat=False)
                                   for _ in range(layers))
        self.norms = nn.ModuleList(nn.LayerNorm(hidden) for _ in range(layers))
        self.dropout = dropout
        self.emb_dim = 3 * hidden + graph_dim
        self.head = mlp([self.emb_dim, hidden, hidden // 2, len(targets)], dropout)

    def forward(self, b):
        h = self.inp(b.x)
        for conv, norm in zip(self.convs, self.norms):
            h = norm(h + F.dropout(F.elu(conv(h, b.edge_index)), self.dropout, self.training))
        n = b.num_graphs
        pooled = torch.cat([scatter(h, b.batch, n, "sum"), scatter(h, b.batch, n, "mean"),
                            scatter(h, b.batch, n, "max"), b.graph_x], dim=1)
        return self.head(pooled), pooled


class WaTransformer(nn.Module):
    """Re-implementation of the wa-hls4ml transformer: one token per layer (linear projection
    + learned position), a learned CLS token, ``layers`` encoder layers (``d`` wide, ``heads``
    heads), CLS output concatenated with the global features -> MLP head. Paper size: 2
    layers, d=512, 8 heads."""

    def __init__(self, node_dim: int, graph_dim: int, targets, d: int = 64, layers: int = 2,
                 heads: int = 4, dropout: float = 0.0, max_len: int = 128):
        super().__init__()
        self.inp = nn.Linear(node_dim, d)
        self.pos = nn.Embedding(max_len, d)
        self.cls = nn.Parameter(torch.zeros(1, 1, d))
        self.max_len = max_len
        layer = nn.TransformerEncoderLayer(d, heads, 4 * d, dropout, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.emb_dim = d + graph_dim
        self.head = mlp([self.emb_dim, d, len(targets)], dropout)

    def forward(self, b):
        tok = self.inp(b.x) + self.pos(_positions(b, self.max_len))
        dense, mask = _dense(tok, b)
        seq = torch.cat([self.cls.expand(dense.shape[0], -1, -1), dense], dim=1)
        pad = torch.cat([torch.ones_like(mask[:, :1]), mask], dim=1)
        out = self.encoder(seq, src_key_padding_mask=~pad)
        emb = torch.cat([out[:, 0], b.graph_x], dim=1)
        return self.head(emb), emb


class SurrogateNet(nn.Module):
    """A core network plus quantile heads: forward -> (point, low, high), each [B, T] in the
    standardized log space. The interval half-widths are softplus outputs of a linear layer
    on the design embedding, placed around the (detached) point prediction."""

    def __init__(self, core: nn.Module, n_targets: int, node_dim: int, graph_dim: int,
                 node_cols=None, graph_cols=None):
        super().__init__()
        self.core = core
        # feature standardization with training statistics (set by ``set_feature_stats``)
        self.register_buffer("node_mean", torch.zeros(node_dim))
        self.register_buffer("node_std", torch.ones(node_dim))
        self.register_buffer("graph_mean", torch.zeros(graph_dim))
        self.register_buffer("graph_std", torch.ones(graph_dim))
        self.interval = nn.Sequential(nn.Linear(core.emb_dim, 64), nn.GELU(),
                                      nn.Linear(64, 2 * n_targets))
        self.register_buffer("node_cols", torch.as_tensor(node_cols if node_cols is not None
                                                          else [], dtype=torch.long))
        self.register_buffer("graph_cols", torch.as_tensor(graph_cols if graph_cols is not None
                                                           else [], dtype=torch.long))

    def set_feature_stats(self, node_x, graph_x) -> None:
        """Standardize inputs with the mean / std of the training features (numpy arrays)."""
        for name, x in (("node", node_x), ("graph", graph_x)):
            x = torch.as_tensor(x, dtype=torch.float32)
            std = x.std(dim=0) if len(x) > 1 else torch.ones(x.shape[1])
            getattr(self, f"{name}_mean").copy_(x.mean(dim=0))
            getattr(self, f"{name}_std").copy_(torch.where(std > 1e-6, std, torch.ones_like(std)))

    def forward(self, b):
        b = _standardize(b, self)
        if self.node_cols.numel():
            b = _select(b, self.node_cols, self.graph_cols)
        point, emb = self.core(b)
        w = F.softplus(self.interval(emb.detach())) + 1e-3
        t = point.shape[1]
        p = point.detach()
        return point, p - w[:, :t], p + w[:, t:]


def _standardize(b, net):
    from .encoding import GraphBatch
    kw = dict(b.__dict__)
    kw["x"] = (b.x - net.node_mean) / net.node_std
    kw["graph_x"] = (b.graph_x - net.graph_mean) / net.graph_std
    return GraphBatch(**kw)


def _select(b, node_cols, graph_cols):
    from .encoding import GraphBatch
    kw = dict(b.__dict__)
    kw["x"] = b.x[:, node_cols]
    kw["graph_x"] = b.graph_x[:, graph_cols]
    return GraphBatch(**kw)


def masked_loss(point, low, high, y, mask, q_low: float = 0.05, q_high: float = 0.95):
    """MSE of the point prediction plus pinball losses of the two quantiles, over labelled
    entries only. Returns (total, mse)."""
    m = mask.float()
    n = m.sum().clamp(min=1)
    mse = (((point - y) ** 2) * m).sum() / n

    def pinball(pred, q):
        diff = y - pred
        return (torch.maximum(q * diff, (q - 1) * diff) * m).sum() / n

    return mse + pinball(low, q_low) + pinball(high, q_high), mse
