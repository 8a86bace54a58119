"""flambeau.vision.utils: make_grid, save_image, drawing."""
