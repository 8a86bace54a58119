"""What the detection and segmentation examples share around their models: the command-line options,
the generated data loaders, the optimizer and its schedule, and the training loop."""
import time

import flambeau as torch
from flambeau.utils.data import DataLoader

from shapes import ShapesDataset


def add_arguments(parser, train_images, test_images, image_size, epochs, batch_size, lr):
    """The options both examples take, with each example's defaults."""
    parser.add_argument("--train-images", type=int, default=train_images, help=f"generated training images (default: {train_images})")
    parser.add_argument("--test-images", type=int, default=test_images, help=f"generated held-out images (default: {test_images})")
    parser.add_argument("--image-size", type=int, default=image_size, help=f"side of the square images (default: {image_size})")
    parser.add_argument("--epochs", type=int, default=epochs, help=f"passes over the training images (default: {epochs})")
    parser.add_argument("--batch-size", type=int, default=batch_size, help=f"training batch size (default: {batch_size})")
    parser.add_argument("--lr", type=float, default=lr, help=f"Adam's peak learning rate (default: {lr})")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default: 1)")


def loaders(args, collate, test_batch_size=16):
    """Training images from seed `args.seed`, held-out images from another seed, batched by `collate`."""
    train_set = ShapesDataset(args.train_images, seed=args.seed, size=args.image_size)
    test_set = ShapesDataset(args.test_images, seed=10_000 + args.seed, size=args.image_size)
    return (DataLoader(train_set, batch_size=args.batch_size, shuffle=True, collate_fn=collate),
            DataLoader(test_set, batch_size=test_batch_size, collate_fn=collate))


def short_run_batch_norms(model, momentum=0.1):
    """Make the batch norms of a freshly initialised MobileNetV3 track their statistics with `momentum`.

    MobileNetV3 averages them with momentum 0.01, tuned for runs of many epochs; after the few hundred
    steps of these examples its running statistics would still be close to their initial values, and
    evaluation (which uses them) would see features scaled unlike training."""
    for module in model.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            module.momentum = momentum


def fit(model, train_loader, loss_of_batch, epochs, lr, max_grad_norm=None):
    """Train with Adam along one cycle: a 10% warm-up (the random-init network's batch norms settle), then a
    cosine descent. `loss_of_batch(model, batch)` gives a batch's loss; prints each epoch's mean loss.
    With `max_grad_norm`, the gradients' total norm is clipped to it before each step."""
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=lr, total_steps=epochs * len(train_loader),
                                                    pct_start=0.1)
    model.train()
    for epoch in range(1, epochs + 1):
        start, total = time.time(), 0.0
        for batch in train_loader:
            loss = loss_of_batch(model, batch)
            optimizer.zero_grad()
            loss.backward()
            if max_grad_norm is not None:
                torch.nn.utils.clip_grad_norm_(model.parameters(), max_grad_norm)
            optimizer.step()
            scheduler.step()
            total += loss.item()
        print(f"epoch {epoch}: mean loss {total / len(train_loader):.4f} ({time.time() - start:.0f} s)")
