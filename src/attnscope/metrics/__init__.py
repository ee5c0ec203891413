"""Pure array metrics: predictive, truth recovery, agreement, consistency, biology.

Nothing here runs a model; the trust metrics that re-run attributions live in
:mod:`attnscope.trust`.

The names below are imported eagerly (light modules); the public names of the other
private modules (``_loci``, ``_consistency``, ...) resolve on first access.
"""

from attnscope._utils.lazy import lazy_exports
from attnscope.metrics._agreement import rank_correlation_rows, seed_stability, topk_jaccard_rows
from attnscope.metrics._biology import gene_list_overlap, geneset_enrichment, top_features
from attnscope.metrics._predictive import PREDICTIVE_METRICS, classification_metrics, confusion
from attnscope.metrics._truth import auprc_rows, auroc_rows, precision_at_k, truth_recovery

__all__ = [
    "PREDICTIVE_METRICS",
    "auprc_rows",
    "auroc_rows",
    "classification_metrics",
    "confusion",
    "gene_list_overlap",
    "geneset_enrichment",
    "precision_at_k",
    "rank_correlation_rows",
    "seed_stability",
    "top_features",
    "topk_jaccard_rows",
    "truth_recovery",
]

__getattr__, _lazy_dir = lazy_exports(__name__, __path__)


def __dir__() -> list[str]:
    return sorted({*__all__, *_lazy_dir()})
