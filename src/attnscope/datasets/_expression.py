"""Real expression data sets from the shared data folder, loaded by name.

Cite the source given in each docstring wherever results on these data are reported.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from attnscope.data import TabularDataset
from attnscope.datasets._sequences import shared_file
from attnscope.errors import DataError

__all__ = ["load_genefu_expos", "load_golub", "load_srbct", "load_tcga_pam50"]


def load_golub() -> TabularDataset:
    """Golub et al. 1999 leukaemia, ALL vs AML: 72 samples x 7,129 probes (ALL 47, AML 25).

    The training (38) and independent (34) files are merged in that order; the P/A/M call
    columns are dropped; features are the Affymetrix accession numbers; labels come from
    ``actual.csv``. ``meta["split"]`` keeps the original split ("train"/"independent").
    Via tkhan11/Gene-Expression-Classification (no licence stated).
    """
    import pandas as pd

    from attnscope.io._tabular import build_tabular

    folder = "expression/golub_leukemia/"
    blocks: list[Any] = []
    split: list[str] = []
    features: list[str] | None = None
    for tag in ("train", "independent"):
        path = shared_file(f"{folder}data_set_ALL_AML_{tag}.csv")
        frame = pd.read_csv(path)
        if "Gene Accession Number" not in frame.columns:
            raise DataError(f"{path}: no 'Gene Accession Number' column; not the Golub layout.")
        samples = [
            c for c in frame.columns[2:] if not str(c).lower().startswith("call") and str(c).strip()
        ]
        acc = frame["Gene Accession Number"].astype(str).tolist()
        if features is not None and acc != features:
            raise DataError(f"{path}: probes differ from the training file's; cannot merge.")
        features = acc
        blocks.append(frame[samples].T)
        split.extend([tag] * len(samples))
    merged = pd.concat(blocks)
    labels_path = shared_file(folder + "actual.csv")
    actual = pd.read_csv(labels_path, dtype=str)
    lookup = dict(zip(actual.iloc[:, 0].str.strip(), actual.iloc[:, 1].str.strip()))
    ids = [str(i).strip() for i in merged.index]
    missing = [i for i in ids if i not in lookup]
    if missing:
        raise DataError(f"{labels_path}: no class for patients {missing[:5]}.")
    return build_tabular(
        merged.to_numpy(dtype=np.float32),
        ids,
        features or [],
        [lookup[i] for i in ids],
        source="Golub et al. 1999 (tkhan11/Gene-Expression-Classification)",
        meta={"split": split},
    )


def load_srbct() -> TabularDataset:
    """Khan et al. 2001 small round blue cell tumours: 63 x 2,308 (EWS 23, RMS 20, NB 12, BL 8).

    Features are the ``g<k>`` gene ids of the file; ``meta["image_id"]`` and
    ``meta["gene_description"]`` give each one's IMAGE clone and description. Via
    mixOmicsTeam/mixOmics (GPL >= 2). Sample ids are ``srbct_<row>`` (the file has none).
    """
    import pandas as pd

    from attnscope.io._tabular import build_tabular

    path = shared_file("expression/srbct/srbct_gene_expression_with_class.csv")
    frame = pd.read_csv(path)
    label_col = next((c for c in frame.columns if c.lower() == "class"), None)
    if label_col is None:
        raise DataError(f"{path}: no 'class' column; columns start {list(frame.columns[:5])}.")
    features = [c for c in frame.columns if c != label_col]
    meta: dict[str, Any] = {}
    names_path = shared_file("expression/srbct/srbct_gene_names.csv")
    names = pd.read_csv(names_path, dtype=str).set_index("gene_id")
    if set(features) <= set(names.index):
        meta["image_id"] = names.loc[features].iloc[:, 0].tolist()
        meta["gene_description"] = names.loc[features].iloc[:, 1].fillna("").tolist()
    return build_tabular(
        frame[features].to_numpy(dtype=np.float32),
        [f"srbct_{k}" for k in range(1, len(frame) + 1)],
        features,
        frame[label_col].tolist(),
        source="Khan et al. 2001 (mixOmicsTeam/mixOmics)",
        meta=meta,
    )


def load_genefu_expos(target: str = "er") -> TabularDataset:
    """expO breast tumours (GSE2109) from bhklab/genefu (Artistic-2.0), probes -> genes.

    Probes (hgu133a) are mapped to NCBI gene symbols with ``expos_annotation.csv``; probes
    without a symbol are dropped; where several probes map to one symbol the probe with
    the largest variance across all 353 samples is kept (the usual "max-variance probe"
    rule, which keeps values on the measured scale). Samples whose ``target`` is NA are
    dropped. Known ER biology: ESR1, GATA3, FOXA1, XBP1, TFF1.

    Parameters
    ----------
    target : {"er", "her2", "pgr", "grade"}, default "er"
        er: 246 samples, 85 negative / 161 positive.

    Returns
    -------
    TabularDataset
        ``X`` of shape (n_samples, 657), gene symbols as features; ``meta["probe"]`` is
        the probe kept for each gene.
    """
    import pandas as pd

    from attnscope.io._tabular import build_tabular

    folder = "expression/genefu_expos/"
    targets = ("er", "her2", "pgr", "grade")
    if target not in targets:
        raise DataError(f"target must be one of {targets}, got {target!r}.")
    expr = pd.read_csv(shared_file(folder + "expos_expression.csv.gz"), index_col=0)
    ann = pd.read_csv(shared_file(folder + "expos_annotation.csv"), dtype=str)
    clin_path = shared_file(folder + "expos_clinical.csv")
    clin = pd.read_csv(clin_path, dtype={"sample": str}).set_index("sample")
    symbol = ann.set_index("probe")["NCBI.gene.symbol"].reindex(expr.columns)
    var = expr.var(axis=0)
    table = pd.DataFrame(
        {"probe": expr.columns, "symbol": symbol.to_numpy(), "var": var.to_numpy()}
    )
    table = table.dropna(subset=["symbol"])
    best = table.sort_values("var", ascending=False).drop_duplicates("symbol")
    best = best.sort_values("symbol")
    missing = [s for s in expr.index if s not in clin.index]
    if missing:
        raise DataError(f"{clin_path}: no clinical row for samples {missing[:5]}.")
    raw = clin.loc[expr.index, target]
    labels: list[Any] = [None if pd.isna(v) else str(int(v)) for v in raw]
    names = {"er": ["negative", "positive"], "her2": ["negative", "positive"]}
    names["pgr"] = names["er"]
    with_na = np.array([v is None for v in labels])
    data = build_tabular(
        expr[best["probe"]].to_numpy(dtype=np.float32)[~with_na],
        expr.index.astype(str)[~with_na].tolist(),
        best["symbol"].tolist(),
        [v for v in labels if v is not None],
        source="expO (GSE2109) via bhklab/genefu",
        class_names=["0", "1"] if target in names else None,
        meta={"probe": best["probe"].tolist(), "target": target},
    )
    if target in names:
        data.class_names = names[target]
    return data


def load_tcga_pam50(which: str = "er") -> TabularDataset:
    """TCGA BRCA RNA-seq (log2) restricted to the PAM50 genes (vennemeyers/Example1).

    Parameters
    ----------
    which : {"er", "luma_basal"}, default "er"
        er: ER-positive vs ER-negative, 1,036 samples x 49 genes; luma_basal: Luminal A vs
        Basal-like, 328 x 49.

    Notes
    -----
    Both files end their lines with CR LF; a reader splitting on LF alone sees the last
    sample's label as ``"Positive\\r"`` (the README's "odd label"). Read as text it is
    "Positive", so every sample is kept: ER 801 positive / 235 negative. Labels that are
    still odd (missing, or a class of one sample) are dropped with a warning by
    :func:`attnscope.io.read_class_row_table`.
    """
    from attnscope.io import read_class_row_table

    files = {
        "er": "TCGA_breast_cancer_ERpositive_vs_ERnegative_PAM50.tsv",
        "luma_basal": "TCGA_breast_cancer_LumA_vs_Basal_PAM50.tsv",
    }
    if which not in files:
        raise DataError(f"which must be one of {list(files)}, got {which!r}.")
    data = read_class_row_table(shared_file("expression/" + files[which]))
    data.meta["source"] = "TCGA BRCA PAM50 genes via vennemeyers/Example1"
    return data
