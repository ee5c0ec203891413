"""scikit-learn style classifiers wrapping the networks."""

from attnscope.estimators._attn_lstm import AttnLSTMClassifier, GRUClassifier
from attnscope.estimators._attngen import AttnGenClassifier
from attnscope.estimators._base import BaseClassifier, check_is_fitted
from attnscope.estimators._cnn import CNNClassifier
from attnscope.estimators._fusion import FusionClassifier, without_modalities
from attnscope.estimators._hain import HAINClassifier
from attnscope.estimators._hemera import (
    HEMERAClassifier,
    carrier_importance,
    top_snps_per_chromosome,
)
from attnscope.estimators._mlp import MLPClassifier
from attnscope.estimators._registry import ESTIMATORS, get_estimator_class, make_estimator
from attnscope.estimators._spec import AttributionSpec

__all__ = [
    "ESTIMATORS",
    "AttnGenClassifier",
    "AttnLSTMClassifier",
    "AttributionSpec",
    "BaseClassifier",
    "CNNClassifier",
    "FusionClassifier",
    "GRUClassifier",
    "HAINClassifier",
    "HEMERAClassifier",
    "MLPClassifier",
    "carrier_importance",
    "check_is_fitted",
    "get_estimator_class",
    "make_estimator",
    "top_snps_per_chromosome",
    "without_modalities",
]
