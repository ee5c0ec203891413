"""Dataset containers per modality, encoders and splits."""

from attnscope.data._containers import (
    ALPHABET,
    PAD,
    ArrayDataset,
    Dataset,
    GenotypeDataset,
    MultiOmicsDataset,
    SequenceDataset,
    TabularDataset,
    TimeSeriesDataset,
)
from attnscope.data._encode import decode_labels, encode_labels, encode_sequences
from attnscope.data._split import kfold_indices, train_val_test_split

__all__ = [
    "ALPHABET",
    "PAD",
    "ArrayDataset",
    "Dataset",
    "GenotypeDataset",
    "MultiOmicsDataset",
    "SequenceDataset",
    "TabularDataset",
    "TimeSeriesDataset",
    "decode_labels",
    "encode_labels",
    "encode_sequences",
    "kfold_indices",
    "train_val_test_split",
]
