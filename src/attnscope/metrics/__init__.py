"""Predictive metrics and explanation-trust metrics, one function each.

The names below are imported eagerly (light modules); the public names of the other
private modules (``_loci``, ``_consistency``, ...) resolve on first access.
"""

from attnscope._utils.lazy import lazy_exports
from attnscope.metrics._biology import gene_list_overlap, geneset_enrichment, top_features
from attnscope.metrics._faithfulness import (
    Curve,
    comprehensiveness,
    deletion_curve,
    insertion_curve,
    roar,
    sufficiency,
)
from attnscope.metrics._predictive import PREDICTIVE_METRICS, classification_metrics, confusion
from attnscope.metrics._sanity import (
    SANITY_THRESHOLD,
    SanityResult,
    label_randomisation,
    layer_order,
    parameter_randomisation,
    permuted_label_model,
)
from attnscope.metrics._stability import (
    max_sensitivity,
    rank_correlation_rows,
    seed_stability,
    topk_jaccard_rows,
)
from attnscope.metrics._trust import (
    SLOW_METHOD_SAMPLES,
    TRUST_COLUMNS,
    TRUST_METHODS,
    trust_table,
)
from attnscope.metrics._truth import auprc_rows, auroc_rows, precision_at_k, truth_recovery

__all__ = [
    "PREDICTIVE_METRICS",
    "SANITY_THRESHOLD",
    "SLOW_METHOD_SAMPLES",
    "TRUST_COLUMNS",
    "TRUST_METHODS",
    "Curve",
    "SanityResult",
    "auprc_rows",
    "auroc_rows",
    "classification_metrics",
    "comprehensiveness",
    "confusion",
    "deletion_curve",
    "gene_list_overlap",
    "geneset_enrichment",
    "insertion_curve",
    "label_randomisation",
    "layer_order",
    "max_sensitivity",
    "parameter_randomisation",
    "permuted_label_model",
    "precision_at_k",
    "rank_correlation_rows",
    "roar",
    "seed_stability",
    "sufficiency",
    "top_features",
    "topk_jaccard_rows",
    "trust_table",
    "truth_recovery",
]

__getattr__, _lazy_dir = lazy_exports(__name__, __path__)


def __dir__() -> list[str]:
    return sorted({*__all__, *_lazy_dir()})
