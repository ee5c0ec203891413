"""Networks only (no training code); each ``forward`` returns a :class:`ModelOutput`."""

from attnscope.models._output import ModelOutput
from attnscope.models.attngen import AttnGen
from attnscope.models.baselines import MLP, SequenceCNN, TimeSeriesGRU, one_hot_dna

__all__ = ["MLP", "AttnGen", "ModelOutput", "SequenceCNN", "TimeSeriesGRU", "one_hot_dna"]
