"""A variational auto-encoder on handwritten digits: pytorch/examples' VAE, run on flambeau.

It trains on the first 8,000 of the MNIST digits shipped in data/MNIST and reports the loss on the other 2,000.
After every epoch it saves results/reconstruction_<epoch>.png (held-out digits above their reconstructions) and
results/sample_<epoch>.png (64 digits decoded from random codes). At the end the MNIST classifier reads
--quality-samples decoded digits (see examples/generative_quality.py).

    python examples/vae/main.py --classifier mnist_cnn.pt
"""
from __future__ import annotations

import argparse
import pathlib
import sys

import flambeau as torch
import flambeau.nn as nn
import flambeau.nn.functional as F
from flambeau.vision import datasets, transforms
from flambeau.vision.utils import save_image

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))  # the shared quality measure
import generative_quality  # noqa: E402

SHIPPED_DATA = pathlib.Path(__file__).resolve().parents[2] / "data"
TRAIN_DIGITS = 8000  # of the 10,000 shipped digits; the remaining 2,000 are held out


class VAE(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 400)
        self.fc21 = nn.Linear(400, 20)
        self.fc22 = nn.Linear(400, 20)
        self.fc3 = nn.Linear(20, 400)
        self.fc4 = nn.Linear(400, 784)

    def encode(self, x):
        h1 = F.relu(self.fc1(x))
        return self.fc21(h1), self.fc22(h1)

    def reparameterize(self, mu, logvar):
        std = torch.exp(0.5 * logvar)
        eps = torch.randn_like(std)
        return mu + eps * std

    def decode(self, z):
        h3 = F.relu(self.fc3(z))
        return torch.sigmoid(self.fc4(h3))

    def forward(self, x):
        mu, logvar = self.encode(x.view(-1, 784))
        z = self.reparameterize(mu, logvar)
        return self.decode(z), mu, logvar


def loss_function(recon_x, x, mu, logvar):
    """Reconstruction (binary cross-entropy) plus the KL divergence of the code from N(0, I), summed over the
    batch; see Appendix B of Kingma and Welling, Auto-Encoding Variational Bayes (2014)."""
    bce = F.binary_cross_entropy(recon_x, x.view(-1, 784), reduction="sum")
    kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return bce + kld


def train(args, model, device, train_loader, optimizer, epoch):
    model.train()
    train_loss = 0.0
    for batch_idx, (data, _) in enumerate(train_loader):
        data = data.to(device)
        optimizer.zero_grad()
        recon_batch, mu, logvar = model(data)
        loss = loss_function(recon_batch, data, mu, logvar)
        loss.backward()
        train_loss += loss.item()
        optimizer.step()
        if batch_idx % args.log_interval == 0:
            print(f"Train Epoch: {epoch} [{batch_idx * len(data)}/{len(train_loader.dataset)} "
                  f"({100.0 * batch_idx / len(train_loader):.0f}%)]\tLoss: {loss.item() / len(data):.6f}")
    print(f"====> Epoch: {epoch} Average loss: {train_loss / len(train_loader.dataset):.4f}")


def test(args, model, device, test_loader, epoch):
    model.eval()
    test_loss = 0.0
    with torch.no_grad():
        for i, (data, _) in enumerate(test_loader):
            data = data.to(device)
            recon_batch, mu, logvar = model(data)
            test_loss += loss_function(recon_batch, data, mu, logvar).item()
            if i == 0:
                n = min(data.size(0), 8)
                comparison = torch.cat([data[:n], recon_batch.view(-1, 1, 28, 28)[:n]])
                save_image(comparison.cpu(), args.results / f"reconstruction_{epoch}.png", nrow=n)
    print(f"====> Test set loss: {test_loss / len(test_loader.dataset):.4f}")


def main():
    parser = argparse.ArgumentParser(description="flambeau VAE MNIST Example")
    parser.add_argument("--batch-size", type=int, default=128, metavar="N",
                        help="input batch size for training (default: 128)")
    parser.add_argument("--epochs", type=int, default=10, metavar="N", help="number of epochs to train (default: 10)")
    parser.add_argument("--no-accel", action="store_true", help="disables accelerator")
    parser.add_argument("--seed", type=int, default=1, metavar="S", help="random seed (default: 1)")
    parser.add_argument("--log-interval", type=int, default=10, metavar="N",
                        help="how many batches to wait before logging training status")
    parser.add_argument("--train-digits", type=int, default=TRAIN_DIGITS, metavar="N",
                        help=f"train on the first N shipped digits (default: {TRAIN_DIGITS})")
    parser.add_argument("--results", type=pathlib.Path, default=pathlib.Path("results"),
                        help="folder for the PNG grids (default: results)")
    generative_quality.add_arguments(parser)
    args = parser.parse_args()

    use_accel = not args.no_accel and torch.accelerator.is_available()
    torch.manual_seed(args.seed)
    device = torch.accelerator.current_accelerator() if use_accel else torch.device("cpu")
    args.results.mkdir(parents=True, exist_ok=True)

    digits = datasets.MNIST(SHIPPED_DATA, train=False, transform=transforms.ToTensor())
    train_set = torch.utils.data.Subset(digits, range(min(args.train_digits, TRAIN_DIGITS)))
    test_set = torch.utils.data.Subset(digits, range(TRAIN_DIGITS, len(digits)))
    train_loader = torch.utils.data.DataLoader(train_set, batch_size=args.batch_size, shuffle=True)
    test_loader = torch.utils.data.DataLoader(test_set, batch_size=args.batch_size)

    model = VAE().to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    for epoch in range(1, args.epochs + 1):
        train(args, model, device, train_loader, optimizer, epoch)
        test(args, model, device, test_loader, epoch)
        with torch.no_grad():
            sample = model.decode(torch.randn(64, 20, device=device)).cpu()
            save_image(sample.view(64, 1, 28, 28), args.results / f"sample_{epoch}.png")

    model.eval()
    generative_quality.sample_quality(
        lambda n: model.decode(torch.randn(n, 20, device=device)).view(n, 1, 28, 28), args, device)


if __name__ == "__main__":
    main()
