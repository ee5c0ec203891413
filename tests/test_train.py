"""The fit loop: early stopping restores the best weights; seeding is reproducible."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from attnscope.core import batched_forward
from attnscope.errors import ConfigError
from attnscope.models import ModelOutput
from attnscope.train import TrainConfig, fit_module


class _Linear(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(2, 2)

    def forward(self, x: torch.Tensor) -> ModelOutput:
        return ModelOutput(logits=self.fc(x))


def _blobs(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    y = torch.arange(n) % 2
    x = torch.randn(n, 2, generator=g) + 2.0 * (y[:, None] * 2 - 1)
    return x, y


def test_early_stopping_restores_best_epoch_weights():
    torch.manual_seed(0)
    module = _Linear()
    x, y = _blobs(200, 0)
    xv, yv = _blobs(100, 1)
    # Validation labels flipped: the better the model learns, the worse it validates,
    # so the best epoch is early and training stops before the last epoch.
    history = fit_module(
        module,
        (x,),
        y,
        val_inputs=(xv,),
        val_y=1 - yv,
        config=TrainConfig(epochs=30, batch_size=32, lr=0.05, patience=3),
        generator=torch.Generator().manual_seed(0),
    )
    assert history.stopped_early
    assert history.best_epoch < len(history.epochs) - 1
    logits = batched_forward(module, (xv,))
    restored_acc = float((logits.argmax(1) == (1 - yv)).float().mean())
    assert restored_acc == pytest.approx(history.epochs[history.best_epoch]["val_accuracy"])
    assert restored_acc > history.epochs[-1]["val_accuracy"]


def test_min_epochs_keeps_no_earlier_epoch():
    x, y = _blobs(200, 0)
    xv, yv = _blobs(100, 1)
    runs = {}
    for m in (0, 4):
        torch.manual_seed(0)
        # Flipped validation labels: the validation loss rises as the model learns.
        runs[m] = fit_module(
            _Linear(),
            (x,),
            y,
            val_inputs=(xv,),
            val_y=1 - yv,
            config=TrainConfig(
                epochs=30, batch_size=32, lr=0.05, patience=2, monitor="loss", min_epochs=m
            ),
            generator=torch.Generator().manual_seed(0),
        )
    assert runs[0].best_epoch == 0
    # Epochs 1-3 (0-based 0-2) can be neither kept nor counted towards patience.
    assert runs[4].best_epoch == 3
    assert len(runs[4].epochs) == 6 and runs[4].stopped_early
    assert runs[4].best_score == pytest.approx(runs[4].epochs[3]["val_loss"])
    with pytest.raises(ConfigError, match="min_epochs"):
        TrainConfig(min_epochs=-1)


def test_without_validation_the_last_epoch_is_kept():
    module = _Linear()
    x, y = _blobs(64, 2)
    history = fit_module(module, (x,), y, config=TrainConfig(epochs=3, batch_size=16))
    assert history.best_epoch == 2 and not history.stopped_early


def test_verbose_fit_off_a_terminal_writes_one_line_per_epoch(capsys):
    # a log file or batch job gets a plain line per epoch, not a bar nor silence
    module = _Linear()
    x, y = _blobs(64, 2)
    xv, yv = _blobs(32, 3)
    config = TrainConfig(epochs=3, batch_size=16, verbose=True)
    fit_module(module, (x,), y, config=config, val_inputs=(xv,), val_y=yv)
    lines = capsys.readouterr().err.strip().splitlines()
    assert [line.split(" train_loss=")[0] for line in lines] == [
        f"training: epoch {k}/3" for k in (1, 2, 3)
    ]
    assert all("val_loss=" in line and line.endswith(" s)") for line in lines)
    fit_module(module, (x,), y, config=TrainConfig(epochs=2, batch_size=16))
    assert capsys.readouterr().err == ""  # quiet unless verbose


def test_verbose_fit_reports_on_rank_zero_only(capsys, monkeypatch):
    # under torchrun every rank runs the loop: one log line per epoch, not one per rank
    monkeypatch.setenv("RANK", "1")
    x, y = _blobs(32, 2)
    fit_module(_Linear(), (x,), y, config=TrainConfig(epochs=2, batch_size=16, verbose=True))
    assert capsys.readouterr().err == ""


def test_train_config_rejects_bad_values():
    with pytest.raises(ConfigError, match="optimizer"):
        TrainConfig(optimizer="sgd")
    with pytest.raises(ConfigError, match="monitor"):
        TrainConfig(monitor="f1")


def test_fit_does_not_touch_global_rng():
    from attnscope.estimators import MLPClassifier

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(60, 4)).astype(np.float32), np.arange(60) % 2
    torch.manual_seed(123)
    expected = torch.rand(1)
    torch.manual_seed(123)
    MLPClassifier(epochs=2, hidden=(8,)).fit(X, y)
    assert torch.equal(torch.rand(1), expected)


def test_cross_validate_scores_every_fold_on_held_out_samples():
    from attnscope.data import TabularDataset
    from attnscope.estimators import MLPClassifier
    from attnscope.train import cross_validate

    rng = np.random.default_rng(0)
    y = np.arange(90) % 3
    X = rng.normal(size=(90, 5)).astype(np.float32)
    X[np.arange(90), y] += 4.0
    data = TabularDataset(
        labels=y,
        sample_ids=np.arange(90).astype(str),
        class_names=["a", "b", "c"],
        truth=None,
        meta={},
        X=X,
        feature_names=np.array([f"g{i}" for i in range(5)]),
    )
    est = MLPClassifier(epochs=40, lr=0.01, hidden=(16,), val_size=0.0)
    cv = cross_validate(est, data, n_splits=3, random_state=0)
    assert len(cv["folds"]) == 3
    held_out = np.concatenate(cv["test_index"])
    assert sorted(held_out.tolist()) == list(range(90))
    assert all(f["n_samples"] == 30 for f in cv["folds"])
    assert cv["mean"]["accuracy"] > 0.8
    assert not hasattr(est, "module_")  # the template estimator is left unfitted
