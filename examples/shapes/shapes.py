"""Generated images of rectangles, ellipses and triangles on noisy backgrounds, with every shape's box,
class and pixel mask known exactly: the data of the detection and segmentation examples.

Each image is drawn with Pillow from its own seed, so a dataset is a pure function of (seed, index):
nothing is stored, and the training and held-out sets differ only by seed. Shapes never overlap, so
every object is fully visible and its box is the tight box of its mask. Shapes are in random vivid
colours on a grey background of random brightness: colour tells a shape from its background, but no
colour belongs to a class, so telling the classes apart takes their outlines.
"""
import colorsys

import numpy as np
from PIL import Image, ImageDraw

import flambeau as torch
from flambeau.utils.data import Dataset

CLASSES = ("background", "rectangle", "ellipse", "triangle")


def _random_box(rng, size, min_side, max_side):
    w, h = rng.integers(min_side, max_side + 1, size=2)
    x0, y0 = rng.integers(0, size - w + 1), rng.integers(0, size - h + 1)
    return int(x0), int(y0), int(x0 + w), int(y0 + h)


def _apart(box, others, gap=2):
    """Whether `box` keeps at least `gap` pixels from every box in `others`."""
    return all(box[0] >= o[2] + gap or o[0] >= box[2] + gap or box[1] >= o[3] + gap or o[1] >= box[3] + gap
               for o in others)


def _draw(draw, label, box, rng, fill):
    """Draw one shape of class `label` filling the box (x0, y0, x1, y1), x1 and y1 exclusive."""
    x0, y0, x1, y1 = box[0], box[1], box[2] - 1, box[3] - 1
    if CLASSES[label] == "rectangle":
        draw.rectangle((x0, y0, x1, y1), fill=fill)
    elif CLASSES[label] == "ellipse":
        draw.ellipse((x0, y0, x1, y1), fill=fill)
    else:  # a triangle with its apex on one side of the box and its base along the opposite side
        t = rng.uniform(0.2, 0.8)
        corners = {"up": [(x0 + t * (x1 - x0), y0), (x0, y1), (x1, y1)],
                   "down": [(x0 + t * (x1 - x0), y1), (x0, y0), (x1, y0)],
                   "left": [(x0, y0 + t * (y1 - y0)), (x1, y0), (x1, y1)],
                   "right": [(x1, y0 + t * (y1 - y0)), (x0, y0), (x0, y1)]}
        draw.polygon(corners[rng.choice(list(corners))], fill=fill)


def _shape_colour(rng):
    """A saturated, fairly bright colour of random hue."""
    red, green, blue = colorsys.hsv_to_rgb(rng.uniform(0, 1), rng.uniform(0.6, 1), rng.uniform(0.5, 1))
    return int(255 * red), int(255 * green), int(255 * blue)


def make_sample(rng, size=128, max_shapes=3, min_side=None, max_side=None):
    """One (image, target) pair: a (3, size, size) float image in [0, 1] and a dict with "boxes"
    ((N, 4) float32 x0, y0, x1, y1 in pixels), "labels" ((N,) int64, 1-3 as in CLASSES) and
    "masks" ((N, size, size) uint8), N between 1 and `max_shapes`."""
    min_side = min_side or size // 4
    max_side = max_side or size * 5 // 8
    canvas = Image.new("RGB", (size, size), (int(rng.integers(40, 216)),) * 3)
    boxes, labels, masks = [], [], []
    count = rng.integers(1, max_shapes + 1)
    for _ in range(20 * count):  # rejection sampling for places clear of the shapes drawn (the first always is)
        if len(boxes) == count:
            break
        box = _random_box(rng, size, min_side, max_side)
        if not _apart(box, boxes):
            continue
        label = int(rng.integers(1, len(CLASSES)))
        mask = Image.new("L", (size, size), 0)
        _draw(ImageDraw.Draw(mask), label, box, rng, fill=1)
        canvas.paste(_shape_colour(rng), mask=mask.point(lambda v: 255 * v))
        mask = np.asarray(mask)
        ys, xs = np.nonzero(mask)
        boxes.append((int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1))
        labels.append(label)
        masks.append(mask)
    # noise over the whole picture, shapes included: a smooth shading plus per-pixel Gaussian noise
    ramp = np.linspace(-1, 1, size)
    shading = rng.uniform(-30, 30) * ramp[None, :, None] + rng.uniform(-30, 30) * ramp[:, None, None]
    noisy = np.asarray(canvas, dtype=np.float32) + shading + rng.normal(0, 12, size=(size, size, 3))
    image = torch.from_numpy(np.clip(noisy, 0, 255).astype(np.float32) / 255).permute(2, 0, 1).contiguous()
    target = {"boxes": torch.tensor(boxes, dtype=torch.float32).reshape(-1, 4),
              "labels": torch.tensor(labels, dtype=torch.int64),
              "masks": torch.from_numpy(np.stack(masks))}
    return image, target


class ShapesDataset(Dataset):
    """`length` generated (image, target) pairs; item i is drawn from the seed (seed, i)."""

    def __init__(self, length, seed, size=128, max_shapes=3):
        self.length, self.seed, self.size, self.max_shapes = length, seed, size, max_shapes

    def __len__(self):
        return self.length

    def __getitem__(self, index):
        if not 0 <= index < self.length:
            raise IndexError(f"index {index} out of range for {self.length} images")
        return make_sample(np.random.default_rng((self.seed, index)), self.size, self.max_shapes)

