"""How CLI commands name their data: files, label options, class files and modality tables.

One :class:`DataRequest` per command line. ``fit`` stores it in the run's ``config.toml``
(``[data]``, every path absolute, so the run can be evaluated from any folder);
``predict`` / ``evaluate`` / ``explain`` / ``trust`` read it back: without DATA they use
the run's own data, and the run's label options fill in what a new file's reader takes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from attnscope.errors import ConfigError

__all__ = ["FLAGS", "DataRequest", "load_request", "parse_pairs", "stem"]

#: Generic reader option -> the CLI flag that sets it (for messages).
FLAGS = {
    "labels": "--labels",
    "label_col": "--label-col",
    "names": "--names",
    "split": "--split",
    "stream": "--stream",
}
#: Options of a run that also apply to new data files (not the split: that is per file).
_INHERITED = ("labels", "label_col", "names", "stream", "orientation")
_SUFFIXES = (".gz", ".fa", ".fasta", ".fna", ".fas", ".seq", ".csv", ".tsv", ".txt")


def stem(path: str | Path) -> str:
    """File name without data suffixes: ``pos.fa.gz`` -> ``pos``."""
    name = Path(path).name
    changed = True
    while changed:
        changed = False
        for suffix in _SUFFIXES:
            if name.lower().endswith(suffix) and len(name) > len(suffix):
                name, changed = name[: -len(suffix)], True
    return name


def parse_pairs(items: list[str] | None, flag: str) -> dict[str, str]:
    """``["mRNA=a.csv"]`` -> ``{"mRNA": "/abs/a.csv"}``; names must be unique."""
    out: dict[str, str] = {}
    for item in items or []:
        name, sep, path = item.partition("=")
        if not sep or not name.strip() or not path.strip():
            raise ConfigError(f"{flag} expects NAME=FILE, got {item!r}.")
        if name.strip() in out:
            raise ConfigError(f"{flag} {name.strip()!r} is given twice.")
        out[name.strip()] = str(Path(path.strip()).expanduser().resolve())
    return out


def _abs(path: str | Path, base: Path | None = None) -> str:
    p = Path(path).expanduser()
    if not p.is_absolute() and base is not None:
        p = base / p
    return str(p.resolve())


@dataclass
class DataRequest:
    """Data named on a command line (or stored in a run's config)."""

    paths: list[str] = field(default_factory=list)
    format: str | None = None
    options: dict[str, Any] = field(default_factory=dict)
    classes: dict[str, str] = field(default_factory=dict)
    modalities: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_cli(
        cls,
        paths: list[Path] | None,
        *,
        format: str | None = None,
        labels: Path | None = None,
        label_col: str | None = None,
        names: str | None = None,
        split: str | None = None,
        classes: list[str] | None = None,
        modalities: list[str] | None = None,
    ) -> DataRequest:
        """Build from the flags; paths become absolute."""
        options: dict[str, Any] = {}
        if labels is not None:
            options["labels"] = _abs(labels)
        if label_col is not None:
            options["label_col"] = label_col
        if names is not None:
            options["names"] = [n.strip() for n in names.split(",") if n.strip()]
        if split is not None:
            options["split"] = split
        return cls(
            paths=[_abs(p) for p in paths or []],
            format=format,
            options=options,
            classes=parse_pairs(classes, "--class"),
            modalities=parse_pairs(modalities, "--modality"),
        )

    @classmethod
    def from_config(cls, section: dict[str, Any], base: Path | None = None) -> DataRequest:
        """From a ``[data]`` table; relative paths are relative to ``base`` (the config's)."""
        section = dict(section)
        paths = section.pop("paths", None) or ([section.pop("path")] if "path" in section else [])
        section.pop("path", None)
        fmt = section.pop("format", None)
        classes = {k: _abs(v, base) for k, v in dict(section.pop("classes", {})).items()}
        tables = {k: _abs(v, base) for k, v in dict(section.pop("modalities", {})).items()}
        if "pheno" in section:  # runs written before labels= was the one keyword
            section.setdefault("labels", section.pop("pheno"))
        if "labels" in section and isinstance(section["labels"], str):
            section["labels"] = _abs(section["labels"], base)
        return cls([_abs(p, base) for p in paths], fmt, section, classes, tables)

    @property
    def empty(self) -> bool:
        """Nothing names data (no file, class file or modality table)."""
        return not (self.paths or self.classes or self.modalities)

    @property
    def files(self) -> list[str]:
        """Every file or folder the request reads: data, class files, tables, labels."""
        labels = self.options.get("labels")
        extra = [labels] if isinstance(labels, str) else []
        return [*self.paths, *self.classes.values(), *self.modalities.values(), *extra]

    def merged(self, other: DataRequest) -> DataRequest:
        """``self`` with ``other``'s options filled in; ``other``'s files when ``self`` has none."""
        files = other if self.empty else self
        return DataRequest(
            files.paths,
            self.format or other.format,
            {**other.options, **self.options},
            files.classes,
            files.modalities,
        )

    def config(self) -> dict[str, Any]:
        """The ``[data]`` table of ``config.toml`` (absolute paths)."""
        out: dict[str, Any] = {}
        if len(self.paths) == 1:
            out["path"] = self.paths[0]
        elif self.paths:
            out["paths"] = list(self.paths)
        if self.format:
            out["format"] = self.format
        out.update(self.options)
        if self.classes:
            out["classes"] = dict(self.classes)
        if self.modalities:
            out["modalities"] = dict(self.modalities)
        return out

    def describe(self) -> str:
        """Short text for messages."""
        parts = [*self.paths]
        parts += [f"{k}={v}" for k, v in self.classes.items()]
        parts += [f"{k}={v}" for k, v in self.modalities.items()]
        return ", ".join(parts)


def load_request(
    req: DataRequest, *, defaults: dict[str, Any] | None = None, labelled: bool = True
) -> Any:
    """Read the data of ``req`` into one Dataset.

    ``defaults`` (a run's stored options) are used where the reader takes them; an option
    given on the command line that the format does not take is an error naming the flag.
    ``labelled=False`` (predict) reads a sequence table without a label column.
    """
    from attnscope.cli._ui import note, spinner
    from attnscope.run._stored import read_with_stored_labels

    inherited = {k: v for k, v in (defaults or {}).items() if k in _INHERITED}
    if {"labels", "label_col"} & set(req.options):
        # The labels given now replace the run's: its --label-col next to a new --labels
        # file was 'give --labels FILE or --label-col NAME, not both'.
        inherited.pop("labels", None)
        inherited.pop("label_col", None)
    if not labelled:
        inherited["labelled"] = False
    if req.empty:
        raise ConfigError("no data given; pass DATA (a file or folder) or --modality / --class.")
    with spinner(f"reading {req.describe()}"):
        data = read_with_stored_labels(
            lambda options: _read(req, options, one_class=defaults is not None),
            inherited,
            labels_needed=labelled,
            layout_from_labels=lambda: _layout_from_labels(req),
            source=req.describe(),
        )
    note(f"read {data.describe()}")
    return data


def _read(req: DataRequest, inherited: dict[str, Any], *, one_class: bool = False) -> Any:
    if req.modalities:
        return _read_tables(req, inherited)
    if req.classes or len(req.paths) > 1:
        return _read_class_files(req, one_class=one_class)
    return _read_one(req.paths[0], req.format, req.options, inherited)


def _layout_from_labels(req: DataRequest) -> bool:
    """Whether the labels help lay out ``req``'s data (expression: which axis is samples)."""
    if len(req.paths) != 1 or req.classes:  # tables per modality or per class
        return True
    return _format_name(req.paths[0], req.format) == "expression"


def _format_name(path: str, fmt: str | None) -> str:
    """The reader name: ``--format`` normalised, else detected from ``path``."""
    from attnscope.io import detect_format

    return fmt.lower().replace("-", "_") if fmt else detect_format(path)


def _read_one(path: str, fmt: str | None, options: dict[str, Any], defaults: dict[str, Any]) -> Any:
    from attnscope.io import FORMATS, read_data, reader_options

    name = _format_name(path, fmt)
    if name not in FORMATS:
        raise ConfigError(f"unknown --format {fmt!r}; choose one of {', '.join(FORMATS)}.")
    _, rejected = reader_options(name, options)
    if rejected:
        flags = ", ".join(FLAGS.get(k, k) for k in rejected)
        raise ConfigError(f"{path}: {flags} does not apply to {name} data: {FORMATS[name]}.")
    return read_data(path, format=name, defaults=defaults, **options)


def _read_tables(req: DataRequest, defaults: dict[str, Any]) -> Any:
    from attnscope.io import read_multiomics

    if req.paths or req.classes:
        raise ConfigError("--modality NAME=FILE names every table; give no DATA or --class too.")
    skip = ("labelled", "orientation")  # each table's orientation is its own
    options = {**{k: v for k, v in defaults.items() if k not in skip}, **req.options}
    if "labels" not in options:
        raise ConfigError(
            "--modality tables need --labels FILE (sample id and label per line, or a table "
            "whose label column --label-col names)."
        )
    extra = sorted(set(options) - {"labels", "label_col", "names"})
    if extra:
        raise ConfigError(
            f"{', '.join(FLAGS.get(k, k) for k in extra)} does not apply to --modality tables."
        )
    return read_multiomics(
        req.modalities, labels=options["labels"], label_col=options.get("label_col")
    )


def _read_class_files(req: DataRequest, *, one_class: bool = False) -> Any:
    """One class per file: ``--class NAME=FILE`` or several DATA files named by their stem.

    ``one_class``: new data for a run (predict, evaluate, ...) may be one class file, e.g.
    ``evaluate RUN --class pos=new_pos.fa`` (fit needs two classes).
    """
    import numpy as np

    from attnscope.data import SequenceDataset

    refused = [k for k in req.options if k != "id_from"]  # FASTA record names or numbers
    if refused:
        flags = ", ".join(FLAGS.get(k, k) for k in refused)
        raise ConfigError(f"{flags} does not apply to class files: each file is one class.")
    classes = dict(req.classes)
    for path in req.paths:
        name = stem(path)
        if name in classes:
            raise ConfigError(
                f"two class files are named {name!r}; name them with --class NAME=FILE."
            )
        classes[name] = path
    by_file: dict[str, str] = {}
    for name, path in classes.items():
        other = by_file.setdefault(str(Path(path).resolve()), name)
        if other != name:  # every sequence would carry both labels
            raise ConfigError(
                f"classes {other!r} and {name!r} name the same file {path}; give each class "
                "its own file."
            )
    if len(classes) < 2 and not (one_class and req.classes):
        raise ConfigError(
            "one class file given; give one file per class (fit pos.fa neg.fa, or "
            "--class pos=pos.fa --class neg=neg.fa)."
        )
    parts = []
    for name, path in classes.items():
        part = _read_unlabelled(path, req.format, req.options.get("id_from", "header"))
        if not isinstance(part, SequenceDataset):
            raise ConfigError(
                f"{path}: one class per file works for DNA (FASTA or sequence tables); "
                f"this is {part.modality} data: give one file with a label column instead."
            )
        parts.append((name, part))
    width = max(p.length for _, p in parts)
    tokens = np.zeros((sum(len(p) for _, p in parts), width), dtype=np.uint8)
    start = 0
    for _, p in parts:
        tokens[start : start + len(p), : p.length] = p.tokens
        start += len(p)
    ids = np.concatenate([p.sample_ids for _, p in parts])
    if np.unique(ids).size != ids.size:  # the same id in two files: prefix the class
        ids = np.concatenate([np.char.add(f"{name}:", p.sample_ids) for name, p in parts])
    class_names = sorted(classes)
    codes = np.concatenate([np.full(len(p), class_names.index(n)) for n, p in parts])
    return SequenceDataset(
        labels=codes,
        sample_ids=ids,
        class_names=class_names,
        truth=None,
        meta={"source": ", ".join(f"{n}={classes[n]}" for n in class_names)},
        tokens=tokens,
    )


def _read_unlabelled(path: str, fmt: str | None, id_from: str = "header") -> Any:
    from attnscope.io import detect_format, read_data

    name = fmt or detect_format(path)
    if name != "fasta" and id_from != "header":
        raise ConfigError(f"{path}: id_from applies to FASTA files; this is {name} data.")
    if name == "seqtable":
        return read_data(path, format=name, labelled=False)
    if name == "fasta":
        return read_data(path, format=name, id_from=id_from)
    return read_data(path, format=name)
