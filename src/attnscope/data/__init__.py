"""Dataset containers per modality, encoders and splits."""

from attnscope.data._containers import (
    ALPHABET,
    PAD,
    Dataset,
    GenotypeDataset,
    SequenceDataset,
    TabularDataset,
)
from attnscope.data._containers_more import ArrayDataset, MultiOmicsDataset, TimeSeriesDataset
from attnscope.data._encode import (
    decode_labels,
    encode_labels,
    encode_sequences,
    labels_of_new_data,
)
from attnscope.data._labels import align_labels, id_strings
from attnscope.data._lazy import LazyGenotypes
from attnscope.data._schema import align_to_schema, input_schema
from attnscope.data._split import (
    homology_groups,
    homology_split,
    kfold_indices,
    kmer_sets,
    near_duplicate_pairs,
    near_duplicate_share,
    run_split,
    train_val_test_split,
)

__all__ = [
    "ALPHABET",
    "PAD",
    "ArrayDataset",
    "Dataset",
    "GenotypeDataset",
    "LazyGenotypes",
    "MultiOmicsDataset",
    "SequenceDataset",
    "TabularDataset",
    "TimeSeriesDataset",
    "align_labels",
    "align_to_schema",
    "decode_labels",
    "encode_labels",
    "encode_sequences",
    "homology_groups",
    "homology_split",
    "id_strings",
    "input_schema",
    "kfold_indices",
    "kmer_sets",
    "labels_of_new_data",
    "near_duplicate_pairs",
    "near_duplicate_share",
    "run_split",
    "train_val_test_split",
]
