"""The MNIST CNN of examples/mnist trained with DistributedDataParallel on several processes.

Each process trains on its share of the digits (DistributedSampler) with a per-process batch of
batch_size / world_size, so the global batch, the learning rate and the number of optimizer steps are those
of the single-process example, and so is the accuracy it reaches; the held-out digits are split over the
processes too and their counts summed.

    python -m flambeau.distributed.run --nproc-per-node 2 examples/distributed/mnist_ddp.py --epochs 2
    mpirun -n 2 python examples/distributed/mnist_ddp.py --epochs 2        # the same, through plain mpirun
"""
from __future__ import annotations

import argparse
import pathlib
import sys
import time

import flambeau as torch
import flambeau.distributed as dist
import flambeau.nn.functional as F
import flambeau.optim as optim
from flambeau.nn.parallel import DistributedDataParallel as DDP
from flambeau.optim.lr_scheduler import StepLR
from flambeau.utils.data import DataLoader, DistributedSampler
from flambeau.vision import transforms

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "mnist"))
from main import Net, load_digits  # noqa: E402  (the single-process example's network and data split)

MEAN, STD = 0.1307, 0.3081


def train(model, loader, optimizer, epoch: int, rank: int) -> float:
    """One epoch; returns its wall time."""
    model.train()
    loader.sampler.set_epoch(epoch)  # a new shuffle each epoch, the same on every rank
    start = time.perf_counter()
    for batch_idx, (data, target) in enumerate(loader):
        optimizer.zero_grad()
        loss = F.nll_loss(model(data), target)
        loss.backward()
        optimizer.step()
        if rank == 0 and batch_idx % 50 == 0:
            print(f"epoch {epoch} [{batch_idx * len(data)}/{len(loader.sampler)}] loss {loss.item():.4f}", flush=True)
    return time.perf_counter() - start


def test(model, loader) -> float:
    """Accuracy on the held-out digits, each rank scoring its share; prints pytorch/examples' summary line."""
    model.eval()
    totals = torch.zeros(3, dtype=torch.float64)  # loss, correct, count
    with torch.no_grad():
        for data, target in loader:
            output = model(data)
            totals += torch.tensor([F.nll_loss(output, target, reduction="sum").item(),
                                    (output.argmax(dim=1) == target).sum().item(), len(target)], dtype=torch.float64)
    dist.all_reduce(totals)
    loss, correct, n = totals.tolist()
    if dist.get_rank() == 0:
        print(f"\nTest set: Average loss: {loss / n:.4f}, Accuracy: {int(correct)}/{int(n)} "
              f"({100.0 * correct / n:.0f}%)\n", flush=True)
    return correct / n


def main() -> None:
    parser = argparse.ArgumentParser(description="flambeau MNIST with DistributedDataParallel")
    parser.add_argument("--batch-size", type=int, default=64, help="global batch size, split over the processes")
    parser.add_argument("--test-batch-size", type=int, default=1000)
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--lr", type=float, default=1.0)
    parser.add_argument("--gamma", type=float, default=0.7)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--train-digits", type=int, help="train on only the first N training digits")
    parser.add_argument("--augment", action=argparse.BooleanOptionalAction, default=True,
                        help="randomly rotate and shift the training digits (default: on)")
    parser.add_argument("--checkpoint", help="where rank 0 saves the trained model's state_dict")
    args = parser.parse_args()

    dist.init_process_group("mpi")
    rank, world = dist.get_rank(), dist.get_world_size()
    if args.batch_size % world:
        raise ValueError(f"--batch-size {args.batch_size} does not split over {world} processes")
    torch.manual_seed(args.seed)

    to_input = transforms.Compose([transforms.ToTensor(), transforms.Normalize((MEAN,), (STD,))])
    augment = transforms.RandomAffine(degrees=10, translate=(0.1, 0.1))
    train_set, test_set = load_digits(None, transforms.Compose([augment, to_input]) if args.augment else to_input,
                                      to_input)
    if args.train_digits is not None:
        train_set = torch.utils.data.Subset(train_set, range(min(args.train_digits, len(train_set))))
    train_loader = DataLoader(train_set, batch_size=args.batch_size // world,
                              sampler=DistributedSampler(train_set, seed=args.seed))
    test_loader = DataLoader(test_set, batch_size=args.test_batch_size,
                             sampler=DistributedSampler(test_set, shuffle=False))

    model = DDP(Net())  # every rank starts from rank 0's weights
    optimizer = optim.Adadelta(model.parameters(), lr=args.lr)
    scheduler = StepLR(optimizer, step_size=1, gamma=args.gamma)
    if rank == 0:
        print(f"{world} processes, training on {len(train_set)} digits ({len(train_loader.sampler)} each), "
              f"testing on {len(test_set)} held-out digits", flush=True)
    for epoch in range(1, args.epochs + 1):
        seconds = train(model, train_loader, optimizer, epoch, rank)
        test(model, test_loader)
        scheduler.step()
        if rank == 0:
            print(f"epoch {epoch}: {seconds:.1f} s, {len(train_loader.sampler) / seconds:.1f} samples/s per process, "
                  f"{model.reducer.comm_seconds:.1f} s waiting for gradients so far", flush=True)
    if args.checkpoint and rank == 0:
        torch.save(model.module.state_dict(), args.checkpoint)
        print(f"saved {args.checkpoint}")
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
