"""Multi-omics tables whose class signal is split across modalities, with absent modalities."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from attnscope._utils.random import check_random_state
from attnscope.data import MultiOmicsDataset
from attnscope.errors import ConfigError

__all__ = ["simulate_multiomics"]

_DEFAULT_MODALITIES = {"mRNA": 500, "methylation": 500, "miRNA": 200}
_DEFAULT_INFORMATIVE = {"mRNA": 20, "methylation": 10, "miRNA": 0}
#: Nuisance factors per modality (batch effects, cell mix) giving within-modality correlation.
_N_FACTORS = 5
#: Loading of the nuisance factors.
_FACTOR_LOADING = 0.5
#: Standard deviation of the label noise added to the summed modality signals.
_LABEL_NOISE = 0.3


def simulate_multiomics(
    n_samples: int = 400,
    *,
    modalities: Mapping[str, int] | None = None,
    informative: Mapping[str, int] | None = None,
    effect_size: float = 1.0,
    missing_fraction: float = 0.0,
    random_state: int | np.random.Generator | None = 0,
) -> MultiOmicsDataset:
    """Two-class multi-omics data where each informative modality carries part of the signal.

    Each informative modality ``m`` has its own latent signal ``s_m ~ N(0, 1)`` per sample;
    the label is 1 when ``sum_m s_m + N(0, 0.3^2)`` exceeds its median (balanced classes).
    Informative feature ``j`` of ``m`` is ``effect_size * w_j * s_m + e`` with ``w_j = +1`` or
    ``-1``; every feature also loads 0.5 on five nuisance factors of its modality (within-
    modality correlation unrelated to the label) plus N(0, 1) noise. So each informative
    modality alone predicts the label only partly (its ``s_m`` is one of several terms) and
    the modalities together predict it better; a modality with no informative features is
    pure noise.

    Absent modalities: ``missing_fraction`` of all (sample, modality) entries are absent, drawn
    at random among all entries except one kept modality per sample (so no sample lacks every
    modality); absent rows are zero-filled and ``present`` is False there.

    Parameters
    ----------
    n_samples : int, default 400
    modalities : mapping of str -> int, optional
        Features per modality, in order; default ``{"mRNA": 500, "methylation": 500,
        "miRNA": 200}``.
    informative : mapping of str -> int, optional
        Informative features per modality (missing keys mean 0); default ``{"mRNA": 20,
        "methylation": 10, "miRNA": 0}``. At least one modality must have one.
    effect_size : float, default 1.0
        Loading of the informative features on their modality's signal.
    missing_fraction : float, default 0.0
        Share of absent (sample, modality) entries, in [0, (n_modalities - 1) / n_modalities].
    random_state : int, Generator or None, default 0

    Returns
    -------
    MultiOmicsDataset
        ``omics[m]`` of shape (n_samples, n_features_m), float32, features named
        ``"<modality>_0001"``, ...; ``present`` bool of shape (n_samples, n_modalities); labels
        0/1 (``class_names`` ``["class_0", "class_1"]``); ``truth`` None. ``meta["truth"]`` is
        a dict modality -> bool of shape (n_features_m,) marking the informative features,
        ``meta["informative_modalities"]`` the modalities with any.

    Examples
    --------
    >>> data = simulate_multiomics(100, missing_fraction=0.2, random_state=4)
    >>> data.present.shape, bool(data.present.any(axis=1).all())
    ((100, 3), True)
    """
    dims = dict(_DEFAULT_MODALITIES if modalities is None else modalities)
    n_inf = dict(_DEFAULT_INFORMATIVE if informative is None else informative)
    _check_options(n_samples, dims, n_inf, missing_fraction)
    rng = check_random_state(random_state)
    names = list(dims)
    inf_names = [m for m in names if n_inf.get(m, 0) > 0]

    signal = {m: rng.standard_normal(n_samples) for m in inf_names}
    total = np.sum([signal[m] for m in inf_names], axis=0)
    total += _LABEL_NOISE * rng.standard_normal(n_samples)
    labels = np.zeros(n_samples, dtype=np.int64)
    labels[np.argsort(total, kind="stable")[n_samples // 2 :]] = 1

    omics: dict[str, np.ndarray] = {}
    truth: dict[str, np.ndarray] = {}
    for m in names:  # a loop over the handful of modalities
        p = int(dims[m])
        factors = rng.standard_normal((n_samples, _N_FACTORS))
        loadings = _FACTOR_LOADING * rng.standard_normal((_N_FACTORS, p)) / np.sqrt(_N_FACTORS)
        x = factors @ loadings + rng.standard_normal((n_samples, p))
        mask = np.zeros(p, dtype=bool)
        k = int(n_inf.get(m, 0))
        if k:
            cols = np.sort(rng.choice(p, size=k, replace=False))
            signs = rng.choice(np.array([-1.0, 1.0]), size=k)
            x[:, cols] += effect_size * signal[m][:, None] * signs[None, :]
            mask[cols] = True
        omics[m] = x
        truth[m] = mask

    present = _draw_present(rng, n_samples, len(names), missing_fraction)
    for j, m in enumerate(names):
        omics[m] = np.where(present[:, j : j + 1], omics[m], 0.0).astype(np.float32)

    return MultiOmicsDataset(
        labels=labels,
        sample_ids=np.char.add("sim", np.char.zfill(np.arange(n_samples).astype(str), 6)),
        class_names=["class_0", "class_1"],
        truth=None,
        meta={
            "truth": truth,
            "informative_modalities": inf_names,
            "effect_size": float(effect_size),
            "missing_fraction": float(missing_fraction),
            "random_state": None if isinstance(random_state, np.random.Generator) else random_state,
        },
        omics=omics,
        feature_names={
            m: np.char.add(f"{m}_", np.char.zfill(np.arange(1, dims[m] + 1).astype(str), 4))
            for m in names
        },
        present=present,
    )


def _check_options(
    n_samples: int, dims: dict[str, int], n_inf: dict[str, int], missing_fraction: float
) -> None:
    if n_samples < 2:
        raise ConfigError(f"n_samples must be at least 2, got {n_samples}.")
    if not dims:
        raise ConfigError("modalities is empty; give at least one name -> number of features.")
    bad = [m for m, p in dims.items() if int(p) < 1]
    if bad:
        raise ConfigError(f"every modality needs at least one feature; {bad} have none.")
    unknown = sorted(set(n_inf) - set(dims))
    if unknown:
        raise ConfigError(
            f"informative names modalities {unknown} that are not in modalities {list(dims)}."
        )
    for m, k in n_inf.items():
        if not 0 <= int(k) <= int(dims[m]):
            raise ConfigError(
                f"informative[{m!r}] must lie in [0, {dims[m]}] (its features), got {k}."
            )
    if not any(int(k) > 0 for k in n_inf.values()):
        raise ConfigError("at least one modality needs informative features (informative > 0).")
    limit = (len(dims) - 1) / len(dims)
    if not 0 <= missing_fraction <= limit:
        raise ConfigError(
            f"missing_fraction must lie in [0, {limit:.3g}] so every sample keeps a modality "
            f"({len(dims)} modalities), got {missing_fraction}."
        )


def _draw_present(
    rng: np.random.Generator, n_samples: int, n_modalities: int, missing_fraction: float
) -> np.ndarray:
    """Bool (n_samples, n_modalities): ``missing_fraction`` absent, one kept per sample."""
    present = np.ones((n_samples, n_modalities), dtype=bool)
    n_absent = int(np.round(missing_fraction * n_samples * n_modalities))
    if n_absent == 0:
        return present
    keep = rng.integers(0, n_modalities, size=n_samples)
    candidates = np.flatnonzero(np.arange(n_modalities)[None, :] != keep[:, None])
    absent = rng.choice(candidates, size=min(n_absent, candidates.size), replace=False)
    present.flat[absent] = False
    return present
