"""Table readers: expression, class-row tables, h5ad, PANCAN, multi-omics, GMT, known loci."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

from attnscope.errors import AttnscopeWarning, DataError
from attnscope.io import (
    gene_set_membership,
    read_class_row_table,
    read_expression,
    read_gmt,
    read_h5ad,
    read_known_loci,
    read_mogonet,
    read_multiomics,
    read_pancan,
)


def listing(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def bad_input(path: Path, reader, *needles: str, **kwargs) -> str:
    """Expect DataError naming ``path`` and ``needles``; nothing may be written."""
    before = listing(path.parent)
    with pytest.raises(DataError) as info:
        reader(path, **kwargs)
    msg = str(info.value)
    assert str(path) in msg, msg
    for needle in needles:
        assert needle in msg, msg
    assert listing(path.parent) == before
    return msg


def skip_missing(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"shared data file {path} is not available")
    return path


# --- expression --------------------------------------------------------------------------

X = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.5, 9.0], [0.5, 0.0, -1.0]])
SBF = "samples_by_features"
SAMPLES = ["s1", "s2", "s3", "s4"]
GENES = ["TP53", "ESR1", "GATA3"]


def write_sbf(path: Path, labels: list[str] | None = None, sep: str = ",") -> Path:
    head = ["sample", *GENES] + (["group"] if labels else [])
    rows = [sep.join(head)]
    for i, sid in enumerate(SAMPLES):
        cells = [sid, *(f"{v:g}" for v in X[i])] + ([labels[i]] if labels else [])
        rows.append(sep.join(cells))
    path.write_text("\n".join(rows) + "\n")
    return path


def write_fbs(path: Path, sep: str = "\t") -> Path:
    rows = [sep.join(["gene", *SAMPLES])]
    for j, g in enumerate(GENES):
        rows.append(sep.join([g, *(f"{v:g}" for v in X[:, j])]))
    path.write_text("\n".join(rows) + "\n")
    return path


def test_expression_samples_by_features_label_column(tmp_path):
    path = write_sbf(tmp_path / "x.csv", labels=["A", "B", "A", "B"])
    data = read_expression(path, label_col="group")
    np.testing.assert_array_equal(data.X, X.astype(np.float32))
    assert data.sample_ids.tolist() == SAMPLES
    assert data.feature_names.tolist() == GENES
    assert data.labels.tolist() == [0, 1, 0, 1]


def test_expression_orientation_detected_and_forced(tmp_path):
    fbs = write_fbs(tmp_path / "genes_by_samples.tsv")
    lab = tmp_path / "labels.csv"
    lab.write_text("id,label\ns1,0\ns2,1\ns3,1\ns4,0\n")
    data = read_expression(fbs, labels=lab)  # labelled ids are the header -> transposed
    np.testing.assert_array_equal(data.X, X.astype(np.float32))
    assert data.sample_ids.tolist() == SAMPLES and data.labels.tolist() == [0, 1, 1, 0]
    # No labels: 3 genes x 4 samples has fewer rows than columns -> rows are samples,
    # unless forced.
    forced = read_expression(fbs, orientation="features_by_samples")
    np.testing.assert_array_equal(forced.X, X.astype(np.float32))
    auto = read_expression(fbs)
    assert auto.sample_ids.tolist() == GENES
    sbf = write_sbf(tmp_path / "s.csv")
    tall = read_expression(sbf, orientation="samples_by_features")
    assert tall.feature_names.tolist() == GENES


def test_expression_r_style_header(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text('"TP53","ESR1"\n"s1",1,2\n"s2",3,4\n')
    data = read_expression(path, orientation="samples_by_features")
    assert data.sample_ids.tolist() == ["s1", "s2"] and data.feature_names.tolist() == [
        "TP53",
        "ESR1",
    ]


def test_expression_na_labels_dropped_with_warning(tmp_path):
    path = write_sbf(tmp_path / "x.csv", labels=["A", "NA", "A", "B"])
    with pytest.warns(AttnscopeWarning, match="s2"):
        data = read_expression(path, label_col="group")
    assert data.sample_ids.tolist() == ["s1", "s3", "s4"]


def test_expression_bad_inputs(tmp_path):
    path = write_sbf(tmp_path / "x.csv", labels=["A", "B", "A", "B"])
    bad_input(path, read_expression, "'cls' not found", "group", label_col="cls")
    path = write_sbf(tmp_path / "one.csv", labels=["A", "A", "A", "A"])
    bad_input(path, read_expression, "only 1 class", label_col="group")
    partial = tmp_path / "partial.csv"
    partial.write_text("id,label\ns1,A\ns2,B\ns3,A\n")
    plain = write_sbf(tmp_path / "plain.csv")
    bad_input(plain, read_expression, "1 of 4 samples of", "have no label", "s4", labels=partial)
    text = "sample,g1,g2\ns1,1,2\ns2,oops,4\ns3,5,6\n"
    (tmp_path / "txt.csv").write_text(text)
    bad_input(
        tmp_path / "txt.csv", read_expression, "line 3", "'oops'", "'s2'", "'g1'", orientation=SBF
    )
    (tmp_path / "nan.csv").write_text("sample,g1,g2\ns1,1,2\ns2,,4\ns3,5,6\n")
    bad_input(tmp_path / "nan.csv", read_expression, "NaN", "'s2'", "'g1'", orientation=SBF)
    (tmp_path / "inf.csv").write_text("sample,g1,g2\ns1,1,inf\ns2,3,4\ns3,5,6\n")
    bad_input(tmp_path / "inf.csv", read_expression, "infinite", "'s1'", "'g2'", orientation=SBF)
    (tmp_path / "dup.csv").write_text("sample,g1,g2\ns1,1,2\ns1,3,4\ns3,5,6\n")
    bad_input(tmp_path / "dup.csv", read_expression, "duplicate sample ids", "s1", orientation=SBF)
    (tmp_path / "dupf.csv").write_text("sample,g1,g1\ns1,1,2\ns2,3,4\ns3,5,6\n")
    bad_input(
        tmp_path / "dupf.csv", read_expression, "duplicate feature names", "g1", orientation=SBF
    )
    (tmp_path / "empty.csv").write_text("")
    bad_input(tmp_path / "empty.csv", read_expression, "empty")
    lab = tmp_path / "lab.csv"
    lab.write_text("id,label\nzz1,0\nzz2,1\n")
    bad_input(tmp_path / "dupf.csv", read_expression, "none of the labelled ids", labels=lab)


def test_class_row_table_odd_label(tmp_path):
    path = tmp_path / "pam.tsv"
    ids = [f"S{k}" for k in range(6)]
    labels = ["Pos", "Neg", "Pos", "Neg", "Pos ", "Postive"]
    rows = ["id\t" + "\t".join(ids), "class\t" + "\t".join(labels)]
    rows += [f"G{g}\t" + "\t".join(str(g + k) for k in range(6)) for g in range(3)]
    path.write_bytes(("\r\n".join(rows) + "\r\n").encode())
    with pytest.warns(AttnscopeWarning, match="S5='Postive'"):
        data = read_class_row_table(path)
    assert data.sample_ids.tolist() == ids[:5]
    assert data.class_names == ["Neg", "Pos"] and data.labels.tolist() == [1, 0, 1, 0, 1]
    assert data.X.shape == (5, 3) and data.X[1, 2] == 3.0
    assert data.meta["label_name"] == "class"


def test_class_row_table_real_pam50(data_dir):
    path = skip_missing(
        data_dir / "expression/TCGA_breast_cancer_ERpositive_vs_ERnegative_PAM50.tsv"
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", AttnscopeWarning)
        data = read_class_row_table(path)
    assert data.X.shape == (1036, 49)
    counts = dict(zip(data.class_names, np.bincount(data.labels).tolist()))
    # The "odd" last label is "Positive\r" (CRLF line ends): read as text it is Positive.
    assert counts == {"Negative": 235, "Positive": 801}
    assert "ESR1" in data.feature_names.tolist()
    esr1 = data.X[:, data.feature_names.tolist().index("ESR1")]
    assert esr1[data.labels == 1].mean() > esr1[data.labels == 0].mean() + 2


def test_h5ad(tmp_path):
    anndata = pytest.importorskip("anndata")
    import pandas as pd

    obs = pd.DataFrame({"cell_type": ["a", "b", "a", "b"]}, index=SAMPLES)
    var = pd.DataFrame(index=GENES)
    path = tmp_path / "x.h5ad"
    anndata.AnnData(X=X.astype(np.float32), obs=obs, var=var).write_h5ad(path)
    data = read_h5ad(path, label_key="cell_type")
    np.testing.assert_array_equal(data.X, X.astype(np.float32))
    assert data.labels.tolist() == [0, 1, 0, 1] and data.feature_names.tolist() == GENES
    bad_input(path, read_h5ad, "'cell_type'", "no column 'kind'", label_key="kind")


def test_pancan_layout(tmp_path):
    folder = tmp_path / "TCGA-PANCAN-HiSeq-801x20531"
    folder.mkdir()
    (folder / "data.csv").write_text(
        ",gene_0,gene_1\nsample_0,0.0,2.0\nsample_1,1.5,0.0\nsample_2,3.0,1.0\n"
    )
    (folder / "labels.csv").write_text(",Class\nsample_0,PRAD\nsample_1,LUAD\nsample_2,PRAD\n")
    data = read_pancan(folder)
    assert data.X.shape == (3, 2) and data.class_names == ["LUAD", "PRAD"]
    assert data.labels.tolist() == [1, 0, 1] and data.X[2, 0] == 3.0
    with pytest.raises(DataError, match=r"data\.csv"):
        read_pancan(tmp_path)


# --- multi-omics -------------------------------------------------------------------------


def write_mogonet(folder: Path, n_tr: int = 6, n_te: int = 4) -> None:
    folder.mkdir()
    rng = np.random.default_rng(0)
    for tag, n in (("tr", n_tr), ("te", n_te)):
        for i, width in ((1, 3), (2, 2)):
            np.savetxt(folder / f"{i}_{tag}.csv", rng.normal(size=(n, width)) + i, delimiter=",")
        np.savetxt(folder / f"labels_{tag}.csv", np.arange(n) % 2, fmt="%.18e")
    (folder / "1_featname.csv").write_text("TP53\nESR1\nGATA3\n")
    (folder / "2_featname.csv").write_text("cg1\ncg2\n")


def test_mogonet_layout(tmp_path):
    write_mogonet(tmp_path / "m")
    data = read_mogonet(tmp_path / "m", names=["rna", "meth"])
    assert data.modality_names == ["rna", "meth"]
    assert data.omics["rna"].shape == (6, 3) and data.omics["meth"].shape == (6, 2)
    assert data.feature_names["rna"].tolist() == ["TP53", "ESR1", "GATA3"]
    assert data.labels.tolist() == [0, 1, 0, 1, 0, 1]
    both = read_mogonet(tmp_path / "m", split="all", names=["rna", "meth"])
    assert len(both) == 10 and both.meta["split"].tolist() == ["train"] * 6 + ["test"] * 4
    np.testing.assert_array_equal(both.omics["rna"][:6], data.omics["rna"])
    (tmp_path / "m" / "2_featname.csv").write_text("cg1\n")
    with pytest.raises(DataError, match=r"2_featname\.csv: 1 feature names but 2 columns"):
        read_mogonet(tmp_path / "m", names=["rna", "meth"])


def test_mogonet_real_rosmap(data_dir):
    folder = skip_missing(data_dir / "multiomics/rosmap")
    data = read_mogonet(folder)
    assert len(data) == 245 and data.modality_names == ["mRNA", "methylation", "miRNA"]
    assert {k: v.shape[1] for k, v in data.omics.items()} == {
        "mRNA": 200,
        "methylation": 200,
        "miRNA": 200,
    }
    assert len(read_mogonet(folder, split="test")) == 106


def test_read_multiomics_missing_modality(tmp_path):
    (tmp_path / "rna.csv").write_text("sample,g1,g2\nA,1,2\nB,3,4\nC,5,6\n")
    (tmp_path / "meth.tsv").write_text("probe\tB\tD\tC\ncg1\t0.1\t0.2\t0.3\n")
    (tmp_path / "labels.csv").write_text("id,label\nA,x\nB,y\nC,x\nD,y\n")
    data = read_multiomics(
        {"rna": tmp_path / "rna.csv", "meth": tmp_path / "meth.tsv"},
        labels=tmp_path / "labels.csv",
    )
    assert data.sample_ids.tolist() == ["A", "B", "C", "D"]
    assert data.present.tolist() == [[True, False], [True, True], [True, True], [False, True]]
    np.testing.assert_allclose(data.omics["meth"][:, 0], [0.0, 0.1, 0.3, 0.2], rtol=1e-6)
    np.testing.assert_array_equal(data.omics["rna"][3], [0, 0])
    assert data.labels.tolist() == [0, 1, 0, 1]
    clinical = tmp_path / "clinical.tsv"
    clinical.write_text("patient\tage\tstatus\nD\t50\tdead\nA\t61\talive\nB\t40\tNA\n")
    with pytest.warns(AttnscopeWarning):
        data = read_multiomics(
            {"rna": tmp_path / "rna.csv", "meth": tmp_path / "meth.tsv"},
            labels=clinical,
            label_col="status",
        )
    assert data.sample_ids.tolist() == ["D", "A"] and data.class_names == ["alive", "dead"]


def test_read_multiomics_mismatched_ids(tmp_path):
    (tmp_path / "rna.csv").write_text("sample,g1,g2\nA,1,2\nB,3,4\n")
    (tmp_path / "mir.csv").write_text("sample,m1\nP1,1\nP2,3\n")
    (tmp_path / "labels.csv").write_text("id,label\nA,x\nB,y\n")
    with pytest.raises(DataError, match=r"mir\.csv: no sample id of modality 'mir'"):
        read_multiomics(
            {"rna": tmp_path / "rna.csv", "mir": tmp_path / "mir.csv"},
            labels=tmp_path / "labels.csv",
        )
    (tmp_path / "labels.csv").write_text("id,label\nA,x\nB,y\nZ9,x\n")  # Z9: in no table
    data = read_multiomics({"rna": tmp_path / "rna.csv"}, labels=tmp_path / "labels.csv")
    assert data.sample_ids.tolist() == ["A", "B"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["labels.csv", "mir.csv", "rna.csv"]


# --- gene sets ---------------------------------------------------------------------------


def test_gmt_and_membership(tmp_path):
    path = tmp_path / "sets.gmt"
    path.write_text("SET_A\tdesc\tTP53\tesr1\tNOPE\nSET_B\t\tGATA3\t\t\nSET_C\tx\tFOO\n")
    sets = read_gmt(path)
    assert sets == {"SET_A": ["TP53", "esr1", "NOPE"], "SET_B": ["GATA3"], "SET_C": ["FOO"]}
    mat, names = gene_set_membership(sets, ["ESR1", "tp53", "GATA3", "MYC"])
    assert names == ["SET_A", "SET_B"]
    assert mat.shape == (2, 4)
    np.testing.assert_array_equal(mat.toarray(), [[1, 1, 0, 0], [0, 0, 1, 0]])
    mat2, names2 = gene_set_membership(path, ["ESR1", "tp53", "GATA3"], min_size=2)
    assert names2 == ["SET_A"] and mat2.shape == (1, 3)


def test_gmt_bad_inputs(tmp_path):
    path = tmp_path / "sets.gmt"
    path.write_text("")
    bad_input(path, read_gmt, "empty")
    path.write_text("SET_A\tdesc\tTP53\nSET_B TP53 ESR1\n")
    bad_input(path, read_gmt, "line 2", "tab-separated")
    path.write_text("SET_A\tdesc\tTP53\tESR1\n")
    with pytest.raises(DataError) as info:
        gene_set_membership(path, ["ENSG000001", "ENSG000002"])
    msg = str(info.value)
    assert str(path) in msg and "2 measured genes" in msg and "ENSG000001" in msg and "TP53" in msg


def test_gmt_real_hallmark(data_dir):
    path = skip_missing(data_dir / "reference/genesets/h.all.v7.0.symbols.gmt")
    sets = read_gmt(path)
    assert len(sets) == 50 and "GREB1" in sets["HALLMARK_ESTROGEN_RESPONSE_EARLY"]
    mat, names = gene_set_membership(sets, ["greb1", "MYB", "TP53", "XBP1"])
    assert "HALLMARK_ESTROGEN_RESPONSE_EARLY" in names and mat.shape[1] == 4


# --- known loci --------------------------------------------------------------------------


def test_loci_separate_and_combined_columns(tmp_path):
    a = tmp_path / "a.tsv"
    a.write_text("SNP\tCHR\tBP\textra\nrs1\tchr7\t1,000\tx\nrs2\t22\t55\ty\n")
    loci = read_known_loci(a)
    assert loci[["id", "chromosome", "position"]].values.tolist() == [
        ["rs1", "7", 1000],
        ["rs2", "22", 55],
    ]
    assert loci["extra"].tolist() == ["x", "y"]
    b = tmp_path / "b.csv"
    b.write_text("variant,locus,or\nrs9,chrX:123,1.1\nrs8,3:77,0.9\n,,\n")
    loci = read_known_loci(b)
    assert loci["chromosome"].tolist() == ["X", "3"] and loci["position"].tolist() == [123, 77]
    assert loci["position"].dtype == np.int64
    c = tmp_path / "c.csv"
    c.write_text("variant,locus\nrs9,chrX:123\nrs8,chr3:abc\nrs7,chr1:5\nrs6,2:9\nrs5,1:1\n")
    bad_input(c, read_known_loci, "line 3", "chr3:abc")
    d = tmp_path / "d.csv"
    d.write_text("variant,or\nrs9,1.2\n")
    bad_input(d, read_known_loci, "columns are", "'or'")


def test_loci_real_lung_table(data_dir):
    path = skip_missing(data_dir / "reference/lung_cancer_GWS_loci_71_hg19.tsv")
    with pytest.warns(AttnscopeWarning, match="skipped 2 rows"):
        loci = read_known_loci(path)
    # The file holds 66 variants (its name says 71) plus blank and footnote rows.
    assert len(loci) == 66 and loci["id"].str.startswith("rs").all()
    first = loci.iloc[0]
    assert (first["id"], first["chromosome"], first["position"]) == ("rs71658797", "1", 77967507)
    assert loci.set_index("id").loc["rs17879961", "chromosome"] == "22"
