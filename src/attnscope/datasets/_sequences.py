"""Real DNA data sets from the shared data folder, loaded by name.

Each loader reads from :func:`attnscope._utils.paths.shared_data_dir` (``$ATTNSCOPE_DATA``
or ``../shared/data``) and raises :class:`DataError` naming the file when it is absent.
Cite the source given in each docstring wherever results on these data are reported.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from attnscope._utils.paths import shared_data_dir
from attnscope.data import SequenceDataset
from attnscope.errors import DataError

__all__ = [
    "list_datasets",
    "load_arabidopsis_promoters",
    "load_ctcf",
    "load_nontata_promoters",
    "load_splice",
]


def shared_file(relative: str) -> Path:
    """Path of a file (or folder) under the shared data folder; DataError when absent."""
    path = shared_data_dir() / relative
    if not path.exists():
        raise DataError(
            f"{path}: data file not found. Put the shared data sets there or set "
            "ATTNSCOPE_DATA to the folder holding them."
        )
    return path


def load_ctcf(split: str = "test") -> SequenceDataset:
    """CTCF ChIP-seq peaks vs dinucleotide-shuffled negatives, 101 bp.

    Zeng et al. 2016 ("Convolutional neural network architectures for predicting
    DNA-protein binding", motif discovery task), via gifford-lab/Keras-genomics (MIT).
    The driving motif is known: JASPAR MA0139.1 (CTCF).

    Parameters
    ----------
    split : {"test", "valid"}, default "test"
        test: 19,544 sequences (9,823 bound); valid: 1,000.

    Returns
    -------
    SequenceDataset
        Classes ``["unbound", "bound"]`` (label = column 1 of the ``.target`` file).
    """
    from attnscope.io import read_fasta

    if split not in ("test", "valid"):
        raise DataError(f"split must be 'test' or 'valid', got {split!r}.")
    fasta = shared_file(f"sequences/ctcf_zeng2016/{split}.fa")
    target = shared_file(f"sequences/ctcf_zeng2016/{split}.target")
    data = read_fasta(fasta)
    onehot = np.loadtxt(target, dtype=np.int64, ndmin=2)
    if onehot.shape != (len(data), 2):
        raise DataError(
            f"{target}: {onehot.shape[0]} rows x {onehot.shape[1]} columns, expected "
            f"{len(data)} x 2 (one per record of {fasta.name})."
        )
    return replace(
        data,
        labels=onehot[:, 0].astype(np.int64),
        class_names=["unbound", "bound"],
        meta={**data.meta, "source": "Zeng et al. 2016, gifford-lab/Keras-genomics (MIT)"},
    )


def load_splice() -> SequenceDataset:
    """UCI Molecular Biology (Splice-junction Gene Sequences), 3,190 x 60 bp.

    Classes EI (donor), IE (acceptor), N (neither); ambiguity codes (N, D, R, S) become the
    ``N`` token. Known truth: EI has GT at positions 31-32, IE has AG at 29-30 (1-based).
    Source: UCI Machine Learning Repository, CC BY 4.0. The instance names are kept in
    ``meta["instance"]`` (they are not unique, so ids are row numbers).
    """
    import pandas as pd

    from attnscope.io import read_sequence_table

    path = shared_file("sequences/uci_splice_junction/splice.csv")
    data = read_sequence_table(path, sequence_col="Sequence", label_col="Class")
    names = pd.read_csv(path, skipinitialspace=True, dtype=str).iloc[:, 1].str.strip()
    meta = {**data.meta, "instance": names.tolist(), "source": "UCI splice-junction, CC BY 4.0"}
    return replace(data, meta=meta)


def load_nontata_promoters() -> SequenceDataset:
    """Genomic Benchmarks ``human_nontata_promoters``, TEST split only: 9,034 x 251 bp.

    Grešová et al., BMC Genomic Data 2023 (Apache-2.0), as redistributed in
    GayanSamuditha/DNA-Language-Model-Evaluation (MIT). Use your own stratified splits or
    k-fold CV inside it (the train split is not available here).

    Returns
    -------
    SequenceDataset
        Classes ``["non_promoter", "promoter"]``.
    """
    from attnscope.io import read_sequence_table

    path = shared_file("sequences/human_nontata_promoters_test.csv")
    data = read_sequence_table(path, class_names=["0", "1"])
    return replace(
        data,
        class_names=["non_promoter", "promoter"],
        meta={**data.meta, "source": "Genomic Benchmarks (Grešová et al. 2023), Apache-2.0"},
    )


def load_arabidopsis_promoters(*, length: int = 251) -> SequenceDataset:
    """Arabidopsis non-TATA promoters vs non-promoters (Umarov & Solovyev 2017, CNNProm).

    5,905 promoters (EPDnew, -200..+50) and 11,459 non-promoter sequences, 251 bp; via
    nmach22/Promoter-Classification (MIT). Ids are ``<file stem>:<record number>`` (the
    non-promoter headers are not unique).

    Returns
    -------
    SequenceDataset
        Classes ``["non_promoter", "promoter"]``.
    """
    from attnscope.io import read_fasta

    pos = read_fasta(
        shared_file("sequences/umarov2017_arabidopsis/Arabidopsis_non_tata.fa"),
        length=length,
        id_from="index",
    )
    neg = read_fasta(
        shared_file("sequences/umarov2017_arabidopsis/Arabidopsis_non_prom_big.fa"),
        length=length,
        id_from="index",
    )
    return SequenceDataset(
        labels=np.concatenate([np.ones(len(pos), np.int64), np.zeros(len(neg), np.int64)]),
        sample_ids=np.concatenate([pos.sample_ids, neg.sample_ids]),
        class_names=["non_promoter", "promoter"],
        truth=None,
        meta={"source": "Umarov & Solovyev 2017 (PLoS ONE), nmach22/Promoter-Classification"},
        tokens=np.vstack([pos.tokens, neg.tokens]),
    )


_REGISTRY: list[dict[str, Any]] = [
    {
        "name": "hapmap3",
        "loader": "load_hapmap3",
        "modality": "genotype",
        "shape": "324 x 13,928 SNPs (PLINK); phenotypes from attnscope.sim.simulate_phenotype",
        "source": "HapMap3 (ADMIXTURE tutorial); OpenMendel/OrdinalGWAS.jl, MIT",
    },
    {
        "name": "bglr_mice",
        "loader": "load_bglr_mice",
        "modality": "genotype",
        "shape": "1,814 x 10,346 SNPs; albino 164 vs 1,650 (Tyr, chr 7)",
        "source": "gdlc/BGLR-R, GPL-3",
    },
    {
        "name": "physionet2012",
        "loader": "load_physionet2012",
        "modality": "timeseries",
        "shape": "4,000 ICU stays x 48 h x 36 variables; 554 deaths",
        "source": "Silva et al. 2012; PhysioNet, ODC-By 1.0",
    },
    {
        "name": "ctcf",
        "loader": "load_ctcf",
        "modality": "sequence",
        "shape": "test 19,544 x 101 bp (9,823 bound); valid 1,000",
        "source": "Zeng et al. 2016; gifford-lab/Keras-genomics, MIT",
    },
    {
        "name": "splice",
        "loader": "load_splice",
        "modality": "sequence",
        "shape": "3,190 x 60 bp; EI 767, IE 768, N 1,655",
        "source": "UCI splice-junction, CC BY 4.0",
    },
    {
        "name": "nontata_promoters",
        "loader": "load_nontata_promoters",
        "modality": "sequence",
        "shape": "9,034 x 251 bp (test split)",
        "source": "Genomic Benchmarks (Grešová et al. 2023), Apache-2.0",
    },
    {
        "name": "arabidopsis_promoters",
        "loader": "load_arabidopsis_promoters",
        "modality": "sequence",
        "shape": "17,364 x 251 bp; 5,905 promoters",
        "source": "Umarov & Solovyev 2017; nmach22/Promoter-Classification, MIT",
    },
    {
        "name": "golub",
        "loader": "load_golub",
        "modality": "tabular",
        "shape": "72 x 7,129 probes; ALL 47, AML 25",
        "source": "Golub et al. 1999; tkhan11/Gene-Expression-Classification",
    },
    {
        "name": "srbct",
        "loader": "load_srbct",
        "modality": "tabular",
        "shape": "63 x 2,308; EWS 23, RMS 20, NB 12, BL 8",
        "source": "Khan et al. 2001; mixOmicsTeam/mixOmics, GPL >= 2",
    },
    {
        "name": "genefu_expos",
        "loader": "load_genefu_expos",
        "modality": "tabular",
        "shape": "ER: 246 x 657 gene symbols (161 pos / 85 neg)",
        "source": "expO (GSE2109) via bhklab/genefu, Artistic-2.0",
    },
    {
        "name": "tcga_pam50",
        "loader": "load_tcga_pam50",
        "modality": "tabular",
        "shape": "er: 1,036 x 49; luma_basal: 328 x 49",
        "source": "TCGA BRCA via vennemeyers/Example1",
    },
    {
        "name": "rosmap",
        "loader": "load_rosmap",
        "modality": "multiomics",
        "shape": "245 train / 106 test; 200 + 200 + 200 features",
        "source": "ROSMAP via txWang/MOGONET, MIT",
    },
    {
        "name": "kidney",
        "loader": "load_kidney",
        "modality": "multiomics",
        "shape": "95 train / 41 test; 2,957 + 3,872 + 217 features",
        "source": "TCGA KIPAN via HaoWuLab-Bioinformatics/MOGANet",
    },
]


def list_datasets() -> list[dict[str, Any]]:
    """The real data sets attnscope can load by name.

    Returns
    -------
    list of dict
        One dict per data set with ``name``, ``loader`` (function in
        :mod:`attnscope.datasets`), ``modality``, ``shape`` and ``source``.
    """
    return [dict(row) for row in _REGISTRY]
