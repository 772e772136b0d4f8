"""cnncalc: exact CNN layer arithmetic, checked against PyTorch.

The calculation core is importable without FastAPI or torch::

    from app import analyze
    result = analyze([1, 28, 28], [{"type": "conv2d", "out_channels": 20, "kernel_size": 5}])
"""

from app.core import Analysis, LayerError, analyze

__version__ = "0.1.0"
__all__ = ["Analysis", "LayerError", "__version__", "analyze"]
