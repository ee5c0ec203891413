"""Named real data sets: shapes and class counts as in the shared data README."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import attnscope.datasets as ds
from attnscope.errors import DataError


def need(data_dir: Path, *relative: str) -> None:
    for rel in relative:
        if not (data_dir / rel).exists():
            pytest.skip(f"shared data file {data_dir / rel} is not available")


def counts(data) -> dict[str, int]:
    return dict(zip(data.class_names, np.bincount(data.labels, minlength=data.n_classes).tolist()))


def test_ctcf(data_dir):
    need(data_dir, "sequences/ctcf_zeng2016/test.fa", "sequences/ctcf_zeng2016/valid.fa")
    data = ds.load_ctcf()
    assert data.tokens.shape == (19544, 101)
    assert counts(data) == {"unbound": 9721, "bound": 9823}
    # Negatives are the shuffled sequences: their ids end in "_shuf".
    shuffled = np.char.endswith(data.sample_ids.astype(str), "_shuf")
    np.testing.assert_array_equal(shuffled, data.labels == 0)
    assert len(ds.load_ctcf("valid")) == 1000
    with pytest.raises(DataError, match="split"):
        ds.load_ctcf("train")


def test_splice(data_dir):
    need(data_dir, "sequences/uci_splice_junction/splice.csv")
    data = ds.load_splice()
    assert data.tokens.shape == (3190, 60)
    assert counts(data) == {"EI": 767, "IE": 768, "N": 1655}
    # Known biology: donors (EI) carry GT at 1-based positions 31-32 in ~99% of cases.
    gt = (data.tokens[:, 30] == 3) & (data.tokens[:, 31] == 4)
    assert gt[data.labels == 0].mean() > 0.98 and gt[data.labels == 2].mean() < 0.5
    assert (data.tokens == 5).any()  # ambiguity codes became N


def test_promoters(data_dir):
    need(
        data_dir,
        "sequences/human_nontata_promoters_test.csv",
        "sequences/umarov2017_arabidopsis/Arabidopsis_non_tata.fa",
        "sequences/umarov2017_arabidopsis/Arabidopsis_non_prom_big.fa",
    )
    human = ds.load_nontata_promoters()
    assert human.tokens.shape == (9034, 251) and human.class_names == ["non_promoter", "promoter"]
    plant = ds.load_arabidopsis_promoters()
    assert plant.tokens.shape == (17364, 251)
    assert counts(plant) == {"non_promoter": 11459, "promoter": 5905}


def test_expression_sets(data_dir):
    need(
        data_dir,
        "expression/golub_leukemia/actual.csv",
        "expression/srbct/srbct_gene_expression_with_class.csv",
        "expression/genefu_expos/expos_expression.csv.gz",
        "expression/TCGA_breast_cancer_LumA_vs_Basal_PAM50.tsv",
    )
    golub = ds.load_golub()
    assert golub.X.shape == (72, 7129) and counts(golub) == {"ALL": 47, "AML": 25}
    assert golub.meta["split"].count("train") == 38
    srbct = ds.load_srbct()
    assert srbct.X.shape == (63, 2308)
    assert counts(srbct) == {"BL": 8, "EWS": 23, "NB": 12, "RMS": 20}
    expos = ds.load_genefu_expos()
    assert expos.X.shape == (246, 657) and counts(expos) == {"negative": 85, "positive": 161}
    esr1 = expos.X[:, expos.feature_names.tolist().index("ESR1")]
    assert esr1[expos.labels == 1].mean() > esr1[expos.labels == 0].mean()
    pam = ds.load_tcga_pam50("luma_basal")
    assert pam.X.shape == (328, 49) and counts(pam) == {"Basal-like": 97, "Luminal A": 231}


def test_multiomics_sets(data_dir):
    need(data_dir, "multiomics/rosmap/1_tr.csv", "multiomics/kidney_moganet/1_tr.csv")
    rosmap = ds.load_rosmap("train")
    assert len(rosmap) == 245 and rosmap.class_names == ["normal_control", "alzheimers"]
    assert len(ds.load_rosmap("test")) == 106
    kidney = ds.load_kidney("all")
    assert len(kidney) == 136
    assert {k: v.shape[1] for k, v in kidney.omics.items()} == {
        "mRNA": 2957,
        "methylation": 3872,
        "miRNA": 217,
    }
    assert "CFH" in kidney.feature_names["mRNA"].tolist()


def test_list_datasets_and_missing_files(tmp_path, monkeypatch):
    rows = ds.list_datasets()
    names = {r["name"] for r in rows}
    assert {"ctcf", "splice", "golub", "rosmap", "kidney"} <= names
    assert all(hasattr(ds, r["loader"]) and r["source"] for r in rows)
    monkeypatch.setenv("ATTNSCOPE_DATA", str(tmp_path))
    with pytest.raises(DataError, match=r"ctcf_zeng2016/test\.fa"):
        ds.load_ctcf()
    with pytest.raises(DataError, match="ATTNSCOPE_DATA"):
        ds.load_rosmap()
    assert list(tmp_path.iterdir()) == []
