"""scikit-learn style classifiers wrapping the networks."""

from attnscope.estimators._attn_lstm import AttnLSTMClassifier, GRUClassifier
from attnscope.estimators._attngen import AttnGenClassifier
from attnscope.estimators._base import BaseClassifier
from attnscope.estimators._cnn import CNNClassifier
from attnscope.estimators._fusion import FusionClassifier, without_modalities
from attnscope.estimators._hain import HAINClassifier
from attnscope.estimators._hemera import HEMERAClassifier
from attnscope.estimators._mlp import MLPClassifier
from attnscope.estimators._registry import ESTIMATORS, get_estimator_class, make_estimator
from attnscope.estimators._settings import SETTINGS, Setting, other_settings, setting_params

__all__ = [
    "ESTIMATORS",
    "SETTINGS",
    "AttnGenClassifier",
    "AttnLSTMClassifier",
    "BaseClassifier",
    "CNNClassifier",
    "FusionClassifier",
    "GRUClassifier",
    "HAINClassifier",
    "HEMERAClassifier",
    "MLPClassifier",
    "Setting",
    "get_estimator_class",
    "make_estimator",
    "other_settings",
    "setting_params",
    "without_modalities",
]
