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
from attnscope.data._schema import align_to_schema, input_schema
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
    "align_to_schema",
    "decode_labels",
    "encode_labels",
    "encode_sequences",
    "input_schema",
    "kfold_indices",
    "train_val_test_split",
]
