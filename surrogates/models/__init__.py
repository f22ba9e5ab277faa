"""Surrogate models behind one estimator interface; see :mod:`surrogates.models.base`."""

from .base import REGISTRY, Estimator, available, create  # noqa: F401
