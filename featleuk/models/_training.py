"""Training machinery behind :class:`DeepClassifier`: a skorch net, callbacks, LR range test."""

from __future__ import annotations

import contextlib
import math
import time
from dataclasses import dataclass

import numpy as np
import torch
from skorch import NeuralNetClassifier
from skorch.callbacks import Callback
from skorch.dataset import unpack_data

from ..utils import progress

__all__ = [
    "TrainingDivergedError",
    "LRRangeTestResult",
    "SkorchNet",
    "autocast",
    "check_finite_loss",
    "run_lr_range_test",
]


class TrainingDivergedError(RuntimeError):
    """The training loss became NaN or infinite; the model is not usable.

    Raised by :meth:`DeepClassifier.fit` and
    :meth:`DeepClassifier.lr_range_test`; the message says at which epoch
    and batch, at which learning rate, and what to try.

    Examples
    --------
    A learning rate far too high for plain SGD:

    >>> import numpy as np
    >>> from featleuk.models import DeepClassifier, TrainingDivergedError
    >>> rng = np.random.default_rng(0)
    >>> X = rng.integers(0, 256, (8, 32, 32, 3), dtype=np.uint8)
    >>> y = np.array(["blast", "normal"] * 4)
    >>> clf = DeepClassifier("small_cnn", None, image_size=32, optimizer="sgd", lr=1e12,
    ...                      max_epochs=3, batch_size=4, validation_fraction=0,
    ...                      show_progress=False)
    >>> try:
    ...     clf.fit(X, y)
    ... except TrainingDivergedError as error:
    ...     print("diverged:", "lower lr" in str(error))
    diverged: True
    """


def autocast(dtype, device_type="cpu"):
    """``torch.autocast`` on ``device_type`` ("cpu", "cuda") for ``dtype`` (``None``: a no-op)."""
    if dtype is None:
        return contextlib.nullcontext()
    return torch.autocast(device_type, dtype=dtype)


def check_finite_loss(loss: torch.Tensor, where: str, lr: float, bf16: bool = False) -> None:
    """Raise :class:`TrainingDivergedError`, with what to try, when ``loss`` is not finite."""
    if not torch.isfinite(loss).all():
        hints = ["lower lr (e.g. 10x, or pick one with lr_range_test())",
                 "use lr_schedule='onecycle' (warm-up)"]
        if bf16:
            hints.append("use precision='float32'")
        hints.append("check that the images and the augmentation give finite values")
        raise TrainingDivergedError(
            f"the training loss became {loss.item()} at {where} (learning rate {lr:.3g}): the "
            f"model diverged and its weights are unusable. Try to: {'; '.join(hints)}."
        )


class SkorchNet(NeuralNetClassifier):
    """skorch's classifier plus batch augmentation, CPU autocast and a NaN guard."""

    def __init__(self, module, *, augment=None, autocast_dtype=None, **kwargs):
        super().__init__(module, **kwargs)
        self.augment = augment
        self.autocast_dtype = autocast_dtype

    def infer(self, x, **fit_params):
        with autocast(self.autocast_dtype, torch.device(self.device).type):
            out = super().infer(x, **fit_params)
        return out.float()

    def train_step_single(self, batch, **fit_params):
        self._set_training(True)
        Xi, yi = unpack_data(batch)
        if self.augment is not None:
            Xi = self.augment(Xi)
        y_pred = self.infer(Xi, **fit_params)
        loss = self.get_loss(y_pred, yi, X=Xi, training=True)
        # skorch has opened this epoch's and this batch's history rows already.
        where = f"epoch {len(self.history)}, batch {len(self.history[-1]['batches'])}"
        check_finite_loss(loss, where, self.optimizer_.param_groups[0]["lr"],
                          bf16=self.autocast_dtype is not None)
        loss.backward()
        return {"loss": loss, "y_pred": y_pred}


class RecordLR(Callback):
    """Record the learning rate each epoch starts with (``history[:, "lr"]``)."""

    def on_epoch_begin(self, net, **kwargs):
        net.history.record("lr", float(net.optimizer_.param_groups[0]["lr"]))


class ProgressBar(Callback):
    """One :func:`featleuk.utils.progress` bar per epoch, over training images."""

    def __init__(self, enabled=True):
        self.enabled = enabled

    def initialize(self):
        self.bar_ = None
        return self

    def on_epoch_begin(self, net, dataset_train=None, **kwargs):
        self.bar_ = progress(total=len(dataset_train), desc=f"epoch {len(net.history)}",
                             enabled=self.enabled)

    def on_batch_end(self, net, batch=None, training=None, **kwargs):
        if training and self.bar_ is not None:
            self.bar_.update(len(batch[0]))
            self.bar_.set_postfix(loss=f"{net.history[-1, 'batches', -1, 'train_loss']:.4f}")

    def _close(self):
        if self.bar_ is not None:
            self.bar_.close()
            self.bar_ = None

    def on_epoch_end(self, net, **kwargs):
        self._close()

    def on_train_end(self, net, **kwargs):
        self._close()


class TimeBudget(Callback):
    """Stop before an epoch that would take training past ``seconds``.

    The decision is made at the end of an epoch (from its duration) and
    carried out when the next one begins, so that every callback, PrintLog
    included, has seen the last complete epoch.
    """

    def __init__(self, seconds):
        self.seconds = seconds

    def initialize(self):
        self.start_ = None
        self.stopped_ = False
        return self

    def on_train_begin(self, net, **kwargs):
        self.start_ = time.perf_counter()

    def on_epoch_end(self, net, **kwargs):
        elapsed = time.perf_counter() - self.start_
        self.stopped_ = elapsed + net.history[-1, "dur"] > self.seconds

    def on_epoch_begin(self, net, **kwargs):
        if self.stopped_:
            net.history.pop()  # the row skorch has just opened for the epoch we skip
            raise KeyboardInterrupt  # skorch's way to end training cleanly


class Unfreeze(Callback):
    """Make the whole backbone trainable from epoch ``epoch`` (1-based) on."""

    def __init__(self, epoch):
        self.epoch = epoch

    def on_epoch_begin(self, net, **kwargs):
        if len(net.history) == self.epoch:
            net.module_.set_trainable(None)


@dataclass
class LRRangeTestResult:
    """Losses of a learning-rate range test (Smith 2017; fastai's ``lr_find``).

    Attributes
    ----------
    lrs : ndarray of shape (n_steps,)
        Learning rate of each mini-batch, increasing.
    losses : ndarray of shape (n_steps,)
        Smoothed (bias-corrected exponential moving average) training loss
        after each mini-batch.
    suggestion : float
        Learning rate where the smoothed loss falls fastest (before its
        minimum): a good ``lr`` for constant schedules, a good ``max_lr``
        (the ``lr`` parameter) for ``lr_schedule="onecycle"``.
    min_loss_lr : float
        Learning rate of the lowest smoothed loss; a tenth of it is the
        other common rule of thumb.

    See Also
    --------
    DeepClassifier.lr_range_test : what returns it.

    Examples
    --------
    >>> import numpy as np
    >>> from featleuk.models import DeepClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.integers(0, 256, (8, 32, 32, 3), dtype=np.uint8)
    >>> y = np.array(["blast", "normal"] * 4)
    >>> clf = DeepClassifier("small_cnn", None, image_size=32, batch_size=4, show_progress=False)
    >>> result = clf.lr_range_test(X, y, start_lr=1e-5, end_lr=1.0, num_iter=10)
    >>> len(result.lrs) == len(result.losses) <= 10
    True
    >>> bool(1e-5 <= result.suggestion <= 1.0)
    True
    >>> ax = result.plot()  # then clf.set_params(lr=result.suggestion).fit(X, y)
    """

    lrs: np.ndarray
    losses: np.ndarray
    suggestion: float
    min_loss_lr: float

    def plot(self, ax=None):
        """Loss against learning rate (log axis), with the suggestion marked.

        Parameters
        ----------
        ax : matplotlib.axes.Axes or None, default=None
            Where to draw; ``None`` makes a new figure.

        Returns
        -------
        matplotlib.axes.Axes
        """
        if ax is None:
            from matplotlib.figure import Figure

            ax = Figure(figsize=(6, 4), layout="constrained").subplots()
        ax.plot(self.lrs, self.losses)
        ax.axvline(self.suggestion, color="tab:red", linestyle="--",
                   label=f"suggestion {self.suggestion:.2g}")
        ax.set_xscale("log")
        ax.set_xlabel("learning rate")
        ax.set_ylabel("smoothed training loss")
        ax.legend()
        return ax


def _suggest(lrs, losses):
    best = int(np.argmin(losses))
    # The first steps barely train (and the bias-corrected average is noisy
    # there), so the steepest descent is looked for after them.
    skip = max(1, len(lrs) // 10)
    if best - skip < 2:
        return float(lrs[best])
    slopes = np.gradient(losses[: best + 1], np.log(lrs[: best + 1]))
    return float(lrs[skip + int(np.argmin(slopes[skip:]))])


def run_lr_range_test(module, optimizer, criterion, images, targets, *, batch_size, augment,
                      autocast_dtype, start_lr, end_lr, num_iter, smoothing=0.05,
                      diverge_factor=4.0, show_progress=True, device="cpu"):
    """Train ``module`` for ``num_iter`` mini-batches with an exponentially growing LR.

    ``module`` and ``criterion`` are on ``device``; ``images`` and
    ``targets`` stay on the CPU and each batch is moved there.

    Stops early when the smoothed loss exceeds ``diverge_factor`` times its
    minimum (or is not finite): that is the point of the test, not an error.
    """
    device = torch.device(device)
    schedule = np.geomspace(start_lr, end_lr, num_iter)
    lrs, losses = [], []
    avg, best = 0.0, math.inf
    n = len(targets)
    module.train()
    order = torch.randperm(n)
    position = 0
    for step in progress(range(num_iter), total=num_iter, desc="lr range test",
                         enabled=show_progress, unit="batch"):
        if position + batch_size > n:
            order, position = torch.randperm(n), 0
        index = order[position: position + batch_size]
        position += batch_size
        lr = float(schedule[step])
        for group in optimizer.param_groups:
            group["lr"] = lr
        xb = images[index]
        if augment is not None:
            xb = augment(xb)
        with autocast(autocast_dtype, device.type):
            logits = module(xb.to(device))
        loss = criterion(logits.float(), targets[index].to(device))
        value = loss.item()
        if not math.isfinite(value):
            break
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        avg = smoothing * value + (1.0 - smoothing) * avg
        smoothed = avg / (1.0 - (1.0 - smoothing) ** (step + 1))
        lrs.append(lr)
        losses.append(smoothed)
        best = min(best, smoothed)
        if smoothed > diverge_factor * best:
            break
    if len(lrs) < 2:
        raise TrainingDivergedError(
            f"the loss diverged at the first steps of the range test (start_lr={start_lr:g}); "
            "lower start_lr"
        )
    lrs, losses = np.asarray(lrs), np.asarray(losses)
    return LRRangeTestResult(lrs, losses, _suggest(lrs, losses),
                             float(lrs[int(np.argmin(losses))]))
