"""flambeau.vision.models: torchvision's classification models, their pretrained-weights enums and the
model registry."""
from ._api import get_model, get_model_builder, get_model_weights, get_weight, list_models, Weights, WeightsEnum  # noqa: F401
