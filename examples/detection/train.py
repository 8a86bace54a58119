"""Train Faster R-CNN (MobileNetV3-Large FPN) from scratch to find generated shapes, scored by mAP@0.5.

The images come from examples/shapes: rectangles, ellipses and triangles on noisy backgrounds, with
their boxes known. The detector (torchvision's fasterrcnn_mobilenet_v3_large_320_fpn, random
weights) is trained on one seed's images and scored on held-out images of another seed by mAP@0.5
(mean_ap.py); it draws its detections on held-out images in a PNG.

    python examples/detection/train.py                                     # full configuration
    python examples/detection/train.py --train-images 512                  # short
"""
import argparse
import pathlib
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "shapes"))  # the shared generator and helpers

import flambeau as torch
from flambeau.vision.models.detection.faster_rcnn import fasterrcnn_mobilenet_v3_large_320_fpn
from flambeau.vision.utils import draw_bounding_boxes, make_grid, save_image

from mean_ap import mean_average_precision
from shapes import CLASSES
from training import add_arguments, fit, loaders, short_run_batch_norms


def collate(batch):
    """Detection models take lists: images of any size and one target dict each (boxes and labels)."""
    images, targets = zip(*batch)
    return list(images), [{"boxes": t["boxes"], "labels": t["labels"]} for t in targets]


def detection_loss(model, batch):
    """The sum of the detector's four losses (RPN objectness and boxes, box-head classes and boxes)."""
    images, targets = batch
    return sum(model(images, targets).values())


def evaluate(model, loader):
    """mAP@0.5 over the held-out images, and the (image, detections) pairs."""
    model.eval()
    images, predictions, targets = [], [], []
    with torch.no_grad():
        for batch, truths in loader:
            images += batch
            predictions += model(batch)
            targets += truths
    m, per_class = mean_average_precision(predictions, targets, len(CLASSES))
    print(f"mAP@0.5 {m:.3f} (" + ", ".join(f"{CLASSES[c]} {ap:.3f}" for c, ap in per_class.items()) + ")")
    return m, list(zip(images, predictions))


def save_detections(shown, path, min_score, count=16):
    """The first `count` held-out images with their detections scoring at least `min_score`, as a PNG grid."""
    drawn = []
    for image, found in shown[:count]:
        keep = found["scores"] >= min_score
        labels = [f"{CLASSES[c]} {s:.2f}" for c, s in zip(found["labels"][keep].tolist(), found["scores"][keep].tolist())]
        picture = (image * 255).to(torch.uint8)
        drawn.append(draw_bounding_boxes(picture, found["boxes"][keep], labels, colors="red") if labels else picture)
    save_image(make_grid(drawn, nrow=4).float() / 255, path)
    print(f"detections scoring {min_score} or more on {len(drawn)} held-out images drawn in {path}")


def main():
    parser = argparse.ArgumentParser(description="flambeau Faster R-CNN shapes detection example")
    add_arguments(parser, train_images=1024, test_images=64, image_size=96, epochs=1, batch_size=4, lr=0.001)
    parser.add_argument("--detector-size", type=int, default=192,
                        help="side the detector resizes the images to (default: 192)")
    parser.add_argument("--min-score", type=float, default=0.5, help="least score of the boxes drawn (default: 0.5)")
    parser.add_argument("--output", default="detections.png", help="PNG of detections (default: detections.png)")
    parser.add_argument("--checkpoint", default="fasterrcnn_shapes.pt", help="where to save the model (default: fasterrcnn_shapes.pt)")
    args = parser.parse_args()

    torch.manual_seed(args.seed)
    train_loader, test_loader = loaders(args, collate)

    # the detector's features have stride 32: at 320 px (the builder's size) a 10x10 grid, at the images' own
    # 96 px a 3x3 grid too coarse to place and tell apart the shapes (held-out mAP@0.5 stays near 0.01), so the
    # images are resized to 192 (6x6, a third of 320's work); the box head learns from 64 sampled proposals per
    # image rather than 512, which cost most of a step
    model = fasterrcnn_mobilenet_v3_large_320_fpn(weights=None, weights_backbone=None, num_classes=len(CLASSES),
                                                  min_size=args.detector_size, max_size=args.detector_size,
                                                  box_batch_size_per_image=64)
    short_run_batch_norms(model)
    start = time.process_time()
    fit(model, train_loader, detection_loss, args.epochs, args.lr, max_grad_norm=5.0)
    print(f"training took {time.process_time() - start:.0f} s of CPU")
    _, shown = evaluate(model, test_loader)
    save_detections(shown, args.output, args.min_score)
    torch.save(model.state_dict(), args.checkpoint)


if __name__ == "__main__":
    main()
