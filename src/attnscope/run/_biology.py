"""What ``explain`` saves beside an attribution for the report's biology views.

- Expression (tables of genes): enrichment of the top-attributed genes in gene sets,
  ``RUN/enrichment/<method>.json`` (:func:`attnscope.metrics.geneset_enrichment`: one-sided
  Fisher / hypergeometric test against the model's genes, Benjamini-Hochberg q).
- Genotypes: the explained samples' dosages at the top-attributed SNPs (a bounded number),
  saved in the attribution's ``inputs`` so the sample browser shows each sample's carriers.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np

from attnscope._utils.files import write_json
from attnscope.errors import AttnscopeWarning, ConfigError, DataError

__all__ = [
    "DOSAGE_SNPS",
    "HALLMARK",
    "enrichment_output",
    "genotype_inputs",
    "resolve_gene_sets",
]

#: SNPs whose dosages are saved with a genotype attribution (the strongest by mean |a|).
DOSAGE_SNPS = 50
#: Gene sets used when none is given (relative to the shared data folder), when present.
HALLMARK = "reference/genesets/h.all.v7.0.symbols.gmt"
#: Top genes tested for enrichment (at most a quarter of the measured genes).
TOP_GENES = 50


def resolve_gene_sets(gene_sets: str | Path | None) -> tuple[dict[str, list[str]], str] | None:
    """Read the gene sets for enrichment: a GMT path, ``"none"``, or the default Hallmark.

    Parameters
    ----------
    gene_sets : str or Path or None
        A GMT file; ``None`` uses MSigDB Hallmark from the shared data folder when it is
        there (else no enrichment); ``"none"`` turns enrichment off.

    Returns
    -------
    (sets, source) or None
        Set name -> gene symbols and the file they came from; None for no enrichment.

    Raises
    ------
    ConfigError
        A given file does not exist.
    DataError
        The file is not a valid GMT file (:func:`attnscope.io.read_gmt`).
    """
    from attnscope._utils.paths import shared_data_dir
    from attnscope.io import read_gmt

    if isinstance(gene_sets, str) and gene_sets.lower() == "none":
        return None
    if gene_sets is None:
        default = shared_data_dir() / HALLMARK
        return (read_gmt(default), str(default)) if default.is_file() else None
    path = Path(gene_sets)
    if path.is_dir():
        raise ConfigError(
            f"gene-set file {path} is a directory; give the GMT file inside it (e.g. "
            "h.all.v2024.1.Hs.symbols.gmt) or 'none'."
        )
    if not path.is_file():
        raise ConfigError(
            f"gene-set file {path} not found; give a GMT file (e.g. MSigDB h.all.*.gmt) or 'none'."
        )
    return read_gmt(path), str(path)


def enrichment_output(
    run: Path,
    attr: Any,
    sets: dict[str, list[str]],
    source: str,
    *,
    stem: str | None = None,
    top_genes: int = TOP_GENES,
) -> Path:
    """Gene-set enrichment of the attribution's top genes, written to the run.

    Parameters
    ----------
    run : Path
        Run directory; writes ``run/enrichment/<stem>.json``.
    attr : Attribution
        Values of shape (n_samples, n_genes) with gene symbols as ``feature_names``;
        genes are ranked by mean |attribution| over the explained samples.
    sets : dict of str -> list of str
    source : str
        Where the sets came from (recorded in the file).
    stem : str, optional
        File name (the attribution file's stem; default ``attr.method``).
    top_genes : int, default 50
        Top genes tested, at most a quarter of the measured genes.

    Returns
    -------
    Path
        The JSON file: ``gene_sets``, ``k``, ``universe`` (measured genes), ``n_sets``,
        ``n_tested``, ``scope``, ``rows`` (sorted by p; ``set``, ``size``, ``overlap``,
        ``expected``, ``p_value``, ``fdr``, ``genes``) and ``note`` when no set was tested.
    """
    from attnscope.metrics import geneset_enrichment

    names = np.asarray(attr.feature_names).astype(str)
    universe = len(dict.fromkeys(names.tolist()))
    k = int(min(top_genes, max(1, universe // 4)))
    rows = geneset_enrichment(attr, sets, k=k, feature_names=names.tolist())
    result: dict[str, Any] = {
        "method": attr.method,
        "gene_sets": source,
        "k": k,
        "universe": universe,
        "n_sets": len(sets),
        "n_tested": len(rows),
        "scope": attr.meta.get("scope", ""),
        "rows": rows,
    }
    if not rows:
        result["note"] = (
            f"no gene set of {Path(source).name} has 3 or more of the {universe} measured "
            f"genes (features: {', '.join(names[:3].tolist())}); feature names must be gene "
            "symbols."
        )
        from attnscope._utils.paths import shared_data_dir

        if Path(source) != shared_data_dir() / HALLMARK:  # the default sets stay quiet
            warnings.warn(f"enrichment: {result['note']}", AttnscopeWarning, stacklevel=2)
    return write_json(run / "enrichment" / f"{stem or attr.method}.json", result)


def genotype_inputs(attr: Any, dataset: Any, *, n_snps: int = DOSAGE_SNPS) -> dict[str, np.ndarray]:
    """SNP coordinates per attributed column and the samples' dosages at the top SNPs.

    A model may attribute fewer SNPs than the data hold (quality control drops some):
    coordinates are saved for the attribution's own columns, matched by SNP id, so every
    view lines values and loci up.

    Parameters
    ----------
    attr : Attribution
        Values of shape (n_samples, n_snps_attributed); SNPs are matched to the data by
        ``feature_names`` (SNP ids), else by position when the counts agree.
    dataset : GenotypeDataset
        The explained samples (rows in the attribution's order).
    n_snps : int, default :data:`DOSAGE_SNPS`
        Top SNPs (by mean |attribution|) whose dosages are kept.

    Returns
    -------
    dict
        ``snp_ids``, ``chromosomes``, ``positions`` (shape (n_snps_attributed,)),
        ``dosage_index`` (int32, shape (k,): columns of the attribution, strongest first)
        and ``dosage`` (int8, shape (n_samples, k): 0/1/2 copies, -1 missing); empty when
        the SNPs cannot be matched.
    """
    values = np.asarray(attr.values, dtype=np.float64).reshape(attr.n_samples, -1)
    n_feat = values.shape[1]
    snp_ids = np.asarray(dataset.snp_ids).astype(str)
    names = attr.feature_names
    if names is not None and np.asarray(names).size == n_feat:
        lookup = {s: j for j, s in enumerate(snp_ids.tolist())}
        cols = np.array([lookup.get(s, -1) for s in np.asarray(names).astype(str).tolist()])
    elif n_feat == snp_ids.size:
        cols = np.arange(n_feat)
    else:
        return {}
    if dataset.genotypes.shape[0] != attr.n_samples:
        raise DataError(
            f"{attr.n_samples} explained samples for {dataset.genotypes.shape[0]} genotype rows."
        )
    known = cols >= 0
    if not known.all():  # attributed columns the data lack: no coordinates, no dosages
        return {}
    strength = np.nan_to_num(np.abs(values).mean(axis=0), nan=-1.0)
    top = np.argsort(-strength, kind="stable")[:n_snps]
    return {
        "snp_ids": snp_ids[cols],
        "chromosomes": np.asarray(dataset.chromosomes).astype(str)[cols],
        "positions": np.asarray(dataset.positions)[cols],
        "dosage_index": top.astype(np.int32),
        "dosage": np.asarray(dataset.genotypes[:, cols[top]], dtype=np.int8),
    }
