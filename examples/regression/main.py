"""Train an MLP on a synthetic regression task, checkpoint it halfway, and resume from the checkpoint.

    python examples/regression/main.py [--epochs 20] [--checkpoint /tmp/regression.pt]

The target is y = sin(3 x0) + x1 * x2 - 0.5 x3^2 plus noise. Training runs half of the epochs,
saves the model, optimizer and scheduler state with flambeau.save, builds everything afresh,
restores it with flambeau.load (checking that the restored model predicts exactly as the saved
one) and finishes training.
"""
from __future__ import annotations

import argparse
import os
import tempfile

import flambeau as torch
import flambeau.nn as nn


def make_data(n: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    x = torch.randn(n, 4, generator=generator)
    y = torch.sin(3 * x[:, 0]) + x[:, 1] * x[:, 2] - 0.5 * x[:, 3] ** 2
    return x, (y + 0.05 * torch.randn(n, generator=generator)).unsqueeze(1)


def build(lr: float, total_epochs: int):
    model = nn.Sequential(nn.Linear(4, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 1))
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-4)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=total_epochs)
    return model, optimizer, scheduler


def train_epoch(model, optimizer, x, y, batch_size: int, generator: torch.Generator) -> float:
    model.train()
    loss_fn = nn.MSELoss()
    order = torch.randperm(len(x), generator=generator)
    total = 0.0
    for start in range(0, len(x), batch_size):
        idx = order[start:start + batch_size]
        optimizer.zero_grad()
        loss = loss_fn(model(x[idx]), y[idx])
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), max_norm=5.0)
        optimizer.step()
        total += loss.item() * len(idx)
    return total / len(x)


@torch.no_grad()
def evaluate(model, x, y) -> float:
    model.eval()
    return nn.functional.mse_loss(model(x), y).item()


def evaluate_constant(y_train, y_test) -> float:
    """The test error of always predicting the training mean: what the model must beat."""
    return ((y_test - y_train.mean()) ** 2).mean().item()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--checkpoint", default=os.path.join(tempfile.gettempdir(), "flambeau_regression.pt"))
    args = parser.parse_args()

    torch.manual_seed(0)
    data_gen = torch.Generator().manual_seed(1)
    x_train, y_train = make_data(2048, data_gen)
    x_test, y_test = make_data(512, data_gen)
    shuffle = torch.Generator().manual_seed(2)

    model, optimizer, scheduler = build(args.lr, args.epochs)
    print(model)
    half = args.epochs // 2
    for epoch in range(half):
        loss = train_epoch(model, optimizer, x_train, y_train, args.batch_size, shuffle)
        scheduler.step()
        print(f"epoch {epoch + 1:3d}  train mse {loss:.4f}  test mse {evaluate(model, x_test, y_test):.4f}  "
              f"lr {scheduler.get_last_lr()[0]:.2e}")

    torch.save({"epoch": half, "model": model.state_dict(), "optimizer": optimizer.state_dict(),
                "scheduler": scheduler.state_dict(), "shuffle_rng": shuffle.get_state()}, args.checkpoint)
    print(f"saved checkpoint after epoch {half} to {args.checkpoint}")

    # a fresh process would start here: rebuild everything, then restore it from the checkpoint
    checkpoint = torch.load(args.checkpoint)
    resumed, optimizer, scheduler = build(args.lr, args.epochs)
    resumed.load_state_dict(checkpoint["model"])
    optimizer.load_state_dict(checkpoint["optimizer"])
    scheduler.load_state_dict(checkpoint["scheduler"])
    shuffle.set_state(checkpoint["shuffle_rng"])
    before = evaluate(model, x_test, y_test)
    after = evaluate(resumed, x_test, y_test)
    assert before == after, (before, after)
    print(f"reloaded: test mse {after:.4f} (identical to the saved model)")

    for epoch in range(checkpoint["epoch"], args.epochs):
        loss = train_epoch(resumed, optimizer, x_train, y_train, args.batch_size, shuffle)
        scheduler.step()
        print(f"epoch {epoch + 1:3d}  train mse {loss:.4f}  test mse {evaluate(resumed, x_test, y_test):.4f}  "
              f"lr {scheduler.get_last_lr()[0]:.2e}")
    final = evaluate(resumed, x_test, y_test)
    baseline = evaluate_constant(y_train, y_test)
    print(f"final test mse {final:.4f} (predicting the mean: {baseline:.4f})")
    assert final < 0.25 * baseline, "the model did not learn"


if __name__ == "__main__":
    main()
