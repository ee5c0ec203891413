"""Real genotype data sets from the shared data folder, loaded by name.

Files come from :func:`attnscope._utils.paths.shared_data_dir` (``$ATTNSCOPE_DATA`` or
``../shared/data``); a missing file raises :class:`DataError` naming it. Cite the source
given in each docstring wherever results on these data are reported.
"""

from __future__ import annotations

import gzip
import warnings
from pathlib import Path

import numpy as np

from attnscope.data import GenotypeDataset
from attnscope.datasets._sequences import shared_file
from attnscope.errors import AttnscopeWarning, ConfigError, DataError

__all__ = ["load_bglr_mice", "load_hapmap3"]


def load_hapmap3() -> GenotypeDataset:
    """HapMap3 individuals (ADMIXTURE tutorial set): 324 x 13,928 SNPs, unlabelled.

    Source: OpenMendel/OrdinalGWAS.jl test data (MIT); positions NCBI36 (bp); alleles
    coded 1/2 in the .bim, dosages count A1 (see :func:`attnscope.io.read_plink`).

    The data set has no phenotype (``labels`` is None). Simulate one with planted causal
    SNPs on these real genotypes with :func:`attnscope.sim.simulate_phenotype`.

    Returns
    -------
    GenotypeDataset
        ``genotypes`` of shape (324, 13928), int8, -1 = missing.
    """
    from attnscope.io import read_plink

    bed = shared_file("genotypes/hapmap3/hapmap3.bed")
    data = read_plink(bed.with_suffix(""))
    data.meta.update(
        {
            "name": "hapmap3",
            "genome_build": "NCBI36",
            "citation": "HapMap3 via OpenMendel/OrdinalGWAS.jl (MIT)",
            "note": "unlabelled; simulate phenotypes with attnscope.sim.simulate_phenotype",
        }
    )
    return data


def _read_digit_matrix(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Read ``id,g1,g2,...`` rows of single-digit dosages: (ids, snp names, int8 matrix)."""
    with gzip.open(path, "rb") as fh:
        lines = fh.read().splitlines()
    if not lines:
        raise DataError(f"{path} is empty; expected a header and one row per sample.")
    header = lines[0].decode().split(",")
    snps = np.asarray(header[1:], dtype=str)
    m = snps.size
    rows = [ln for ln in lines[1:] if ln.strip()]
    ids = []
    out = np.empty((len(rows), m), dtype=np.int8)
    for i, line in enumerate(rows):
        sid, _, body = line.partition(b",")
        raw = np.frombuffer(body.rstrip(b"\r"), dtype=np.uint8)
        digits = raw[::2]
        if raw.size != 2 * m - 1 or (raw[1::2] != ord(",")).any() or digits.max() > ord("2"):
            return _read_with_pandas(path)
        if digits.min() < ord("0"):
            return _read_with_pandas(path)
        out[i] = digits - ord("0")
        ids.append(sid.decode().strip('"'))
    return np.asarray(ids, dtype=str), snps, out


def _read_with_pandas(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Slow path for files that are not plain single-digit rows (e.g. with NA)."""
    import pandas as pd

    table = pd.read_csv(path, index_col=0)
    values = table.to_numpy(dtype=float)
    bad = np.isfinite(values) & ~np.isin(values, (0.0, 1.0, 2.0))
    if bad.any():
        r, c = np.argwhere(bad)[0]
        raise DataError(
            f"{path}: sample {table.index[r]}, SNP {table.columns[c]} holds {values[r, c]}; "
            "expected dosages 0, 1, 2 or NA."
        )
    geno = np.where(np.isfinite(values), values, -1).astype(np.int8)
    return table.index.to_numpy().astype(str), table.columns.to_numpy().astype(str), geno


def load_bglr_mice(trait: str = "albino") -> GenotypeDataset:
    """Heterogeneous-stock mice (BGLR): 1,814 mice x 10,346 SNPs with a real binary trait.

    Source: gdlc/BGLR-R ``mice`` data (GPL-3; Valdar et al. 2006, Wellcome Trust HS mice).
    Dosages are the file's 0/1/2 codes; the counted allele is presumably the one in the
    SNP id suffix (``rs3683945_G`` -> G, the second allele of ``meta["alleles"]``), as
    distributed by BGLR.

    Positions: the map's ``mbp`` column is a genetic position in **centimorgans** (its
    maxima, about 118 on chromosome 1, match the mouse genetic map, not megabases).
    ``positions`` holds it as integer micro-centimorgans (cM x 1e6) because positions are
    int64; ``meta["cm_positions"]`` keeps the float cM and ``meta["position_unit"]`` says so.

    Parameters
    ----------
    trait : str, default "albino"
        ``"albino"``: CoatColour albino (164, class 1) vs every other colour (1,650,
        class 0); the known Mendelian locus is Tyr on chromosome 7. Any other categorical
        column of ``mice_pheno.csv`` (e.g. ``"GENDER"``, ``"CoatColour"``) gives one class
        per value; mice with a missing value are dropped with an AttnscopeWarning.

    Returns
    -------
    GenotypeDataset
        ``genotypes`` of shape (1814, 10346), int8.
    """
    import pandas as pd

    folder = shared_file("genotypes/bglr_mice")
    x_path = shared_file("genotypes/bglr_mice/mice_X_snps.csv.gz")
    map_path = shared_file("genotypes/bglr_mice/mice_map.csv")
    pheno_path = shared_file("genotypes/bglr_mice/mice_pheno.csv")
    ids, snps, geno = _read_digit_matrix(x_path)
    snp_map = pd.read_csv(map_path, dtype={"chr": str, "snp_id": str, "alleles": str})
    for col in ("chr", "snp_id", "mbp"):
        if col not in snp_map.columns:
            raise DataError(f"{map_path}: column {col!r} missing; expected chr, snp_id, mbp.")
    snp_map = snp_map.set_index("snp_id")
    absent = np.setdiff1d(snps, snp_map.index.to_numpy().astype(str))
    if absent.size:
        raise DataError(
            f"{map_path}: SNPs {absent[:3].tolist()} of {x_path.name} are not in the map."
        )
    snp_map = snp_map.loc[snps]
    pheno = pd.read_csv(pheno_path, dtype={"SUBJECT.NAME": str}).set_index("SUBJECT.NAME")
    column = "CoatColour" if trait == "albino" else trait
    if column not in pheno.columns:
        raise ConfigError(
            f"trait {trait!r} is neither 'albino' nor a column of {pheno_path.name} "
            f"(columns include {list(pheno.columns)[:8]})."
        )
    raw = pheno[column].reindex(ids)
    known = raw.notna().to_numpy()
    if trait == "albino":
        class_names = ["non-albino", "albino"]
        labels = (raw.astype(str).str.strip().str.lower() == "albino").to_numpy().astype(np.int64)
    else:
        if pd.api.types.is_float_dtype(raw) and raw.dropna().nunique() > 10:
            raise ConfigError(
                f"trait {trait!r} is quantitative ({raw.dropna().nunique()} values); "
                "choose a categorical column or binarise it first."
            )
        from attnscope.data import encode_labels

        labels = np.full(len(ids), -1, dtype=np.int64)
        codes, class_names = encode_labels(raw[known].to_numpy(), source=f"{pheno_path}:{column}")
        labels[known] = codes
    if not known.all():
        warnings.warn(
            f"{pheno_path}: {int((~known).sum())} mice without {column} were dropped.",
            AttnscopeWarning,
            stacklevel=2,
        )
    cm = snp_map["mbp"].to_numpy(dtype=float)
    alleles = snp_map["alleles"].str.split(";", expand=True).to_numpy().astype(str)
    return GenotypeDataset(
        labels=labels[known],
        sample_ids=ids[known],
        class_names=class_names,
        truth=None,
        meta={
            "name": "bglr_mice",
            "source": str(folder),
            "trait": trait,
            "position_unit": "cM x 1e6 (integer micro-centimorgans; divide by 1e6 for cM)",
            "cm_positions": cm,
            "alleles": alleles,
            "counted_allele": "second allele (SNP id suffix), as coded by BGLR",
            "known_loci": {"albino": "Tyr, chromosome 7", "brown": "Tyrp1, chromosome 4"},
            "citation": "gdlc/BGLR-R mice data (GPL-3); Valdar et al. 2006",
        },
        genotypes=geno[known],
        snp_ids=snps,
        chromosomes=snp_map["chr"].to_numpy().astype(str),
        positions=np.round(cm * 1e6).astype(np.int64),
    )
