"""attnscope: attention-based models for biomedical data, with explanations you can trust.

Subpackages by role: :mod:`attnscope.io` (readers), :mod:`attnscope.data` (containers),
:mod:`attnscope.sim` (simulated data with planted truth), :mod:`attnscope.models`
(networks), :mod:`attnscope.estimators` (fit/predict), :mod:`attnscope.explain`
(attributions), :mod:`attnscope.metrics`, :mod:`attnscope.pl` (plots).
Nothing heavy is imported here, so ``import attnscope`` and the CLI start fast.
"""

from attnscope.errors import AttnscopeWarning, ConfigError, DataError

__version__ = "0.1.0"

__all__ = ["AttnscopeWarning", "ConfigError", "DataError", "__version__"]
