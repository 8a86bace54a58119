"""flambeau.utils.data: datasets, samplers, DataLoader."""
