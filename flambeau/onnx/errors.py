"""The exceptions of flambeau.onnx, as torch.onnx.errors names them."""
from __future__ import annotations

__all__ = ["OnnxExporterError", "UnsupportedOperatorError"]


class OnnxExporterError(RuntimeError):
    """The export cannot produce a faithful ONNX model."""


class UnsupportedOperatorError(OnnxExporterError):
    """A primitive of the traced graph has no ONNX translation (at this opset)."""

    def __init__(self, name: str, version: int, supported_version: int | None = None):
        if supported_version is not None:
            msg = (f"Exporting the operator {name!r} to ONNX opset version {version} is not supported. "
                   f"Support for this operator was added in version {supported_version}, try exporting "
                   f"with this version.")
        else:
            msg = (f"Exporting the operator {name!r} to ONNX opset version {version} is not supported. "
                   f"Please feel free to request support or submit a pull request to flambeau.")
        super().__init__(msg)
