"""Errors and warnings raised by attnscope.

User mistakes (bad files, bad options) raise :class:`DataError` or :class:`ConfigError`
with what was expected, what was found and how to fix it. The CLI turns both into one
line on stderr and exit status 2.
"""

from __future__ import annotations

__all__ = [
    "AttnscopeWarning",
    "ConfigError",
    "DataError",
    "NotFittedError",
    "UnlabelledSamplesError",
]


class DataError(ValueError):
    """Input data is malformed: names the file, line or sample, and the fix."""


class UnlabelledSamplesError(DataError):
    """A labels file holds no label for some samples of the data (named in the message)."""


class ConfigError(ValueError):
    """An option or configuration value is invalid or inconsistent."""


class AttnscopeWarning(UserWarning):
    """Soft problem worth a user's attention (dropped samples, unused genes, ...)."""


class NotFittedError(ConfigError, AttributeError):
    """A model was used before ``fit`` (scikit-learn's NotFittedError contract)."""
