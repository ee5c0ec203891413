"""The three PLINK 1 files: their paths, the checks of .fam/.bim/.bed before any genotype
is read, and writing a GenotypeDataset as PLINK (atomically)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from attnscope.data import GenotypeDataset
from attnscope.errors import DataError
from attnscope.io._textio import open_text, read_csv

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["write_plink"]

_BED_MAGIC = b"\x6c\x1b\x01"
_FAM_COLS = ["fid", "iid", "father", "mother", "sex", "pheno"]
_BIM_COLS = ["chromosome", "snp", "cm", "bp", "a1", "a2"]


def _prefix_paths(prefix: str | os.PathLike[str]) -> tuple[Path, Path, Path]:
    p = Path(prefix)
    if p.suffix in {".bed", ".bim", ".fam"}:
        p = p.with_suffix("")
    return p.with_name(p.name + ".bed"), p.with_name(p.name + ".bim"), p.with_name(p.name + ".fam")


def _read_table(path: Path, columns: list[str], what: str) -> pd.DataFrame:
    import pandas as pd

    if not path.is_file():
        raise DataError(f"{path} not found; a PLINK data set needs .bed, .bim and .fam files.")
    if path.stat().st_size == 0:
        raise DataError(f"{path} is empty; expected one line per {what}.")
    try:
        table = read_csv(
            path, sep=r"\s+", header=None, dtype=str, keep_default_na=False, engine="c"
        )
    except pd.errors.ParserError as exc:
        line = _first_bad_line(path, len(columns))
        raise DataError(
            f"{path}: line {line} has the wrong number of fields; expected "
            f"{len(columns)} whitespace-separated fields ({' '.join(columns)}) per {what}. "
            "Fix or remove that line."
        ) from exc
    except pd.errors.EmptyDataError as exc:
        raise DataError(f"{path} holds no lines; expected one line per {what}.") from exc
    if table.shape[1] != len(columns):
        raise DataError(
            f"{path}: line 1 has {table.shape[1]} fields; expected {len(columns)} "
            f"({' '.join(columns)}) per {what}."
        )
    short = (table == "").any(axis=1).to_numpy()
    if short.any():
        line = int(np.argmax(short)) + 1
        raise DataError(
            f"{path}: line {line} has fewer than {len(columns)} fields; expected "
            f"{' '.join(columns)}. Fix or remove that line."
        )
    table.columns = columns
    return table


def _first_bad_line(path: Path, n_fields: int) -> int | str:
    """1-based number of the first non-blank line without ``n_fields`` fields (error path)."""
    with open_text(path) as fh:
        for k, line in enumerate(fh, start=1):
            if line.strip() and len(line.split()) != n_fields:
                return k
    return "?"


def _check_bed(bed: Path, n_samples: int, n_snps: int, fam: Path, bim: Path) -> None:
    if not bed.is_file():
        raise DataError(f"{bed} not found; a PLINK data set needs .bed, .bim and .fam files.")
    with open(bed, "rb") as fh:
        magic = fh.read(3)
    if magic != _BED_MAGIC:
        raise DataError(
            f"{bed} does not start with the PLINK .bed magic number 6c 1b 01 (found "
            f"{magic.hex(' ') or 'nothing'}); it is not a SNP-major PLINK 1 .bed file. "
            "Re-export it with `plink --make-bed`."
        )
    expected = 3 + n_snps * ((n_samples + 3) // 4)
    size = bed.stat().st_size
    if size != expected:
        raise DataError(
            f"{bed} has {size} bytes but {fam.name} lists {n_samples} samples and {bim.name} "
            f"lists {n_snps} SNPs, which need 3 + {n_snps} x ceil({n_samples}/4) = {expected} "
            "bytes; the three files do not belong together (or one is truncated). "
            "Use the .bim and .fam written with this .bed."
        )
    used = n_samples % 4
    if used and n_snps:  # the last byte of every SNP holds 4 - used padding slots (zeros)
        width = (n_samples + 3) // 4
        rows = np.memmap(bed, np.uint8, "r", offset=3, shape=(n_snps, width))
        last = np.asarray(rows[: min(n_snps, 2000), -1])
        filled = (last & ((0xFF << (2 * used)) & 0xFF)) != 0
        if filled.mean() > 0.5:  # genotypes beyond the last .fam sample: a line is missing
            raise DataError(
                f"{bed} holds genotypes beyond the {n_samples} samples {fam.name} lists (in "
                f"{int(filled.sum())} of {filled.size} SNPs the padding after the last sample "
                f"is not empty): a line of {fam.name} was removed, so every later sample would "
                "get another's genotypes. Use the .fam written with this .bed (plink "
                "--remove to drop samples)."
            )


def write_plink(prefix: str | os.PathLike[str], data: GenotypeDataset) -> Path:
    """Write a GenotypeDataset as PLINK .bed/.bim/.fam (for tests and simulations).

    The three files are written under temporary names beside the target and then renamed,
    so a reader never sees a half-written set. Dosages count A1; the alleles come from
    ``meta["alleles"]`` (n_snps, 2) when present, else ``A1 = "A"``, ``A2 = "B"``. Binary
    labels become the .fam phenotype (1 = first class, 2 = second), otherwise -9.

    Parameters
    ----------
    prefix : path-like
        Output prefix; ``prefix.bed``, ``.bim`` and ``.fam`` are written.
    data : GenotypeDataset
        Genotypes of shape (n_samples, n_snps).

    Returns
    -------
    Path
        The prefix written.
    """
    from bed_reader import to_bed

    bed, bim, fam = _prefix_paths(prefix)
    bed.parent.mkdir(parents=True, exist_ok=True)
    n, m = data.genotypes.shape
    alleles = data.meta.get("alleles")
    allele_arr = np.asarray(alleles).astype(str) if alleles is not None else None
    if allele_arr is None or allele_arr.shape != (m, 2):
        allele_arr = np.tile(np.array(["A", "B"]), (m, 1))
    # an unknown allele (a .raw table names only the counted one) is PLINK's missing code 0:
    # an empty .bim field would leave the line one field short
    allele_arr = np.where(np.char.strip(allele_arr) == "", "0", allele_arr)
    if data.labels is not None and data.n_classes == 2:
        pheno = (data.labels + 1).astype(str)
    else:
        pheno = np.full(n, "-9")
    cm = data.meta.get("cm_positions")
    cm_arr = np.asarray(cm, dtype=float) if cm is not None else np.zeros(m)
    if cm_arr.shape != (m,):
        cm_arr = np.zeros(m)
    properties = {
        "fid": data.sample_ids,
        "iid": data.sample_ids,
        "father": np.full(n, "0"),
        "mother": np.full(n, "0"),
        "sex": np.zeros(n, dtype=np.int32),
        "pheno": pheno,
        "chromosome": data.chromosomes,
        "sid": data.snp_ids,
        "cm_position": cm_arr,
        "bp_position": data.positions,
        "allele_1": allele_arr[:, 0],
        "allele_2": allele_arr[:, 1],
    }
    val = data.genotypes.astype(np.int8, copy=True)
    val[val < 0] = -127
    tag = f".tmp{os.getpid()}"
    tmp = [p.with_name(p.name + tag) for p in (bed, bim, fam)]
    try:
        to_bed(tmp[0], val, properties=properties, fam_filepath=tmp[2], bim_filepath=tmp[1])
        for src, dst in zip(tmp, (bed, bim, fam)):
            os.replace(src, dst)
    finally:
        for p in tmp:
            if p.exists():
                p.unlink()
    return bed.with_suffix("")
