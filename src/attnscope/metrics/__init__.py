"""Predictive metrics and explanation-trust metrics, one function each."""

from attnscope.metrics._predictive import PREDICTIVE_METRICS, classification_metrics, confusion

__all__ = ["PREDICTIVE_METRICS", "classification_metrics", "confusion"]
