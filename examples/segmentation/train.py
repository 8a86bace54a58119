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
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "shapes"))  # the shared generator

import flambeau as torch
import flambeau.nn.functional as F
from flambeau.utils.data import DataLoader
from flambeau.vision.models.segmentation.lraspp import lraspp_mobilenet_v3_large
from flambeau.vision.utils import draw_segmentation_masks, make_grid, save_image

from mean_iou import confusion_matrix, mean_iou
from shapes import CLASSES, ShapesDataset, short_run_batch_norms

COLOURS = ["red", "lime", "blue"]  # rectangle, ellipse, triangle


def semantic_mask(target):
    """(H, W) int64 map of class indices from a target's per-shape masks (shapes never overlap)."""
    return (target["labels"][:, None, None] * target["masks"]).sum(dim=0)


def collate(batch):
    images, targets = zip(*batch)
    return torch.stack(images), torch.stack([semantic_mask(t) for t in targets])


def train(model, loader, optimizer, scheduler, epoch):
    model.train()
    start, total = time.time(), 0.0
    for images, masks in loader:
        loss = F.cross_entropy(model(images)["out"], masks)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        scheduler.step()
        total += loss.item()
    print(f"epoch {epoch}: mean loss {total / len(loader):.4f} ({time.time() - start:.0f} s)")


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
    parser.add_argument("--train-images", type=int, default=2048, help="generated training images (default: 2048)")
    parser.add_argument("--test-images", type=int, default=128, help="generated held-out images (default: 128)")
    parser.add_argument("--image-size", type=int, default=64, help="side of the square images (default: 64)")
    parser.add_argument("--epochs", type=int, default=3, help="passes over the training images (default: 3)")
    parser.add_argument("--batch-size", type=int, default=8, help="training batch size (default: 8)")
    parser.add_argument("--lr", type=float, default=0.003, help="Adam's peak learning rate (default: 0.003)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default: 1)")
    parser.add_argument("--overlay", default="segmentation.png", help="PNG of predicted masks (default: segmentation.png)")
    parser.add_argument("--checkpoint", default="lraspp_shapes.pt", help="where to save the model (default: lraspp_shapes.pt)")
    args = parser.parse_args()

    torch.manual_seed(args.seed)
    train_set = ShapesDataset(args.train_images, seed=args.seed, size=args.image_size)
    test_set = ShapesDataset(args.test_images, seed=10_000 + args.seed, size=args.image_size)
    train_loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True, collate_fn=collate)
    test_loader = DataLoader(test_set, batch_size=32, collate_fn=collate)

    model = lraspp_mobilenet_v3_large(weights=None, weights_backbone=None, num_classes=len(CLASSES))
    short_run_batch_norms(model)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    # one cycle: a short warm-up (the random-init network's batch norms settle), then a cosine descent
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=args.lr, total_steps=args.epochs * len(train_loader),
                                                    pct_start=0.1)
    for epoch in range(1, args.epochs + 1):
        train(model, train_loader, optimizer, scheduler, epoch)
    _, shown = evaluate(model, test_loader)
    save_overlay(shown, args.overlay)
    torch.save(model.state_dict(), args.checkpoint)


if __name__ == "__main__":
    main()
