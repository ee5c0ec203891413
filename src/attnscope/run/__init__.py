"""Run directories: fit / predict / evaluate / consistency, each a plain function.

The CLI is a thin layer over these functions. A run directory holds ``config.toml``,
``model.safetensors`` + ``model.json``, ``split.json``, ``metrics.json``,
``test_predictions.npz``, ``attributions/*.npz`` and ``trust.json``; the report renders
those files and never reloads the model.
"""

from attnscope.run._commands import (
    evaluate_run,
    fit_run,
    load_data,
    predict_run,
    save_test_predictions,
)
from attnscope.run._config import read_config, write_config
from attnscope.run._shard import sharded

__all__ = [
    "evaluate_run",
    "fit_run",
    "load_data",
    "predict_run",
    "read_config",
    "save_test_predictions",
    "sharded",
    "write_config",
]
