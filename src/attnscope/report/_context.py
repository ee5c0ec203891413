"""Everything the report reads from a run directory, loaded once and lazily."""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from attnscope.errors import ConfigError

__all__ = ["RunContext", "TestScores", "load_run"]


@dataclass
class TestScores:
    """True class codes and predicted probabilities of held-out samples."""

    y_true: np.ndarray
    proba: np.ndarray
    source: str


def _read_json(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        return {}
    return value if isinstance(value, dict) else {}


@dataclass
class RunContext:
    """The files of one run directory plus what can be recomputed from them.

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
        """Estimator name (``model.json`` or ``config.toml``)."""
        return str(self.model_meta.get("estimator") or self.config.get("model") or "model")

    @property
    def classes(self) -> list[str]:
        """Class names in ``predict_proba`` column order."""
        for source in (self.model_meta.get("classes"), self.metrics.get("test", {}).get("classes")):
            if source:
                return [str(c) for c in source]
        return []

    @property
    def history(self) -> dict[str, Any]:
        """Training history (``metrics.json`` or ``model.json``)."""
        return dict(self.metrics.get("history") or self.model_meta.get("history") or {})

    @cached_property
    def estimator(self) -> Any:
        """The fitted estimator, or None when it cannot be loaded."""
        if not (self.run / "model.json").is_file():
            return None
        try:
            from attnscope.estimators import BaseClassifier

            return BaseClassifier.load(self.run)
        except Exception as exc:  # a report must not fail on an unloadable model
            self.notes.append(f"the model could not be reloaded ({type(exc).__name__}: {exc}).")
            return None

    @cached_property
    def data(self) -> Any:
        """The run's data set (``[data] path`` of config.toml or ``data.npz``), or None."""
        section = self.config.get("data", {}) if isinstance(self.config, dict) else {}
        path = section.get("path") if isinstance(section, dict) else None
        try:
            if path and Path(path).exists():
                from attnscope.run._commands import load_data

                options = {k: v for k, v in section.items() if k != "path"}
                return load_data(path, data_format=self.config.get("format"), **options)
            if (self.run / "data.npz").is_file():
                from attnscope.io import read_dataset

                return read_dataset(self.run / "data.npz")
        except Exception as exc:
            self.notes.append(f"the data could not be re-read ({type(exc).__name__}: {exc}).")
            return None
        if path:
            self.notes.append(f"the data file {path} is not available here.")
        return None

    def subset_by_ids(self, ids: Any) -> Any:
        """The samples of :attr:`data` with these ids, in this order (None if any is missing)."""
        data = self.data
        if data is None or ids is None:
            return None
        index = {str(s): i for i, s in enumerate(np.asarray(data.sample_ids).astype(str))}
        idx = [index.get(str(s), -1) for s in np.asarray(ids).reshape(-1)]
        if not idx or min(idx) < 0:
            return None
        return data.subset(np.asarray(idx, dtype=np.int64))

    @cached_property
    def test_scores(self) -> TestScores | None:
        """Held-out labels and probabilities for the ROC and PR curves, or None.

        Read from ``test_predictions.npz`` (``y_true``, ``proba``) when fit saved it;
        else recomputed by reloading the model and predicting the test ids of
        ``split.json`` (or, without a split, the samples explained in attributions/).
        """
        saved = self.run / "test_predictions.npz"
        if saved.is_file():
            try:
                with np.load(saved, allow_pickle=False) as z:
                    return TestScores(
                        np.asarray(z["y_true"]).astype(np.int64),
                        np.asarray(z["proba"], dtype=np.float64),
                        "held-out test set (test_predictions.npz)",
                    )
            except Exception as exc:
                self.notes.append(f"{saved.name} could not be read ({exc}).")
        ids = self.split.get("test") or None
        source = "held-out test set (split.json)"
        if not ids:
            explained = [
                a.sample_ids for a in self.attributions.values() if a.sample_ids is not None
            ]
            ids = explained[0] if explained else None
            source = "the samples explained in attributions/"
        if ids is None or len(ids) == 0 or self.data is None or self.data.labels is None:
            return None
        subset = self.subset_by_ids(ids)
        est = self.estimator
        if subset is None or est is None:
            return None
        try:
            proba = np.asarray(est.predict_proba(subset), dtype=np.float64)
            names = [str(c) for c in est.classes_]
            lut = np.array([names.index(c) if c in names else -1 for c in subset.class_names])
            y = lut[subset.y]
        except Exception as exc:
            self.notes.append(f"test predictions could not be recomputed ({exc}).")
            return None
        if (y < 0).any():
            return None
        return TestScores(y, proba, f"{source}, {len(y)} samples, recomputed")


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
    if not (path / "model.json").is_file() and not (path / "metrics.json").is_file():
        raise ConfigError(
            f"{path} holds neither model.json nor metrics.json; give the directory that "
            "'attnscope fit' or 'attnscope demo' wrote."
        )
    notes: list[str] = []
    config_text = None
    config: dict[str, Any] = {}
    if (path / "config.toml").is_file():
        config_text = (path / "config.toml").read_text(encoding="utf-8")
        try:
            config = tomllib.loads(config_text)
        except tomllib.TOMLDecodeError as exc:
            notes.append(f"config.toml could not be parsed ({exc}).")
    attributions: dict[str, Any] = {}
    for npz in sorted((path / "attributions").glob("*.npz")):
        try:
            attributions[npz.stem] = Attribution.load(npz)
        except Exception as exc:
            notes.append(f"attributions/{npz.name} could not be read ({exc}).")
    return RunContext(
        run=path,
        config_text=config_text,
        config=config,
        model_meta=_read_json(path / "model.json"),
        metrics=_read_json(path / "metrics.json"),
        summary=_read_json(path / "summary.json"),
        split=_read_json(path / "split.json"),
        trust=_read_json(path / "trust.json"),
        attributions=attributions,
        notes=notes,
    )
