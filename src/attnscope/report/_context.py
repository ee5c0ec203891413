"""Everything the report reads from a run directory, loaded once and lazily."""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from attnscope.errors import ConfigError, DataError
from attnscope.io._textio import IO_ERRORS

__all__ = ["RunContext", "TestScores", "load_run"]


@dataclass
class TestScores:
    """True class codes and predicted probabilities of held-out samples."""

    y_true: np.ndarray
    proba: np.ndarray
    source: str
    sample_ids: np.ndarray | None = None


def _read_json(path: Path, notes: list[str] | None = None) -> dict[str, Any]:
    """A JSON object file, or {} when absent; a damaged one is {} and a line in ``notes``."""
    if not path.is_file():
        return {}
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        problem = f"{type(exc).__name__}: {exc}"
    else:
        if isinstance(value, dict):
            return value
        problem = f"a JSON {type(value).__name__}, not an object"
    if notes is not None:
        notes.append(f"{path} could not be read ({problem}); its part is left out.")
    return {}


@dataclass
class RunContext:
    """The files of one run directory (the report renders them; it never reloads a model).

    Attributes
    ----------
    run : Path
    config_text : str or None
        ``config.toml`` verbatim.
    config, model_meta, metrics, summary, split, trust : dict
        ``config.toml``, ``model.json``, ``metrics.json``, ``summary.json`` (demo),
        ``split.json`` and ``trust.json`` (empty when absent).
    attributions : dict of str -> Attribution
        ``attributions/*.npz`` by file stem.
    notes : list of str
        What could not be read or recomputed, shown at the end of the report.
    """

    run: Path
    config_text: str | None
    config: dict[str, Any]
    model_meta: dict[str, Any]
    metrics: dict[str, Any]
    summary: dict[str, Any]
    split: dict[str, Any]
    trust: dict[str, Any]
    attributions: dict[str, Any]
    notes: list[str] = field(default_factory=list)

    @property
    def model_name(self) -> str:
        """Estimator name (``model.json``, ``config.toml`` or a consistency study)."""
        name = self.model_meta.get("estimator") or self.config.get("model")
        return str(name or self.consistency.get("model") or "model")

    @property
    def classes(self) -> list[str]:
        """Class names in ``predict_proba`` column order."""
        test = self.metrics.get("test")
        for source in (
            self.model_meta.get("classes"),
            test.get("classes") if isinstance(test, dict) else None,
            self.consistency.get("classes"),
        ):
            if source and isinstance(source, list):  # a hand-edited file may hold anything
                return [str(c) for c in source]
        return []

    @property
    def history(self) -> dict[str, Any]:
        """Training history (``metrics.json`` or ``model.json``); {} when neither is one."""
        for source in (self.metrics.get("history"), self.model_meta.get("history")):
            if source and isinstance(source, dict):
                return dict(source)
        return {}

    @cached_property
    def test_scores(self) -> TestScores | None:
        """Held-out labels and probabilities for the ROC and PR curves, or None.

        Read from ``test_predictions.npz`` (``y_true``, ``proba``), which ``fit`` writes;
        the report never reloads the model to recompute them.
        """
        saved = self.run / "test_predictions.npz"
        if not saved.is_file():
            if self.split.get("test"):  # fit held samples out and wrote their scores
                self.notes.append(
                    f"{saved.name} is missing (the run held out {len(self.split['test'])} "
                    "samples): the ROC and PR curves are left out; re-run the fit to get them."
                )
            return None
        unreadable: tuple[type[BaseException], ...] = (ValueError, KeyError, *IO_ERRORS)
        try:
            with np.load(saved, allow_pickle=False) as z:
                ids = np.asarray(z["sample_ids"]).astype(str) if "sample_ids" in z.files else None
                return TestScores(
                    np.asarray(z["y_true"]).astype(np.int64),
                    np.asarray(z["proba"], dtype=np.float64),
                    "held-out test set (test_predictions.npz)",
                    ids,
                )
        except unreadable as exc:
            self.notes.append(f"{saved.name} could not be read ({exc}).")
            return None

    @cached_property
    def recommended(self) -> Any:
        """The trust table's :class:`~attnscope.report._trust.Recommendation` (or None)."""
        from attnscope.report._trust import recommend

        rows = [r for r in self.trust.get("rows") or [] if isinstance(r, dict)]
        return recommend(rows) if rows else None

    @cached_property
    def enrichment(self) -> dict[str, dict[str, Any]]:
        """Gene-set enrichment of the top genes per attribution file stem
        (``enrichment/<stem>.json``, written by ``explain`` for table runs)."""
        folder = self.run / "enrichment"
        return {p.stem: _read_json(p, self.notes) for p in sorted(folder.glob("*.json"))}

    @cached_property
    def consistency(self) -> dict[str, Any]:
        """A seed-consistency study in the run (``consistency.json`` here or in
        ``consistency/``), as ``attnscope consistency --out`` writes it; empty when absent."""
        for folder in (self.run, self.run / "consistency"):
            study = _read_json(folder / "consistency.json", self.notes)
            if study.get("methods"):
                study["_folder"] = str(folder)
                return study
        return {}

    def view_attributions(self, keys: list[str]) -> list[str]:
        """``keys`` (attribution file stems) with the recommended method's first."""
        rec = self.recommended
        best = rec.method if rec is not None else None
        return sorted(keys, key=lambda k: (self.attributions[k].method != best, k))


def load_run(run: str | Path) -> RunContext:
    """Read a run directory (what ``attnscope fit`` / ``demo`` write).

    Raises
    ------
    ConfigError
        When ``run`` is not a directory or holds neither ``model.json`` nor
        ``metrics.json``.
    """
    from attnscope.explain import Attribution

    path = Path(run)
    if not path.is_dir():
        raise ConfigError(f"{path} is not a run directory; run 'attnscope fit' or 'demo' first.")
    if not any((path / f).is_file() for f in ("model.json", "metrics.json", "consistency.json")):
        raise ConfigError(
            f"{path} holds neither model.json nor metrics.json (nor a consistency.json); give "
            "the directory that 'attnscope fit', 'demo' or 'consistency' wrote."
        )
    if (path / "model.json").is_file():  # a fit run: only a complete one is reported
        from attnscope.run import check_complete

        check_complete(path)
    notes: list[str] = []
    config_text = None
    config: dict[str, Any] = {}
    if (path / "config.toml").is_file():
        try:
            config_text = (path / "config.toml").read_text(encoding="utf-8")
            config = tomllib.loads(config_text)
        except UnicodeDecodeError as exc:
            notes.append(f"config.toml is not UTF-8 text ({exc.reason} at byte {exc.start}).")
        except tomllib.TOMLDecodeError as exc:
            notes.append(f"config.toml could not be parsed ({exc}).")
    attributions: dict[str, Any] = {}
    for npz in sorted((path / "attributions").glob("*.npz")):
        try:
            attributions[npz.stem] = Attribution.load(npz)
        except (DataError, OSError, ValueError, KeyError) as exc:
            notes.append(f"attributions/{npz.name} could not be read ({exc}).")
    if (path / "model.json").is_file() and not (path / "metrics.json").is_file():
        notes.append("metrics.json is missing: the training summary and test metrics are left out.")
    ctx = RunContext(
        run=path,
        config_text=config_text,
        config=config,
        model_meta=_read_json(path / "model.json", notes),
        metrics=_read_json(path / "metrics.json", notes),
        summary=_read_json(path / "summary.json", notes),
        split=_read_json(path / "split.json", notes),
        trust=_read_json(path / "trust.json", notes),
        attributions=attributions,
        notes=notes,
    )
    for stem, attr in list(attributions.items()):
        problem = _unusable(attr, ctx.classes)
        if problem:  # an edited or foreign file: drawn, it would say something untrue
            del attributions[stem]
            notes.append(
                f"attributions/{stem}.npz {problem}; it is left out: run 'attnscope explain' again."
            )
    return ctx


def _unusable(attr: Any, classes: list[str]) -> str | None:
    """What makes a loaded attribution unfit for this run's report, or None."""
    if attr.n_samples == 0:
        return "holds no samples"
    target = np.asarray(attr.target)
    if classes and (target.min() < 0 or target.max() >= len(classes)):
        bad = int(target[(target < 0) | (target >= len(classes))][0])
        return f"explains class index {bad}, but the model has {len(classes)} classes {classes}"
    if not np.isfinite(np.asarray(attr.values, dtype=np.float64)).any():
        return "holds no finite value"
    return None
