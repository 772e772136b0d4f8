"""The pure calculation core: no HTTP, no torch. ``from app.core import analyze``."""

from app.core.analysis import (
    DEFAULT_LIMITS,
    Analysis,
    DType,
    ExplanationStep,
    LayerReport,
    LayerWarning,
    Limits,
    ReceptiveField,
    analyze,
)
from app.core.errors import (
    CnnCalcError,
    ErrorCode,
    FieldError,
    GraphError,
    LayerError,
    LimitError,
    StackError,
)
from app.core.layers import REGISTRY, TYPE_INDEX, AnyLayer, LayerSpec, catalogue

__all__ = [
    "DEFAULT_LIMITS",
    "REGISTRY",
    "TYPE_INDEX",
    "Analysis",
    "AnyLayer",
    "CnnCalcError",
    "DType",
    "ErrorCode",
    "ExplanationStep",
    "FieldError",
    "GraphError",
    "LayerError",
    "LayerReport",
    "LayerSpec",
    "LayerWarning",
    "LimitError",
    "Limits",
    "ReceptiveField",
    "StackError",
    "analyze",
    "catalogue",
]
