"""Clinical time series with informative (time window, variable) cells and realistic gaps."""

from __future__ import annotations

import numpy as np

from attnscope._utils.random import check_random_state
from attnscope.data import TimeSeriesDataset
from attnscope.errors import ConfigError

__all__ = ["simulate_timeseries"]

#: Variables like PhysioNet 2012's, from frequently charted vitals to rarely drawn labs:
#: (name, population mean, between-time standard deviation).
_VARIABLES: tuple[tuple[str, float, float], ...] = (
    ("HR", 87.0, 15.0),
    ("SysABP", 120.0, 20.0),
    ("DiasABP", 60.0, 12.0),
    ("MAP", 80.0, 14.0),
    ("RespRate", 19.0, 5.0),
    ("SaO2", 96.5, 2.5),
    ("Temp", 37.0, 0.8),
    ("GCS", 11.0, 3.5),
    ("Urine", 120.0, 80.0),
    ("Lactate", 2.5, 1.5),
    ("Creatinine", 1.4, 1.0),
    ("WBC", 12.0, 5.0),
    ("BUN", 26.0, 18.0),
    ("Platelets", 190.0, 90.0),
    ("pH", 7.38, 0.07),
    ("Glucose", 140.0, 45.0),
)
#: Day-to-day smoothness: AR(1) coefficient of the hourly latent trajectories.
_PHI = 0.9
#: Measurement noise, in units of the variable's standard deviation.
_NOISE = 0.3
#: Standard deviation of a patient's own level around the population mean (same units).
_PATIENT_LEVEL = 0.7


def simulate_timeseries(
    n_samples: int = 1000,
    *,
    n_times: int = 48,
    n_variables: int = 12,
    n_informative: int = 3,
    window: tuple[int, int] = (30, 48),
    missing_rate: float = 0.7,
    event_rate: float = 0.2,
    random_state: int | np.random.Generator | None = 0,
) -> TimeSeriesDataset:
    """ICU-like multivariate series on an hourly grid whose label depends on a time window.

    Trajectories: for patient ``i`` and variable ``v``, a latent standardised series
    ``z[t] = level + s[t]`` where ``level ~ N(0, 0.7^2)`` and ``s`` is a stationary AR(1)
    (coefficient 0.9, unit variance); a measurement adds N(0, 0.3^2) noise; values are reported
    on the variable's clinical scale (``mean_v + sd_v * value``; names and scales like
    PhysioNet 2012's, ``V17``, ``V18``, ... beyond the 16 built in).

    Observation: cell ``(t, v)`` is measured with a variable-specific probability, log-spaced
    from frequent (vitals such as HR, charted almost every hour) to rare (labs drawn a few times
    a stay) and scaled so the unobserved share is ``missing_rate`` on average. ``mask`` is True
    where measured; ``values`` hold the measurement there, the last measurement before it
    elsewhere (forward fill) and the variable's population mean before the first one.

    Label: risk = sum over the ``n_informative`` variables (drawn at random) of
    ``sign_v * mean(z[window[0]:window[1], v])`` plus a small static part (0.25 per standard
    deviation of age, 0.15 for male sex) and logistic noise (scale 0.3); the ``event_rate``
    share of highest risk are events (label 1). ``truth[t, v]`` is True for the informative
    variables inside the window.

    Parameters
    ----------
    n_samples : int, default 1000
    n_times : int, default 48
        Hourly grid steps (``times`` = 0, 1, ..., n_times - 1 hours).
    n_variables : int, default 12
    n_informative : int, default 3
        Variables whose window mean drives the label, in [1, n_variables].
    window : tuple of (int, int), default (30, 48)
        Informative time steps ``[start, end)``, with ``0 <= start < end <= n_times``.
    missing_rate : float, default 0.7
        Mean share of unobserved cells, in [0, 0.98].
    event_rate : float, default 0.2
        Share of label 1 (e.g. in-hospital death), in (0, 1).
    random_state : int, Generator or None, default 0

    Returns
    -------
    TimeSeriesDataset
        ``values`` and ``mask`` of shape (n_samples, n_times, n_variables); ``static`` of shape
        (n_samples, 2) with columns ``Age`` (years) and ``Gender`` (1 male); labels 0/1 with
        class names ``["survived", "died"]``; ``truth`` bool of shape (n_times, n_variables).
        ``meta`` holds ``informative_variables`` (names), ``window``, ``observation_rate`` per
        variable, ``weights`` (sign per informative variable) and ``fill`` =
        ``"forward, then population mean"``.

    Examples
    --------
    >>> data = simulate_timeseries(100, random_state=2)
    >>> data.values.shape, data.truth.shape
    ((100, 48, 12), (48, 12))
    """
    w0, w1 = _check_options(
        n_samples, n_times, n_variables, n_informative, window, missing_rate, event_rate
    )
    rng = check_random_state(random_state)
    names, means, sds = _variable_table(n_variables)

    # Latent standardised trajectories, shape (n, T, V).
    shocks = rng.standard_normal((n_samples, n_times, n_variables))
    s = np.empty_like(shocks)
    s[:, 0] = shocks[:, 0]
    scale = np.sqrt(1 - _PHI**2)
    for t in range(1, n_times):  # a loop over the (few dozen) time steps, vectorised over rest
        s[:, t] = _PHI * s[:, t - 1] + scale * shocks[:, t]
    z = rng.normal(0.0, _PATIENT_LEVEL, size=(n_samples, 1, n_variables)) + s
    measured = z + _NOISE * rng.standard_normal(z.shape)

    rate = _observation_rates(n_variables, 1 - missing_rate)
    mask = rng.random(z.shape) < rate

    age = np.clip(rng.normal(65.0, 15.0, size=n_samples), 18.0, 95.0)
    sex = (rng.random(n_samples) < 0.55).astype(np.float64)
    informative = np.sort(rng.choice(n_variables, size=n_informative, replace=False))
    weights = rng.choice(np.array([-1.0, 1.0]), size=n_informative)
    risk = z[:, w0:w1, informative].mean(axis=1) @ weights
    risk += 0.25 * (age - 65.0) / 15.0 + 0.15 * sex
    risk += rng.logistic(0.0, 0.3, size=n_samples)
    n_events = max(1, int(np.round(event_rate * n_samples)))
    labels = np.zeros(n_samples, dtype=np.int64)
    labels[np.argsort(risk, kind="stable")[n_samples - n_events :]] = 1

    # Forward fill: index of the last observed step at or before t (-1 = none yet).
    steps = np.arange(n_times)[None, :, None]
    last = np.maximum.accumulate(np.where(mask, steps, -1), axis=1)
    filled = np.take_along_axis(measured, np.maximum(last, 0), axis=1)
    filled = np.where(last >= 0, filled, 0.0)
    values = means + sds * filled

    truth = np.zeros((n_times, n_variables), dtype=bool)
    truth[w0:w1, informative] = True
    return TimeSeriesDataset(
        labels=labels,
        sample_ids=np.char.add("sim", np.char.zfill(np.arange(n_samples).astype(str), 6)),
        class_names=["survived", "died"],
        truth=truth,
        meta={
            "informative_variables": [str(names[v]) for v in informative],
            "window": (w0, w1),
            "observation_rate": dict(zip(names.tolist(), rate.tolist())),
            "weights": dict(zip(names[informative].tolist(), weights.tolist())),
            "fill": "forward, then population mean",
            "random_state": None if isinstance(random_state, np.random.Generator) else random_state,
        },
        values=values,
        mask=mask,
        static=np.column_stack([age, sex]),
        variable_names=names,
        static_names=np.array(["Age", "Gender"]),
        times=np.arange(n_times, dtype=np.float32),
    )


def _check_options(
    n_samples: int,
    n_times: int,
    n_variables: int,
    n_informative: int,
    window: tuple[int, int],
    missing_rate: float,
    event_rate: float,
) -> tuple[int, int]:
    if n_samples < 2:
        raise ConfigError(f"n_samples must be at least 2, got {n_samples}.")
    if n_times < 1 or n_variables < 1:
        raise ConfigError(
            f"n_times and n_variables must be at least 1, got {n_times} and {n_variables}."
        )
    if not 1 <= n_informative <= n_variables:
        raise ConfigError(
            f"n_informative must lie in [1, n_variables={n_variables}], got {n_informative}."
        )
    try:
        w0, w1 = (int(v) for v in window)
    except (TypeError, ValueError):
        raise ConfigError(f"window must be a pair (start, end), got {window!r}.") from None
    if not 0 <= w0 < w1 <= n_times:
        raise ConfigError(
            f"window must satisfy 0 <= start < end <= n_times ({n_times}), got {window!r}."
        )
    if not 0 <= missing_rate <= 0.98:
        raise ConfigError(f"missing_rate must lie in [0, 0.98], got {missing_rate}.")
    if not 0 < event_rate < 1:
        raise ConfigError(f"event_rate must lie in (0, 1), got {event_rate}.")
    return w0, w1


def _variable_table(n_variables: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Names, means and standard deviations of the first ``n_variables`` variables."""
    table = list(_VARIABLES[:n_variables])
    table += [(f"V{k + 1}", 0.0, 1.0) for k in range(len(table), n_variables)]
    names = np.array([row[0] for row in table])
    means = np.array([row[1] for row in table])
    sds = np.array([row[2] for row in table])
    return names, means, sds


def _observation_rates(n_variables: int, mean_rate: float) -> np.ndarray:
    """Per-variable observation probabilities, log-spaced from 1 to 1/30, mean ``mean_rate``."""
    base = np.geomspace(1.0, 1.0 / 30.0, n_variables)
    rate = base * mean_rate / base.mean()
    for _ in range(50):  # rescale the unclipped rates until the clipped mean is on target
        rate = np.clip(rate, 0.005, 1.0)
        free = rate < 1.0
        if not free.any() or abs(rate.mean() - mean_rate) < 1e-9:
            break
        rate[free] *= (mean_rate * n_variables - (~free).sum()) / rate[free].sum()
    return np.clip(rate, 0.005, 1.0)
