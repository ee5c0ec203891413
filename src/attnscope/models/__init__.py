"""Networks only (no training code); each ``forward`` returns a :class:`ModelOutput`."""

from attnscope.models._output import ModelOutput
from attnscope.models.baselines import MLP, SequenceCNN, TimeSeriesGRU, one_hot_dna

__all__ = ["MLP", "ModelOutput", "SequenceCNN", "TimeSeriesGRU", "one_hot_dna"]
