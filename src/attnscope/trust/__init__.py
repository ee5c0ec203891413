"""Trust metrics that re-run attributions: faithfulness, sanity, stability, the trust table.

Every function here takes a fitted model (an attnscope estimator or a wrapped
``nn.Module``, see :func:`attnscope.explain.wrap_module`) and data, and goes through
:func:`attnscope.explain.attribute_spec`; the pure array metrics they build on live in
:mod:`attnscope.metrics`.
"""

from attnscope.trust._faithfulness import (
    Curve,
    comprehensiveness,
    deletion_curve,
    insertion_curve,
    roar,
    sufficiency,
)
from attnscope.trust._sanity import (
    SANITY_THRESHOLD,
    SanityResult,
    label_randomisation,
    layer_order,
    parameter_randomisation,
    permuted_label_model,
)
from attnscope.trust._stability import max_sensitivity
from attnscope.trust._table import (
    SLOW_METHOD_SAMPLES,
    TRUST_COLUMNS,
    TRUST_METHODS,
    trust_table,
)

__all__ = [
    "SANITY_THRESHOLD",
    "SLOW_METHOD_SAMPLES",
    "TRUST_COLUMNS",
    "TRUST_METHODS",
    "Curve",
    "SanityResult",
    "comprehensiveness",
    "deletion_curve",
    "insertion_curve",
    "label_randomisation",
    "layer_order",
    "max_sensitivity",
    "parameter_randomisation",
    "permuted_label_model",
    "roar",
    "sufficiency",
    "trust_table",
]
