"""Attribution methods behind one registry; every method returns an :class:`Attribution`.

``attribute(estimator, data, method=...)`` runs any method on any fitted estimator;
aggregations (per feature, class, group, SNP) are functions on the result.
"""

from attnscope.explain import (  # noqa: F401 (register the methods)
    _attention,
    _deeplift,
    _gradients,
    _hypothetical,
    _perturbation,
)
from attnscope.explain._adapter import INPUT_KINDS, TorchModel, infer_kind, wrap_module
from attnscope.explain._aggregate import (
    GroupScores,
    feature_importance,
    per_class,
    per_group,
    per_snp_carriers,
    snp_importance,
    top_snps_per_chromosome,
)
from attnscope.explain._attribution import Attribution
from attnscope.explain._core import (
    ALIASES,
    METHOD_READS,
    METHODS,
    attribute,
    attribute_spec,
    available_methods,
    canonical_method,
    register_method,
)
from attnscope.explain._interop import to_anndata, to_dataframe, to_shap
from attnscope.explain._motifs import (
    MotifPattern,
    MotifResult,
    default_motif_library,
    discover_motifs,
)
from attnscope.explain._perturbation import feature_groups
from attnscope.explain._reference import without_base_values
from attnscope.explain._shuffle import dinucleotide_shuffle

__all__ = [
    "ALIASES",
    "INPUT_KINDS",
    "METHODS",
    "METHOD_READS",
    "Attribution",
    "GroupScores",
    "MotifPattern",
    "MotifResult",
    "TorchModel",
    "attribute",
    "attribute_spec",
    "available_methods",
    "canonical_method",
    "default_motif_library",
    "dinucleotide_shuffle",
    "discover_motifs",
    "feature_groups",
    "feature_importance",
    "infer_kind",
    "per_class",
    "per_group",
    "per_snp_carriers",
    "register_method",
    "snp_importance",
    "to_anndata",
    "to_dataframe",
    "to_shap",
    "top_snps_per_chromosome",
    "without_base_values",
    "wrap_module",
]
