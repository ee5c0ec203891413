"""Real clinical time-series data sets from the shared data folder, loaded by name."""

from __future__ import annotations

from typing import Literal

from attnscope._utils.paths import shared_data_dir
from attnscope.data import TimeSeriesDataset
from attnscope.errors import DataError

__all__ = ["load_physionet2012"]


def load_physionet2012(
    task: Literal["mortality", "severity"] | None = "mortality",
    *,
    hours: float = 48,
    step_hours: float = 1.0,
) -> TimeSeriesDataset:
    """PhysioNet/CinC Challenge 2012 set-a: 4,000 ICU stays, first 48 h.

    Source: Silva et al., "Predicting in-hospital mortality of ICU patients: the
    PhysioNet/Computing in Cardiology Challenge 2012", CinC 2012; PhysioNet, ODC-By 1.0.
    Read from ``timeseries/physionet2012/set-a.tar.gz`` and ``Outcomes-a.txt`` with
    :func:`attnscope.io.read_physionet2012` (see it for the grid, static columns and the
    definition of the tasks).

    Parameters
    ----------
    task : {"mortality", "severity"} or None, default "mortality"
        In-hospital death (554 of 4,000 died), SAPS-I tertiles, or unlabelled.
    hours, step_hours : float
        Grid length and bin width in hours.

    Returns
    -------
    TimeSeriesDataset
        ``values``/``mask`` of shape (n_stays, 48, 36) in raw units; normalise with
        :class:`attnscope.io.TimeSeriesNormalizer` fitted on the training split.
    """
    from attnscope.io import read_physionet2012

    folder = shared_data_dir() / "timeseries" / "physionet2012"
    archive, outcomes = folder / "set-a.tar.gz", folder / "Outcomes-a.txt"
    for path in (archive, outcomes):
        if not path.is_file():
            raise DataError(
                f"{path}: data file not found. Put the shared data sets there or set "
                "ATTNSCOPE_DATA to the folder holding them."
            )
    data = read_physionet2012(
        archive,
        outcomes=outcomes if task is not None else None,
        task=task,
        hours=hours,
        step_hours=step_hours,
    )
    data.meta.update({"name": "physionet2012", "citation": "Silva et al. 2012, PhysioNet"})
    return data
