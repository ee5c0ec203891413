"""New data read with a run's stored reader options (label column, labels file, ...).

A run remembers how its training data was read (``[data]`` of ``config.toml``), so that
``predict RUN new.fa`` needs no options. The stored labels file, though, belongs to the
training data: new samples are rarely in it. Commands that need no labels (predict, explain,
motifs) then read the new data unlabelled; the others say how to give labels for it.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from attnscope.errors import AttnscopeWarning, DataError, UnlabelledSamplesError

__all__ = ["read_with_stored_labels", "stored_reader_options"]

#: The stored options that name the training data's labels.
LABEL_OPTIONS = ("labels", "label_col")
#: Stored options that fix the layout labels would otherwise decide (an expression
#: table's orientation): used only when the data is read without the stored labels.
LAYOUT_OPTIONS = ("orientation",)


def stored_reader_options(run: str | Path) -> dict[str, Any]:
    """Reader options saved in the run's ``config.toml`` (every ``[data]`` key but the path)."""
    from attnscope.run._config import read_config

    path = Path(run) / "config.toml"
    if not path.is_file():
        return {}
    data = read_config(path).get("data", {})
    return {k: v for k, v in data.items() if k not in ("path", "paths")}


def read_with_stored_labels(
    read: Callable[[dict[str, Any]], Any],
    stored: dict[str, Any],
    *,
    labels_needed: bool,
    layout_from_labels: Callable[[], bool],
    source: str,
) -> Any:
    """``read(stored)``; when the stored labels do not cover the data, read it unlabelled.

    Parameters
    ----------
    read : callable
        Reads the data with the given reader options.
    stored : dict
        The run's stored options (:func:`stored_reader_options`), possibly with others.
    labels_needed : bool
        The command scores against labels (evaluate, trust): no fallback, the error says
        how to give labels for the new data.
    layout_from_labels : callable
        Whether the labels decide the data's layout (an expression matrix's orientation,
        tables per modality): reading without them could silently transpose, so no
        fallback unless ``stored`` fixes the layout (:data:`LAYOUT_OPTIONS`, which are
        used only then). Called only when the stored labels miss samples (it may sniff
        the file).
    source : str
        The data, for messages.

    Returns
    -------
    Dataset
        Labelled by the stored labels when they cover every sample, else unlabelled (with
        an :class:`~attnscope.errors.AttnscopeWarning` saying so).

    Raises
    ------
    DataError
        The stored labels miss some samples and the data cannot be read without them.
    """
    layout = {k: stored[k] for k in LAYOUT_OPTIONS if k in stored}
    try:
        # The file's own warnings (dropped observations, ...) are held back until the
        # read succeeds: an unlabelled re-read below says them again, and once is enough.
        with warnings.catch_warnings(record=True) as said:
            warnings.simplefilter("always")
            data = read({k: v for k, v in stored.items() if k not in layout})
        for w in said:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno, source=w.source)
        return data
    except UnlabelledSamplesError as error:
        if not any(k in stored for k in LABEL_OPTIONS):
            raise
        if "labels" in stored:
            own, fix = "labels file", "--labels FILE (labels= in Python)"
        else:  # the data's own column: an h5ad takes no labels file
            own = f"label column {stored['label_col']!r}"
            fix = "--label-col NAME naming its label column, or --labels FILE"
        hint = f"{error} That {own} is the run's own (from fit); for other data pass {fix}."
        if labels_needed or (not layout and layout_from_labels()):
            raise DataError(hint) from None
        rest = {k: v for k, v in stored.items() if k not in LABEL_OPTIONS}
        try:
            data = read(rest)
        except UnlabelledSamplesError:
            raise DataError(hint) from None
        # Any other DataError is the file's own fault (a NaN, a decimal comma): it is
        # raised as it is, not hidden behind the label hint.
    own = "labels file does not cover" if "labels" in stored else "label column is not in"
    warnings.warn(
        f"the run's {own} {source}; read it unlabelled",
        AttnscopeWarning,
        stacklevel=2,
    )
    return data
