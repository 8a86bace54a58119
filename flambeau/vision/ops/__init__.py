"""flambeau.vision.ops."""
