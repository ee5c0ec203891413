"""Training hyper-parameters shared by every estimator."""

from __future__ import annotations

from dataclasses import dataclass

from attnscope.errors import ConfigError

__all__ = ["MONITORS", "TrainConfig"]

#: Validation metrics early stopping can watch (higher is better except ``loss``).
MONITORS = ("accuracy", "balanced_accuracy", "auroc", "loss")


@dataclass
class TrainConfig:
    """Options of :func:`attnscope.train.fit_module` (see the estimator docstrings)."""

    epochs: int = 50
    batch_size: int = 64
    lr: float = 1e-3
    weight_decay: float = 0.0
    optimizer: str = "adam"
    amsgrad: bool = False
    patience: int = 10
    monitor: str = "accuracy"
    min_epochs: int = 0
    clip_grad_norm: float | None = 1.0
    device: str = "cpu"
    verbose: bool = False

    def __post_init__(self) -> None:
        if self.epochs < 0:
            raise ConfigError(f"epochs must be >= 0, got {self.epochs}.")
        if self.batch_size < 1:
            raise ConfigError(f"batch_size must be >= 1, got {self.batch_size}.")
        if self.lr <= 0:
            raise ConfigError(f"lr must be positive, got {self.lr}.")
        if self.optimizer not in ("adam", "adamw"):
            raise ConfigError(f"optimizer must be 'adam' or 'adamw', got {self.optimizer!r}.")
        if self.monitor not in MONITORS:
            raise ConfigError(f"monitor must be one of {MONITORS}, got {self.monitor!r}.")
        if self.min_epochs < 0:
            raise ConfigError(f"min_epochs must be >= 0, got {self.min_epochs}.")
        if self.patience < 1:
            raise ConfigError(f"patience must be >= 1, got {self.patience}.")
