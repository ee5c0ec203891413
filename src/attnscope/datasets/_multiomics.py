"""Real multi-omics data sets (MOGONET layout) from the shared data folder, loaded by name.

Cite the source given in each docstring wherever results on these data are reported.
"""

from __future__ import annotations

from attnscope.data import MultiOmicsDataset
from attnscope.datasets._sequences import shared_file

__all__ = ["load_kidney", "load_rosmap"]


def load_rosmap(split: str = "train") -> MultiOmicsDataset:
    """ROSMAP Alzheimer's disease vs normal control (MOGONET, Wang et al. 2021; MIT).

    mRNA, DNA methylation and miRNA, 200 features each; 245 train / 106 test samples.
    Published MOGONET: accuracy 0.815, F1 0.821, AUC 0.874.

    Parameters
    ----------
    split : {"train", "test", "all"}, default "train"

    Returns
    -------
    MultiOmicsDataset
        Classes ``["normal_control", "alzheimers"]`` (codes 0, 1 of the files).
    """
    from attnscope.io import read_mogonet

    data = read_mogonet(shared_file("multiomics/rosmap"), split=split)
    data.class_names = ["normal_control", "alzheimers"]
    data.meta["source"] = "ROSMAP via txWang/MOGONET (MIT)"
    return data


def load_kidney(split: str = "train") -> MultiOmicsDataset:
    """TCGA kidney cancer (KIPAN) from HaoWuLab-Bioinformatics/MOGANet (no licence stated).

    mRNA (2,957 features, gene symbols), DNA methylation (3,872), miRNA (217); 95 train /
    41 test samples, two classes (codes 0, 1 of the files).

    Parameters
    ----------
    split : {"train", "test", "all"}, default "train"
    """
    from attnscope.io import read_mogonet

    data = read_mogonet(shared_file("multiomics/kidney_moganet"), split=split)
    data.meta["source"] = "TCGA KIPAN via HaoWuLab-Bioinformatics/MOGANet"
    return data
