"""flambeau.vision.io: image reading/writing through Pillow."""
