"""flambeau.vision's task namespaces name exactly what torchvision's do: a user's `from torchvision.X import *`
finds the same names (each name's behaviour is tested in the module's own tests)."""
import importlib

import pytest


def _public(module) -> set:
    """Its public names, less the modules and typing helpers it merely imports (torchvision's import torch)."""
    return {n for n, v in vars(module).items() if not n.startswith("_") and type(v).__name__ != "module"
            and n not in ("annotations", "Any", "Optional", "Union", "Tensor")}


@pytest.mark.parametrize("name", ["transforms.v2", "transforms.v2.functional", "tv_tensors", "models.detection",
                                  "models.segmentation"])
def test_same_public_names_as_torchvision(name):
    theirs = importlib.import_module(f"torchvision.{name}")
    ours = importlib.import_module(f"flambeau.vision.{name}")
    assert _public(ours) == _public(theirs)


@pytest.mark.parametrize("name", ["detection", "segmentation"])
def test_task_models_are_registered_as_in_torchvision(name):
    import flambeau.vision.models as ours
    import torchvision.models as theirs
    assert ours.list_models(module=getattr(ours, name)) == theirs.list_models(module=getattr(theirs, name))
