"""flambeau.vision.models."""
