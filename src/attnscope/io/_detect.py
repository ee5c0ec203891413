"""Detect a data file's format and read it with the matching reader."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path
from typing import Any

from attnscope.errors import ConfigError, DataError
from attnscope.io._seqtable import PathLike, open_text

__all__ = ["FORMATS", "detect_format", "read_data"]

#: Format name -> what it is (the names ``--format`` accepts).
FORMATS: dict[str, str] = {
    "fasta": "FASTA (.fa/.fasta/.fna, gzip ok); labels via labels= or label_field=",
    "seqtable": "CSV/TSV with a seq/sequence column and a label column",
    "genomic_benchmarks": "folder <name>/{train,test}/<class>/<id>.txt",
    "expression": "CSV/TSV expression matrix (either orientation)",
    "h5ad": "AnnData .h5ad",
    "pancan": "folder with data.csv + labels.csv (UCI TCGA PANCAN)",
    "mogonet": "folder with 1_tr.csv, 1_featname.csv, labels_tr.csv, ...",
    "plink": "PLINK prefix with .bed/.bim/.fam",
    "vcf": ".vcf or .vcf.gz",
    "physionet": "PhysioNet 2012 folder of .txt records or set-a.tar.gz",
    "longcsv": "CSV with columns id, time, variable, value",
    "npz": "attnscope's own .npz data file",
}

_FASTA_EXT = (".fa", ".fasta", ".fna", ".fas", ".ffn", ".seq")
_TABLE_EXT = (".csv", ".tsv", ".txt", ".tab")


def _strip_gz(name: str) -> str:
    return name[:-3] if name.endswith(".gz") else name


def detect_format(path: PathLike) -> str:
    """Name of the format of ``path`` (one of :data:`FORMATS`).

    Folders: MOGONET (``1_tr.csv`` + ``labels_tr.csv``), PANCAN (``data.csv`` +
    ``labels.csv``), Genomic Benchmarks (``train/<class>/*.txt``), PhysioNet 2012 (``.txt``
    records or ``set-a.tar.gz``). Files: by extension (``.fa``, ``.h5ad``, ``.vcf``,
    ``.npz``, ``.bed/.bim/.fam``, ``.tar.gz``), else by content: a ``>`` first line is FASTA;
    a header with id, time, variable, value is ``longcsv``; a ``seq``/``sequence`` column is
    ``seqtable``; any other table is ``expression``. A path without extension whose
    ``.bed`` exists is a PLINK prefix.

    Raises
    ------
    DataError
        Nothing recognisable (the formats are listed, with ``--format``).
    """
    p = Path(path)
    if p.is_dir():
        fmt = _detect_dir(p)
    elif p.is_file():
        fmt = _detect_file(p)
    elif p.with_name(p.name + ".bed").is_file():
        fmt = "plink"
    else:
        raise DataError(f"{p}: no such file or folder; check the path.")
    if fmt is None:
        raise DataError(
            f"{p}: cannot tell the data format; pass --format (format=) with one of "
            f"{', '.join(FORMATS)}."
        )
    return fmt


def _detect_dir(p: Path) -> str | None:
    if (p / "1_tr.csv").is_file() and (p / "labels_tr.csv").is_file():
        return "mogonet"
    if (p / "data.csv").is_file() and (p / "labels.csv").is_file():
        return "pancan"
    for split in ("train", "test"):
        sub = p / split
        if sub.is_dir() and any(d.is_dir() and any(d.glob("*.txt")) for d in sub.iterdir()):
            return "genomic_benchmarks"
    if any(p.glob("set-*.tar.gz")) or any(p.glob("*.tar.gz")):
        return "physionet"
    txt = sorted(p.glob("*.txt"))
    if txt and any(
        _first_line(t).replace(" ", "").lower().startswith("time,parameter") for t in txt[:3]
    ):
        return "physionet"
    return None


def _detect_file(p: Path) -> str | None:
    name = p.name.lower()
    base = _strip_gz(name)
    if base.endswith(_FASTA_EXT):
        return "fasta"
    if base.endswith(".h5ad"):
        return "h5ad"
    if base.endswith(".vcf") or name.endswith(".bcf"):
        return "vcf"
    if base.endswith(".npz"):
        return "npz"
    if base.endswith((".bed", ".bim", ".fam")):
        return "plink"
    if name.endswith((".tar.gz", ".tgz", ".tar")):
        return "physionet"
    first = _first_line(p)
    if first.startswith(">"):
        return "fasta"
    if first.startswith("##fileformat=VCF"):
        return "vcf"
    if not base.endswith(_TABLE_EXT) and not first:
        return None
    delim = "\t" if "\t" in first else ("," if "," in first else None)
    fields = (
        [f.strip().lower() for f in next(csv.reader([first], delimiter=delim))]
        if delim
        else first.lower().split()
    )
    if {"id", "time", "variable", "value"} <= set(fields):
        return "longcsv"
    if set(fields) & {"seq", "sequence", "sequences", "dna"}:
        return "seqtable"
    if len(fields) >= 2:
        return "expression"
    return None


def _first_line(p: Path) -> str:
    try:
        with open_text(p) as fh:
            return fh.readline().strip()
    except (OSError, UnicodeDecodeError):
        return ""


def _public(name: str) -> Callable[..., Any]:
    """A reader from :mod:`attnscope.io`, imported only when used."""
    import attnscope.io as aio

    try:
        return getattr(aio, name)  # type: ignore[no-any-return]
    except AttributeError as exc:
        raise DataError(
            f"the reader attnscope.io.{name} is not available in this installation."
        ) from exc


_READERS: dict[str, str] = {
    "fasta": "read_fasta",
    "seqtable": "read_sequence_table",
    "genomic_benchmarks": "read_genomic_benchmarks",
    "expression": "read_expression",
    "h5ad": "read_h5ad",
    "pancan": "read_pancan",
    "mogonet": "read_mogonet",
    "plink": "read_plink",
    "vcf": "read_vcf",
    "physionet": "read_physionet2012",
    "longcsv": "read_long_timeseries",
    "npz": "read_dataset",
}


def read_data(path: PathLike, *, format: str | None = None, **options: Any) -> Any:
    """Read any supported data file or folder into a Dataset.

    Parameters
    ----------
    path : str or Path
    format : str, optional
        One of :data:`FORMATS`; default detected with :func:`detect_format`.
    **options
        Passed to the reader (e.g. ``labels=``, ``label_col=``, ``length=``).

    Returns
    -------
    Dataset
        The container of the format's modality.
    """
    fmt = detect_format(path) if format is None else format.lower().replace("-", "_")
    if fmt not in _READERS:
        raise DataError(
            f"unknown format {format!r}; --format (format=) must be one of {', '.join(FORMATS)}."
        )
    target: Any = path
    if fmt == "plink":
        p = Path(path)
        if p.suffix.lower() in (".bed", ".bim", ".fam"):
            target = p.with_suffix("")
    if fmt == "vcf" and "pheno" in options and "labels" not in options:
        options["labels"] = options.pop("pheno")  # --pheno names read_vcf's labels=
    reader = _public(_READERS[fmt])
    _check_options(reader, fmt, target, options)
    return _guarded(reader, target, options)


def _check_options(
    reader: Callable[..., Any], fmt: str, target: Any, options: dict[str, Any]
) -> None:
    """ConfigError naming reader options the format's reader does not take."""
    import inspect

    try:
        params = inspect.signature(reader).parameters
    except (TypeError, ValueError):  # pragma: no cover - builtins only
        return
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return
    valid = [
        n for n, p in list(params.items())[1:] if p.kind is not inspect.Parameter.VAR_POSITIONAL
    ]
    unknown = sorted(set(options) - set(valid))
    if unknown:
        raise ConfigError(
            f"{target}: the {fmt} reader takes no option(s) {unknown}; its options are "
            f"{valid} (command-line --labels / --label-col / --pheno and the [data] table of "
            "--config set them)."
        )


def _guarded(reader: Callable[..., Any], target: Any, options: dict[str, Any]) -> Any:
    """Call ``reader``; file-system and parser failures become one DataError naming the file."""
    import pandas as pd

    from attnscope.io._textio import IO_ERRORS, one_line

    try:
        return reader(target, **options)
    except (DataError, ConfigError):
        raise
    except PermissionError as exc:
        name = exc.filename or target
        raise DataError(f"{name}: permission denied; make it readable (chmod u+r).") from exc
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataError(f"{target}: could not parse the table ({one_line(exc)}).") from exc
    except IO_ERRORS as exc:
        name = getattr(exc, "filename", None) or target
        raise DataError(f"{name}: cannot read the file ({one_line(exc)}).") from exc
