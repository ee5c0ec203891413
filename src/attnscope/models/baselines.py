"""Baseline networks: a 1-D CNN on one-hot DNA and an MLP on tabular features.

Both take float inputs, so every gradient method applies to them directly.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from attnscope.core import ModelOutput

__all__ = ["MLP", "SequenceCNN", "TimeSeriesGRU", "one_hot_dna"]


def one_hot_dna(tokens: Tensor) -> Tensor:
    """Token codes (batch, length) -> one-hot (batch, 4, length).

    A, C, G, T map to unit vectors, N to 0.25 in each channel, padding to zeros.
    """
    table = torch.zeros(6, 4, device=tokens.device)
    table[1:5] = torch.eye(4, device=tokens.device)
    table[5] = 0.25
    return table[tokens.long()].transpose(1, 2)


class SequenceCNN(nn.Module):
    """Two convolution blocks, global max + mean pooling, two dense layers.

    Parameters
    ----------
    n_classes : int
    n_filters : int, default 64
    kernel_size : int, default 15
        First-layer filter width (about a transcription-factor motif).
    dropout : float, default 0.3
    """

    def __init__(
        self, n_classes: int, *, n_filters: int = 64, kernel_size: int = 15, dropout: float = 0.3
    ) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv1d(4, n_filters, kernel_size, padding=kernel_size // 2),
            nn.BatchNorm1d(n_filters),
            nn.ReLU(),
            nn.MaxPool1d(2, ceil_mode=True),
            nn.Conv1d(n_filters, n_filters, 5, padding=2),
            nn.BatchNorm1d(n_filters),
            nn.ReLU(),
        )
        self.head = nn.Sequential(
            nn.Linear(2 * n_filters, n_filters),
            nn.ReLU(),
            nn.Dropout(dropout),
            nn.Linear(n_filters, n_classes),
        )

    def forward(self, onehot: Tensor) -> ModelOutput:
        """``onehot`` of shape (batch, 4, length) -> logits (batch, n_classes)."""
        h = self.features(onehot)
        pooled = torch.cat([h.amax(dim=-1), h.mean(dim=-1)], dim=1)
        return ModelOutput(logits=self.head(pooled))


class MLP(nn.Module):
    """Standardise with training statistics, then hidden layers with ReLU and dropout.

    The standardisation lives in buffers so attributions are in the input's own units
    and a saved model needs no separate scaler.
    """

    mean: Tensor
    scale: Tensor

    def __init__(
        self,
        n_features: int,
        n_classes: int,
        *,
        hidden: tuple[int, ...] = (256, 64),
        dropout: float = 0.3,
    ) -> None:
        super().__init__()
        self.register_buffer("mean", torch.zeros(n_features))
        self.register_buffer("scale", torch.ones(n_features))
        layers: list[nn.Module] = []
        width = n_features
        for h in hidden:
            layers += [nn.Linear(width, h), nn.ReLU(), nn.Dropout(dropout)]
            width = h
        layers.append(nn.Linear(width, n_classes))
        self.net = nn.Sequential(*layers)

    def forward(self, x: Tensor) -> ModelOutput:
        """``x`` of shape (batch, n_features) -> logits (batch, n_classes)."""
        return ModelOutput(logits=self.net((x - self.mean) / self.scale))


class TimeSeriesGRU(nn.Module):
    """Plain GRU over values and observed masks; last state + static -> logits.

    The predictive baseline for the attention-LSTM (no attention).
    """

    def __init__(
        self,
        n_variables: int,
        n_static: int,
        n_classes: int,
        *,
        hidden: int = 32,
        dropout: float = 0.2,
    ) -> None:
        super().__init__()
        self.gru = nn.GRU(2 * n_variables, hidden, batch_first=True)
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(hidden + n_static, n_classes)

    def forward(self, values: Tensor, mask: Tensor, static: Tensor) -> ModelOutput:
        """``values``, ``mask`` (batch, time, variables); ``static`` (batch, S) -> logits."""
        _, h = self.gru(torch.cat([values, mask.to(values.dtype)], dim=-1))
        return ModelOutput(logits=self.head(self.dropout(torch.cat([h[-1], static], dim=-1))))
