"""Pillow, imported on first use: it is the optional 'vision' extra, never needed by `import flambeau`."""
from __future__ import annotations

from types import ModuleType


def pil_image() -> ModuleType:
    """PIL.Image, or an ImportError that says how to install it."""
    try:
        from PIL import Image
    except ImportError as e:
        raise ImportError("This part of flambeau.vision needs Pillow: pip install 'flambeau[vision]' "
                          "(or pip install pillow)") from e
    return Image
