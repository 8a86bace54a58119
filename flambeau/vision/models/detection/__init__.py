"""flambeau.vision.models.detection: torchvision's detection models - the two-stage R-CNN family (Faster, Mask,
Keypoint R-CNN) and the one-stage RetinaNet, FCOS, SSD and SSDLite - with their shared pipeline (image transform,
anchors, box coding, RPN, RoI heads)."""
