"""flambeau.vision.models.segmentation: torchvision's semantic-segmentation models (FCN, DeepLabV3, LRASPP)."""
