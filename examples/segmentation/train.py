"""Train LR-ASPP MobileNetV3-Large from scratch to segment generated shapes, scored by mean IoU.

Every pixel of the generated images (examples/shapes) is background, rectangle, ellipse or triangle.
The network (torchvision's lraspp_mobilenet_v3_large, random weights) is trained with per-pixel
cross-entropy on one seed's images and scored on held-out images of another seed by mean IoU; it
saves an overlay of its predicted masks on held-out images as a PNG.

    python examples/segmentation/train.py                                      # full configuration
    python examples/segmentation/train.py --train-images 768 --epochs 1        # short
"""
import argparse
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "shapes"))  # the shared generator and helpers

import flambeau as torch
import flambeau.nn.functional as F
from flambeau.vision.models.segmentation.lraspp import lraspp_mobilenet_v3_large
from flambeau.vision.utils import draw_segmentation_masks, make_grid, save_image

from mean_iou import confusion_matrix, mean_iou
from shapes import CLASSES
from training import add_arguments, fit, loaders, short_run_batch_norms

COLOURS = ["red", "lime", "blue"]  # rectangle, ellipse, triangle


def semantic_mask(target):
    """(H, W) int64 map of class indices from a target's per-shape masks (shapes never overlap)."""
    return (target["labels"][:, None, None] * target["masks"]).sum(dim=0)


def collate(batch):
    images, targets = zip(*batch)
    return torch.stack(images), torch.stack([semantic_mask(t) for t in targets])


def segmentation_loss(model, batch):
    """Per-pixel cross-entropy of the predicted class scores."""
    images, masks = batch
    return F.cross_entropy(model(images)["out"], masks)


def evaluate(model, loader):
    """Mean IoU over the held-out images, and the (image, predicted class map) pairs."""
    model.eval()
    confusion, shown = 0, []
    with torch.no_grad():
        for images, masks in loader:
            predicted = model(images)["out"].argmax(dim=1)
            confusion = confusion + confusion_matrix(predicted, masks, len(CLASSES))
            shown += zip(images, predicted)
    miou, ious = mean_iou(confusion)
    print(f"mean IoU {miou:.3f} (" + ", ".join(f"{name} {iou:.3f}" for name, iou in zip(CLASSES, ious)) + ")")
    return miou, shown


def save_overlay(shown, path, count=16):
    """The first `count` held-out images with their predicted shapes painted on, as one PNG grid."""
    painted = []
    for image, predicted in shown[:count]:
        masks = torch.stack([predicted == label for label in range(1, len(CLASSES))])
        painted.append(draw_segmentation_masks((image * 255).to(torch.uint8), masks, alpha=0.5, colors=COLOURS))
    save_image(make_grid(painted, nrow=4).float() / 255, path)
    print(f"predicted masks of {len(painted)} held-out images drawn in {path} "
          f"({', '.join(f'{n} {c}' for n, c in zip(CLASSES[1:], COLOURS))})")


def main():
    parser = argparse.ArgumentParser(description="flambeau LR-ASPP shapes segmentation example")
    add_arguments(parser, train_images=2048, test_images=128, image_size=64, epochs=3, batch_size=8, lr=0.003)
    parser.add_argument("--overlay", default="segmentation.png", help="PNG of predicted masks (default: segmentation.png)")
    parser.add_argument("--checkpoint", default="lraspp_shapes.pt", help="where to save the model (default: lraspp_shapes.pt)")
    args = parser.parse_args()

    torch.manual_seed(args.seed)
    train_loader, test_loader = loaders(args, collate, test_batch_size=32)

    model = lraspp_mobilenet_v3_large(weights=None, weights_backbone=None, num_classes=len(CLASSES))
    short_run_batch_norms(model)
    fit(model, train_loader, segmentation_loss, args.epochs, args.lr)
    _, shown = evaluate(model, test_loader)
    save_overlay(shown, args.overlay)
    torch.save(model.state_dict(), args.checkpoint)


if __name__ == "__main__":
    main()
