"""The one result type every attribution method returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from attnscope._utils.files import write_with
from attnscope.errors import DataError

if TYPE_CHECKING:
    import pandas as pd
    import shap
    from anndata import AnnData

__all__ = ["Attribution"]


@dataclass
class Attribution:
    """Attributions of one method for a set of samples.

    Attributes
    ----------
    values : ndarray of shape (n_samples, *feature_shape)
        Per feature (position, gene, SNP, time x variable cell); positive values push
        the prediction towards ``target``.
    feature_names : ndarray of str, optional
        Names along the last feature axis.
    method : str
    target : ndarray of shape (n_samples,), int
        Class index explained for each sample.
    seconds : float
        Wall time of the computation.
    sample_ids : ndarray of str, optional
    meta : dict
        Method options and diagnostics (e.g. IG convergence delta).
    inputs : dict of str -> ndarray
        What views of the attribution need from the explained data, saved with it
        (``tokens`` of DNA samples, ``truth`` masks, SNP ``chromosomes`` / ``positions``),
        so a report never re-reads the data or reloads the model.
    base_values : ndarray of shape (n_samples,), float64, optional
        The model's output (logit of ``target``) at the method's reference: the baseline
        of integrated gradients and DeepLift, the mean over the references of
        DeepLiftShap and GradientShap, the all-features-removed input of KernelSHAP.
        For these methods ``meta["completeness"]`` is True and
        ``values.sum(features) + base_values`` equals the logit of ``target`` at the
        input, up to the method's approximation (IG's integral, GradientShap's sampling;
        see the convergence delta in ``meta``). Methods without completeness (saliency,
        input x gradient, SmoothGrad, attention, ablation, occlusion, LIME, ISM, random)
        have no reference the values add up to: ``base_values`` is NaN and
        ``meta["completeness"]`` False. None for files saved before base values existed.
    """

    values: np.ndarray
    method: str
    target: np.ndarray
    seconds: float = 0.0
    feature_names: np.ndarray | None = None
    sample_ids: np.ndarray | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    inputs: dict[str, np.ndarray] = field(default_factory=dict)
    base_values: np.ndarray | None = None

    def __post_init__(self) -> None:
        self.values = np.asarray(self.values)
        self.target = np.asarray(self.target, dtype=np.int64).reshape(-1)
        n = self.values.shape[0]
        if self.target.shape[0] != n:
            raise DataError(f"target has {self.target.shape[0]} entries for {n} samples.")
        if self.values.dtype.kind not in "fiu" or self.values.ndim < 2:
            raise DataError(
                f"values must be numbers of shape (n_samples, *features), got "
                f"{self.values.dtype} of shape {self.values.shape}."
            )
        if self.sample_ids is not None and np.shape(self.sample_ids) != (n,):
            raise DataError(f"sample_ids has shape {np.shape(self.sample_ids)} for {n} samples.")
        names = None if self.feature_names is None else np.shape(self.feature_names)
        if names is not None and names != self.values.shape[-1:]:
            raise DataError(
                f"feature_names has shape {names} for a last feature axis of "
                f"{self.values.shape[-1]}."
            )
        if self.base_values is not None:
            base = np.asarray(self.base_values, dtype=np.float64)
            self.base_values = np.broadcast_to(base, (n,)).copy() if base.size == 1 else base
            if self.base_values.shape != (n,):
                raise DataError(f"base_values must have shape ({n},), got {base.shape}.")

    @property
    def completeness(self) -> bool:
        """True when ``values.sum(features) + base_values`` is the explained output."""
        return bool(self.meta.get("completeness", False)) and self.base_values is not None

    def to_dataframe(self, *, layout: str = "wide") -> pd.DataFrame:
        """The values as a pandas DataFrame (see :func:`attnscope.explain.to_dataframe`)."""
        from attnscope.explain._interop import to_dataframe

        return to_dataframe(self, layout=layout)

    def to_anndata(
        self, adata: AnnData, *, key: str | None = None, copy: bool = False
    ) -> AnnData | None:
        """Write into an AnnData's ``var`` / ``obsm`` (see :func:`attnscope.explain.to_anndata`)."""
        from attnscope.explain._interop import to_anndata

        return to_anndata(self, adata, key=key, copy=copy)

    def to_shap(self, data: Any = None) -> shap.Explanation:
        """A ``shap.Explanation`` (see :func:`attnscope.explain.to_shap`)."""
        from attnscope.explain._interop import to_shap

        return to_shap(self, data)

    @property
    def n_samples(self) -> int:
        """Number of explained samples."""
        return int(self.values.shape[0])

    def save(self, path: str | Path) -> Path:
        """Write an ``.npz`` (no pickled objects) atomically."""
        import json

        arrays: dict[str, Any] = {
            "values": self.values,
            "target": self.target,
            "method": np.array(self.method),
            "seconds": np.array(self.seconds),
            "meta_json": np.array(json.dumps(self.meta, default=str)),
        }
        if self.feature_names is not None:
            arrays["feature_names"] = np.asarray(self.feature_names).astype(str)
        if self.sample_ids is not None:
            arrays["sample_ids"] = np.asarray(self.sample_ids).astype(str)
        if self.base_values is not None:
            arrays["base_values"] = self.base_values
        for key, value in self.inputs.items():
            arrays[f"input_{key}"] = np.asarray(value)

        def _write(tmp: Path) -> None:
            with open(tmp, "wb") as fh:
                np.savez_compressed(fh, **arrays)  # type: ignore[arg-type]

        return write_with(path, _write)

    @classmethod
    def load(cls, path: str | Path) -> Attribution:
        """Read an ``.npz`` written by :meth:`save`.

        Files written before base values existed load with ``base_values=None``.
        """
        import json

        p = Path(path)
        if not p.is_file():
            raise DataError(f"{p} not found; run 'attnscope explain' first.")
        from attnscope.io._textio import IO_ERRORS, one_line

        damaged: tuple[type[BaseException], ...] = (ValueError, KeyError, AttributeError)
        try:
            with np.load(p, allow_pickle=False) as z:
                return cls(
                    values=z["values"],
                    target=z["target"],
                    method=str(z["method"]),
                    seconds=float(z["seconds"]),
                    feature_names=z["feature_names"] if "feature_names" in z else None,
                    sample_ids=z["sample_ids"] if "sample_ids" in z else None,
                    meta=json.loads(str(z["meta_json"])),
                    inputs={k[len("input_") :]: z[k] for k in z.files if k.startswith("input_")},
                    base_values=z["base_values"] if "base_values" in z else None,
                )
        except damaged + IO_ERRORS as exc:
            raise DataError(
                f"{p} is damaged or not an attribution file ({type(exc).__name__}: "
                f"{one_line(exc)}); run 'attnscope explain' again."
            ) from exc
