"""flambeau.onnx (torch.onnx): export a model to ONNX from the graph flambeau.jit.trace records.

Importing needs nothing beyond flambeau; export() needs the `onnx` extra (pip install flambeau[onnx]).
"""
from __future__ import annotations

from . import errors
from .errors import OnnxExporterError, UnsupportedOperatorError
from .export import export

__all__ = ["export", "errors", "OnnxExporterError", "UnsupportedOperatorError"]
