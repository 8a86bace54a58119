"""flambeau.vision.datasets."""
