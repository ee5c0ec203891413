"""Genomic Benchmarks (Grešová et al., BMC Genomic Data 2023): the downloaded folder layout
and the collection's coordinate files cut from a reference genome.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from attnscope.data import SequenceDataset, encode_labels, encode_sequences
from attnscope.errors import DataError
from attnscope.io._seqtable import PathLike
from attnscope.io._textio import one_line, open_text, read_csv

__all__ = ["read_gb_coordinates", "read_genomic_benchmarks", "reverse_complement"]

_COMPLEMENT = str.maketrans("ACGTRYKMBDHVNacgtrykmbdhvn", "TGCAYRMKVHDBNtgcayrmkvhdbn")


def reverse_complement(seq: str) -> str:
    """Reverse complement of a DNA string (IUPAC codes complemented, case kept)."""
    return seq.translate(_COMPLEMENT)[::-1]


def _split_dir(folder: PathLike, split: str) -> Path:
    root = Path(folder)
    if not root.is_dir():
        raise DataError(f"{root}: folder not found; give the data set folder (with train/, test/).")
    if split not in ("train", "test"):
        raise DataError(f"split must be 'train' or 'test', got {split!r}.")
    sub = root / split
    if not sub.is_dir():
        found = sorted(p.name for p in root.iterdir())
        raise DataError(
            f"{root}: no '{split}' folder (found {found[:10]}); expected the Genomic "
            "Benchmarks layout <name>/{train,test}/..."
        )
    return sub


def read_genomic_benchmarks(
    folder: PathLike, *, split: str = "train", length: int | None = None
) -> SequenceDataset:
    """Read a Genomic Benchmarks data set as the ``genomic-benchmarks`` package lays it out.

    Layout: ``<folder>/{train,test}/<class>/<id>.txt``, one sequence per file; the class
    is the folder name.

    Parameters
    ----------
    folder : str or Path
        The data set folder (holding ``train/`` and ``test/``).
    split : {"train", "test"}, default "train"
    length : int, optional
        Pad/truncate to this length (default: the longest sequence).

    Returns
    -------
    SequenceDataset
        ``tokens`` of shape (n_files, length); ids are ``<class>/<file stem>``; classes in
        sorted folder order.
    """
    sub = _split_dir(folder, split)
    classes = sorted(p.name for p in sub.iterdir() if p.is_dir())
    if not classes:
        raise DataError(f"{sub}: no class folders; expected {sub}/<class>/<id>.txt files.")
    ids: list[str] = []
    seqs: list[str] = []
    labels: list[str] = []
    for cls in classes:
        files = sorted((sub / cls).glob("*.txt"))
        if not files:
            raise DataError(f"{sub / cls}: no .txt sequence files; remove the empty folder.")
        for f in files:
            with open_text(f) as fh:
                text = "".join(fh.read().split())
            if not text:
                raise DataError(f"{f}: the file is empty; each file must hold one sequence.")
            ids.append(f"{cls}/{f.stem}")
            seqs.append(text)
            labels.append(cls)
    tokens = encode_sequences(seqs, length=length, ids=ids, source=str(sub))
    codes, names = encode_labels(np.asarray(labels), class_names=classes, source=str(sub))
    return SequenceDataset(
        labels=codes,
        sample_ids=np.asarray(ids),
        class_names=names,
        truth=None,
        meta={"source": str(folder), "split": split},
        tokens=tokens,
    )


class _Reference:
    """One or several indexed FASTA files, looked up by class name or region prefix."""

    def __init__(self, reference: PathLike | Mapping[str, PathLike]) -> None:
        refs = reference if isinstance(reference, Mapping) else {"": reference}
        self.keys = sorted(refs, key=len, reverse=True)
        self.fasta: dict[str, Any] = {}
        self.names: dict[str, dict[str, str]] = {}
        for key, path in refs.items():
            fa = _open_faidx(Path(path))
            self.fasta[key] = fa
            lookup: dict[str, str] = {}
            for name in fa.keys():
                # Accept "chr1" vs "1" and versioned Ensembl ids ("ENST0001.5" vs "ENST0001").
                for alias in (name, name.split(".")[0], _strip_chr(name), "chr" + name):
                    lookup.setdefault(alias, name)
            self.names[key] = lookup

    def pick(self, cls: str, region: str) -> str | None:
        if cls in self.fasta:
            return cls
        for key in self.keys:
            if region.startswith(key):
                return key
        return None

    def fetch(self, key: str, region: str, start: int, end: int) -> tuple[str, int] | None:
        name = self.names[key].get(region) or self.names[key].get(_strip_chr(region))
        if name is None:
            return None
        record = self.fasta[key][name]
        return str(record[start:end]), len(record)


def _strip_chr(name: str) -> str:
    return name[3:] if name.lower().startswith("chr") else name


def _open_faidx(path: Path) -> Any:
    import pyfaidx

    if not path.is_file():
        raise DataError(f"{path}: reference FASTA not found; give the genome the coordinates use.")
    try:
        return pyfaidx.Fasta(str(path), as_raw=True, sequence_always_upper=False)
    except (pyfaidx.FastaIndexingError, OSError, pyfaidx.UnsupportedCompressionFormat) as exc:
        raise DataError(
            f"{path}: cannot index the reference FASTA ({exc}); it must be plain or bgzip "
            "FASTA in a writable folder (or indexed beforehand with 'samtools faidx')."
        ) from exc


def read_gb_coordinates(
    folder: PathLike,
    reference: PathLike | Mapping[str, PathLike],
    *,
    split: str = "train",
    length: int | None = None,
) -> SequenceDataset:
    """Cut a Genomic Benchmarks data set from a reference genome using its coordinate files.

    Layout: ``<folder>/{train,test}/<class>.csv.gz`` with columns ``id, region, start, end,
    strand``; coordinates are 0-based half-open; ``-`` strand sequences are reverse
    complemented. Region names are matched to FASTA names with or without a ``chr``
    prefix and with or without an Ensembl version suffix.

    pyfaidx writes a ``.fai`` index beside the reference on first use (as ``samtools
    faidx`` would); nothing else is written.

    Parameters
    ----------
    folder : str or Path
        The data set folder (holding ``train/`` and ``test/``).
    reference : str, Path or mapping of str -> path
        One FASTA, or several: keys are matched first to the class name (e.g.
        ``{"human": "GRCh38.fa", "worm": "WBcel235.fa"}``), then as prefixes of the region
        name (longest first; ``""`` is the fallback).
    split : {"train", "test"}, default "train"
    length : int, optional
        Pad/truncate to this length (default: the longest).

    Returns
    -------
    SequenceDataset
        ``tokens`` of shape (n_rows, length); ids are ``<class>/<id>`` (ids repeat across
        classes in the collection); ``meta["coordinates"]`` holds region:start-end(strand).
    """
    import pandas as pd

    sub = _split_dir(folder, split)
    files = sorted(sub.glob("*.csv*"))
    if not files:
        raise DataError(f"{sub}: no <class>.csv.gz coordinate files found.")
    ref = _Reference(reference)
    ids: list[str] = []
    seqs: list[str] = []
    labels: list[str] = []
    coords: list[str] = []
    classes: list[str] = []
    for f in files:
        cls = f.name.split(".")[0]
        classes.append(cls)
        try:
            table = read_csv(f, dtype={"id": str, "region": str, "strand": str})
        except (pd.errors.EmptyDataError, pd.errors.ParserError) as exc:
            raise DataError(f"{f}: cannot read the coordinate table ({one_line(exc)}).") from exc
        need = ["id", "region", "start", "end", "strand"]
        missing = [c for c in need if c not in table.columns]
        if missing:
            raise DataError(
                f"{f}: columns {missing} missing; found {list(table.columns)}; expected "
                "id, region, start, end, strand."
            )
        if table.empty:
            raise DataError(f"{f}: no rows; the coordinate file is empty.")
        starts = pd.to_numeric(table["start"], errors="coerce").to_numpy()
        ends = pd.to_numeric(table["end"], errors="coerce").to_numpy()
        bad = ~(np.isfinite(starts) & np.isfinite(ends)) | (starts < 0) | (ends <= starts)
        bad |= ~table["strand"].isin(["+", "-"]).to_numpy()
        if bad.any():
            k = int(np.argmax(bad))
            raise DataError(
                f"{f}, line {k + 2}: bad coordinates {table.iloc[k].tolist()}; need "
                "0 <= start < end (integers) and strand '+' or '-'."
            )
        for k, (rid, region, s, e, strand) in enumerate(
            zip(table["id"], table["region"], starts.astype(int), ends.astype(int), table["strand"])
        ):
            key = ref.pick(cls, region)
            got = ref.fetch(key, region, s, e) if key is not None else None
            if got is None:
                raise DataError(
                    f"{f}, line {k + 2}: region {region!r} is not in the reference "
                    f"(e.g. {_examples(ref)}); give the genome these coordinates use."
                )
            seq, size = got
            if e > size:
                raise DataError(
                    f"{f}, line {k + 2}: {region}:{s}-{e} runs past the end of {region} "
                    f"({size} bp); is this the right genome build?"
                )
            seqs.append(reverse_complement(seq) if strand == "-" else seq)
            ids.append(f"{cls}/{rid}")
            labels.append(cls)
            coords.append(f"{region}:{s}-{e}({strand})")
    tokens = encode_sequences(seqs, length=length, ids=ids, source=str(sub))
    codes, names = encode_labels(np.asarray(labels), class_names=classes, source=str(sub))
    return SequenceDataset(
        labels=codes,
        sample_ids=np.asarray(ids),
        class_names=names,
        truth=None,
        meta={"source": str(folder), "split": split, "coordinates": coords},
        tokens=tokens,
    )


def _examples(ref: _Reference) -> list[str]:
    out: list[str] = []
    for fa in ref.fasta.values():
        out.extend(list(fa.keys())[:3])
    return out[:5]
