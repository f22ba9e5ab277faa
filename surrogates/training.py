"""Lightning training of the neural surrogates: ``SurrogateModule`` and ``DesignDataModule``.

The same code runs on CPU, one GPU, or several GPUs / nodes: pass ``accelerator``,
``devices``, ``strategy`` and ``num_nodes`` through to ``lightning.Trainer`` (Lightning adds
the distributed sampler itself). Early stopping and model selection use the validation loss
(MSE in the standardized log space) only; the test split never enters here.
"""

from __future__ import annotations

import copy
from pathlib import Path

from ._deps import require

torch = require("torch")
L = require("lightning")

from .encoding import EncodedSet, GraphBatch  # noqa: E402
from .nets import masked_loss  # noqa: E402


class SurrogateModule(L.LightningModule):
    """Wraps a :class:`~surrogates.nets.SurrogateNet`; loss = MSE + pinball(5%) + pinball(95%)
    in standardized log1p space over labelled entries; logs ``train_loss`` and ``val_loss``
    (the point MSE, used for early stopping and checkpoint selection)."""

    def __init__(self, net, lr: float = 3e-3, weight_decay: float = 1e-4, max_epochs: int = 30,
                 seed: int = 0, model_name: str = ""):
        super().__init__()
        self.net = net
        self.save_hyperparameters(ignore=["net"])

    def forward(self, b: GraphBatch):
        return self.net(b)

    def _step(self, b: GraphBatch, stage: str):
        point, low, high = self.net(b)
        total, mse = masked_loss(point, low, high, b.y, b.mask)
        bs = b.num_graphs
        if stage == "train":
            self.log("train_loss", total, batch_size=bs, prog_bar=True, on_epoch=True,
                     on_step=False)
        else:
            self.log("val_loss", mse, batch_size=bs, prog_bar=True, sync_dist=True)
            self.log("val_total", total, batch_size=bs, sync_dist=True)
        return total

    def training_step(self, b, _):
        return self._step(b, "train")

    def validation_step(self, b, _):
        self._step(b, "val")

    def configure_optimizers(self):
        opt = torch.optim.AdamW(self.parameters(), lr=self.hparams.lr,
                                weight_decay=self.hparams.weight_decay)
        sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=max(1, self.hparams.max_epochs),
                                                           eta_min=self.hparams.lr * 0.05)
        return {"optimizer": opt, "lr_scheduler": sched}

    def transfer_batch_to_device(self, batch, device, dataloader_idx):
        return batch.to(device)


class DesignDataModule(L.LightningDataModule):
    """Train / val loaders over index ranges of two :class:`EncodedSet` s; batches are built
    by :meth:`EncodedSet.collate` (shuffled with a seeded generator)."""

    def __init__(self, train: EncodedSet, val: EncodedSet, batch_size: int = 256, seed: int = 0):
        super().__init__()
        self.train_set, self.val_set = train, val
        self.batch_size, self.seed = batch_size, seed

    def train_dataloader(self):
        g = torch.Generator()
        g.manual_seed(self.seed)
        return torch.utils.data.DataLoader(range(len(self.train_set)), batch_size=self.batch_size,
                                           shuffle=True, generator=g,
                                           collate_fn=self.train_set.collate)

    def val_dataloader(self):
        return torch.utils.data.DataLoader(range(len(self.val_set)),
                                           batch_size=max(self.batch_size, 1024), shuffle=False,
                                           collate_fn=self.val_set.collate)


class BestState(L.Callback):
    """Keeps the weights of the epoch with the lowest ``val_loss`` in memory."""

    def __init__(self):
        self.best = float("inf")
        self.state = None
        self.epoch = -1

    def on_validation_end(self, trainer, pl_module):
        if trainer.sanity_checking:
            return
        v = trainer.callback_metrics.get("val_loss")
        if v is not None and float(v) < self.best:
            self.best = float(v)
            self.epoch = trainer.current_epoch
            self.state = copy.deepcopy({k: t.detach().cpu() for k, t in
                                        pl_module.net.state_dict().items()})


def fit_net(net, train: EncodedSet, val: EncodedSet, *, max_epochs: int = 30,
            batch_size: int = 256, lr: float = 3e-3, weight_decay: float = 1e-4,
            patience: int = 8, seed: int = 0, out_dir=None, progress: bool = True,
            accelerator: str = "auto", devices="auto", strategy: str = "auto",
            num_nodes: int = 1, model_name: str = "") -> dict:
    """Train ``net`` with early stopping on ``val_loss``; restores the best weights into
    ``net`` and returns a summary (best val loss, epochs, seconds, log / checkpoint paths)."""
    import time

    L.seed_everything(seed, workers=True, verbose=False)
    module = SurrogateModule(net, lr=lr, weight_decay=weight_decay, max_epochs=max_epochs,
                             seed=seed, model_name=model_name)
    dm = DesignDataModule(train, val, batch_size=batch_size, seed=seed)
    best = BestState()
    callbacks = [best, L.pytorch.callbacks.EarlyStopping("val_loss", patience=patience)]
    logger = False
    ckpt_dir = None
    if out_dir is not None:
        out_dir = Path(out_dir)
        logger = L.pytorch.loggers.CSVLogger(str(out_dir), name="logs")
        ckpt_dir = out_dir / "checkpoints"
        callbacks.append(L.pytorch.callbacks.ModelCheckpoint(dirpath=str(ckpt_dir),
                                                             monitor="val_loss", save_top_k=1))
    try:
        trainer = L.Trainer(max_epochs=max_epochs, callbacks=callbacks, logger=logger,
                            enable_checkpointing=out_dir is not None,
                            enable_progress_bar=progress, enable_model_summary=False,
                            accelerator=accelerator, devices=devices, strategy=strategy,
                            num_nodes=num_nodes, log_every_n_steps=10,
                            default_root_dir=str(out_dir) if out_dir else None,
                            deterministic=False)
    except (TypeError, ValueError, ImportError, RuntimeError,
            L.fabric.utilities.exceptions.MisconfigurationException) as e:
        # Lightning rejects these options with TypeError / MisconfigurationException /
        # ModuleNotFoundError (``--devices -3``, ``--accelerator tpu`` without torch_xla)
        from .errors import SurrogateError
        raise SurrogateError(f"Lightning cannot train with accelerator={accelerator!r}, "
                             f"devices={devices!r}, strategy={strategy!r}, "
                             f"num_nodes={num_nodes!r}: {e}") from e
    start = time.perf_counter()
    trainer.fit(module, datamodule=dm)
    seconds = time.perf_counter() - start
    if best.state is not None:
        net.load_state_dict(best.state)
    net.eval()
    return {"best_val_loss": best.best, "best_epoch": best.epoch,
            "epochs": trainer.current_epoch, "train_seconds": seconds,
            "log_dir": getattr(logger, "log_dir", None) if logger else None,
            "checkpoint_dir": str(ckpt_dir) if ckpt_dir else None}
