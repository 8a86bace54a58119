"""Callbacks run by the training loop: EarlyStopping and LRScheduler, as skorch's of the same names.

A net clones the callbacks it is given when it initializes, so its `callbacks` parameter is never
changed by training; the clones, holding their state, are in `net.callbacks_` as (name, callback) pairs.
"""
from __future__ import annotations

from typing import Any

from sklearn.base import BaseEstimator

from ..optim import lr_scheduler as _schedulers
from ._params import KwargsParams


class StopTraining(Exception):
    """Raised by a callback to end training there; the net catches it and keeps what was learnt."""


class Callback(BaseEstimator):
    """Base class: override the hooks needed; each is called with the net."""

    def on_train_begin(self, net) -> None:
        """Start of each fit or partial_fit call."""

    def on_epoch_begin(self, net) -> None:
        """The epoch's record is in net.history, holding only its number."""

    def on_batch_end(self, net) -> None:
        """After each training batch's optimizer step."""

    def on_epoch_end(self, net) -> None:
        """The epoch's losses and scores are in net.history[-1]."""

    def on_train_end(self, net) -> None:
        """End of each fit or partial_fit call, stopped early or not."""


class EarlyStopping(Callback):
    """Stop when `monitor` has not improved by more than threshold (relative to the best value when
    threshold_mode='rel', absolute when 'abs') for `patience` epochs in a row."""

    def __init__(self, monitor: str = "valid_loss", patience: int = 5, threshold: float = 1e-4,
                 threshold_mode: str = "rel", lower_is_better: bool = True) -> None:
        self.monitor = monitor
        self.patience = patience
        self.threshold = threshold
        self.threshold_mode = threshold_mode
        self.lower_is_better = lower_is_better

    def on_train_begin(self, net) -> None:
        if self.threshold_mode not in ("rel", "abs"):
            raise ValueError(f"EarlyStopping: threshold_mode must be 'rel' or 'abs', got {self.threshold_mode!r}")
        self.misses_ = 0
        self.best_score_ = None
        self.best_epoch_ = None

    def on_epoch_end(self, net) -> None:
        score = net.history[-1, self.monitor]
        if self.best_score_ is None or self._improves(score):
            self.best_score_, self.best_epoch_, self.misses_ = score, net.history[-1, "epoch"], 0
            return
        self.misses_ += 1
        if self.misses_ >= self.patience:
            raise StopTraining(f"{self.monitor} has not improved for {self.patience} epochs; "
                               f"the best, {self.best_score_:.4f}, was at epoch {self.best_epoch_}")

    def _improves(self, score: float) -> bool:
        margin = self.threshold * abs(self.best_score_) if self.threshold_mode == "rel" else self.threshold
        if self.lower_is_better:
            return score < self.best_score_ - margin
        return score > self.best_score_ + margin


class LRScheduler(KwargsParams, Callback):
    """Step a flambeau.optim.lr_scheduler policy (a class or its name) built with **kwargs on the net's
    optimizer, every epoch or every training batch. ReduceLROnPlateau is stepped with the epoch's
    `monitor` value. The lr of each epoch's start is recorded in the history as `event_name` (None: not)."""

    def __init__(self, policy: type | str, monitor: str = "train_loss", step_every: str = "epoch",
                 event_name: str | None = "event_lr", **kwargs: Any) -> None:
        self.policy = policy
        self.monitor = monitor
        self.step_every = step_every
        self.event_name = event_name
        self._kwargs = kwargs

    def _is_kwarg(self, key: str) -> bool:
        return key not in self._get_param_names()

    def on_train_begin(self, net) -> None:
        if self.step_every not in ("epoch", "batch"):
            raise ValueError(f"LRScheduler: step_every must be 'epoch' or 'batch', got {self.step_every!r}")
        # partial_fit goes on with the schedule; a new optimizer (set_params) needs a new scheduler
        scheduler = getattr(self, "lr_scheduler_", None)
        if scheduler is None or scheduler.optimizer is not net.optimizer_:
            policy = getattr(_schedulers, self.policy) if isinstance(self.policy, str) else self.policy
            self.lr_scheduler_ = policy(net.optimizer_, **self._kwargs)

    def on_epoch_begin(self, net) -> None:
        if self.event_name is not None:
            net.history[-1][self.event_name] = net.optimizer_.param_groups[0]["lr"]

    def on_batch_end(self, net) -> None:
        if self.step_every == "batch":
            self._step(net)

    def on_epoch_end(self, net) -> None:
        if self.step_every == "epoch":
            self._step(net)

    def _step(self, net) -> None:
        if isinstance(self.lr_scheduler_, _schedulers.ReduceLROnPlateau):
            self.lr_scheduler_.step(net.history[-1, self.monitor])
        else:
            self.lr_scheduler_.step()
