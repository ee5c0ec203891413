"""Networks only (no training code); each ``forward`` returns a :class:`ModelOutput`."""

from attnscope.core import ModelOutput
from attnscope.models.attn_lstm import AttentionLSTM, lstm_sequence
from attnscope.models.attngen import AttnGen
from attnscope.models.baselines import MLP, SequenceCNN, TimeSeriesGRU, one_hot_dna
from attnscope.models.fusion import FusionNet
from attnscope.models.hain import HAIN
from attnscope.models.hemera import HEMERA, hemera_memory_estimate

__all__ = [
    "HAIN",
    "HEMERA",
    "MLP",
    "AttentionLSTM",
    "AttnGen",
    "FusionNet",
    "ModelOutput",
    "SequenceCNN",
    "TimeSeriesGRU",
    "hemera_memory_estimate",
    "lstm_sequence",
    "one_hot_dna",
]
