"""A small denoising diffusion model (DDPM) on handwritten digits, with DDIM's faster sampler, run on flambeau.

Training follows Ho et al., Denoising Diffusion Probabilistic Models (2020): noise a digit to a random step t of
a T-step schedule and teach the U-Net (model.py) to predict the noise (a mean squared error). Sampling runs
the chain backwards from pure noise. Both samplers are one loop, Song et al.'s DDIM update (2021):

- `--sampler ddpm`: all T steps with eta = 1, which is DDPM's ancestral sampler (posterior variance);
- `--sampler ddim`: `--ddim-steps` evenly spaced steps with eta = 0, deterministic and T / steps times faster.

It trains on the 10,000 MNIST digits shipped in data/MNIST and saves results/samples_<epoch>.png (64 digits from
the same noise every epoch) and the weights. At the end the MNIST classifier reads --quality-samples digits
(see examples/generative_quality.py).

    python examples/diffusion/main.py --classifier mnist_cnn.pt
    python examples/diffusion/main.py --evaluate results/unet.pth --sampler ddpm --classifier mnist_cnn.pt
"""
from __future__ import annotations

import argparse
import pathlib
import sys

import flambeau as torch
import flambeau.nn.functional as F
from flambeau.vision import datasets, transforms
from flambeau.vision.utils import save_image

from model import UNet

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))  # the shared quality measure
import generative_quality  # noqa: E402

SHIPPED_DATA = pathlib.Path(__file__).resolve().parents[2] / "data"


class Diffusion:
    """The noise schedule: T betas rising linearly, and the products alpha_bar_t = prod_{s<=t} (1 - beta_s)."""

    def __init__(self, steps, device):
        # NOTE: Ho et al.'s 1e-4..0.02 is for T = 1000; scaled by 1000 / T the last step still leaves
        # alpha_bar_T ~ 1e-4 (pure noise) with fewer steps, as Nichol and Dhariwal (2021) do
        scale = 1000 / steps
        self.steps = steps
        self.betas = torch.linspace(1e-4 * scale, 0.02 * scale, steps, device=device)
        self.alpha_bars = torch.cumprod(1 - self.betas, dim=0)

    def add_noise(self, x0, t, noise):
        """q(x_t | x_0): the digits x0 noised to steps t in one jump."""
        a = self.alpha_bars[t][:, None, None, None]
        return a.sqrt() * x0 + (1 - a).sqrt() * noise

    @torch.no_grad()
    def sample(self, model, noise, sampling_steps, eta):
        """Run the chain from `noise` (x_T) to x_0 through `sampling_steps` evenly spaced steps (DDIM's update;
        eta = 1 with every step is DDPM's sampler). Returns images in [-1, 1]."""
        x = noise
        times = torch.linspace(self.steps - 1, 0, sampling_steps).round().long().tolist()
        for i, t in enumerate(times):
            a = self.alpha_bars[t]
            a_prev = self.alpha_bars[times[i + 1]] if i + 1 < len(times) else torch.tensor(1.0, device=x.device)
            eps = model(x, torch.full((x.shape[0],), t, dtype=torch.long, device=x.device))
            # predicted clean digit, clipped to the data's range; the noise is re-derived to stay consistent
            x0 = ((x - (1 - a).sqrt() * eps) / a.sqrt()).clamp(-1, 1)
            eps = (x - a.sqrt() * x0) / (1 - a).sqrt()
            sigma = eta * ((1 - a_prev) / (1 - a) * (1 - a / a_prev)).sqrt()
            x = a_prev.sqrt() * x0 + (1 - a_prev - sigma ** 2).clamp(min=0).sqrt() * eps
            if i + 1 < len(times):
                x = x + sigma * torch.randn_like(x)
        return x


def train(args, model, diffusion, device, loader, optimizer, epoch):
    model.train()
    total = 0.0
    for batch_idx, (x0, _) in enumerate(loader):
        x0 = x0.to(device)
        t = torch.randint(0, diffusion.steps, (x0.shape[0],), device=device)
        noise = torch.randn_like(x0)
        loss = F.mse_loss(model(diffusion.add_noise(x0, t, noise), t), noise)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += loss.item() * len(x0)
        if batch_idx % args.log_interval == 0:
            print(f"Train Epoch: {epoch} [{batch_idx * len(x0)}/{len(loader.dataset)}]\tLoss: {loss.item():.6f}")
    print(f"====> Epoch: {epoch} Average loss: {total / len(loader.dataset):.4f}")


def main():
    parser = argparse.ArgumentParser(description="flambeau DDPM MNIST Example")
    parser.add_argument("--batch-size", type=int, default=64, help="input batch size (default: 64)")
    parser.add_argument("--epochs", type=int, default=3, help="number of epochs to train (default: 3)")
    parser.add_argument("--lr", type=float, default=1e-3, help="Adam's learning rate (default: 1e-3)")
    parser.add_argument("--width", type=int, default=16, help="the U-Net's channels at 28 x 28 (default: 16)")
    parser.add_argument("--diffusion-steps", type=int, default=200,
                        help="T, the noise schedule's length (default: 200)")
    parser.add_argument("--sampler", choices=["ddpm", "ddim"], default="ddim",
                        help="how samples are drawn (default: ddim)")
    parser.add_argument("--ddim-steps", type=int, default=50, help="DDIM's sampling steps (default: 50)")
    parser.add_argument("--no-accel", action="store_true", help="disables accelerator")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default: 1)")
    parser.add_argument("--log-interval", type=int, default=20, help="batches between printed losses (default: 20)")
    parser.add_argument("--train-digits", type=int, metavar="N", help="train on the first N shipped digits only")
    parser.add_argument("--evaluate", metavar="CHECKPOINT",
                        help="skip training: load the U-Net's weights (a saved unet.pth), draw and measure samples")
    parser.add_argument("--results", type=pathlib.Path, default=pathlib.Path("results"),
                        help="folder for the PNG grids and the weights (default: results)")
    generative_quality.add_arguments(parser)
    parser.set_defaults(quality_samples=500)
    args = parser.parse_args()

    use_accel = not args.no_accel and torch.accelerator.is_available()
    torch.manual_seed(args.seed)
    device = torch.accelerator.current_accelerator() if use_accel else torch.device("cpu")
    args.results.mkdir(parents=True, exist_ok=True)

    # the chain starts from N(0, I) noise, so the digits are scaled to [-1, 1] to match its spread
    to_input = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))])
    dataset = datasets.MNIST(SHIPPED_DATA, train=False, transform=to_input)
    if args.train_digits is not None:
        dataset = torch.utils.data.Subset(dataset, range(min(args.train_digits, len(dataset))))
    loader = torch.utils.data.DataLoader(dataset, batch_size=args.batch_size, shuffle=True, drop_last=True)

    model = UNet(args.width).to(device)
    diffusion = Diffusion(args.diffusion_steps, device)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    sampling_steps, eta = (args.diffusion_steps, 1.0) if args.sampler == "ddpm" else (args.ddim_steps, 0.0)
    fixed_noise = torch.randn(64, 1, 28, 28, device=device)

    def draw(name):
        model.eval()
        samples = diffusion.sample(model, fixed_noise, sampling_steps, eta)
        save_image((samples + 1) / 2, args.results / f"samples_{name}.png")

    if args.evaluate:
        model.load_state_dict(torch.load(args.evaluate, map_location=device))
        draw(args.sampler)
    else:
        for epoch in range(1, args.epochs + 1):
            train(args, model, diffusion, device, loader, optimizer, epoch)
            draw(epoch)
            torch.save(model.state_dict(), args.results / "unet.pth")

    generative_quality.sample_quality(
        lambda n: (diffusion.sample(model, torch.randn(n, 1, 28, 28, device=device), sampling_steps, eta) + 1) / 2,
        args, device)


if __name__ == "__main__":
    main()
