"""Deep convolutional GAN on handwritten digits: pytorch/examples' DCGAN, run on flambeau, sized for 28 x 28.

pytorch/examples' networks draw 64 x 64 images in five (transposed) convolutions; these draw MNIST's 28 x 28
in three (7 -> 14 -> 28), with the same building blocks, initialisation, losses and optimiser settings. It
trains on the 10,000 MNIST digits shipped in data/MNIST and saves results/fake_samples_epoch_<epoch>.png (64
digits from the same fixed noise every epoch), results/real_samples.png and the generator's weights. At the end
the MNIST classifier reads --quality-samples generated digits (see examples/generative_quality.py).

    python examples/dcgan/main.py --classifier mnist_cnn.pt
"""
from __future__ import annotations

import argparse
import pathlib
import sys

import flambeau as torch
import flambeau.nn as nn
import flambeau.optim as optim
from flambeau.vision import datasets, transforms
from flambeau.vision.utils import save_image

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))  # the shared quality measure
import generative_quality  # noqa: E402

SHIPPED_DATA = pathlib.Path(__file__).resolve().parents[2] / "data"


def weights_init(m):
    """DCGAN paper's initialisation: every weight from N(0, 0.02); batch norms' scales from N(1, 0.02)."""
    classname = m.__class__.__name__
    if classname.find("Conv") != -1:
        torch.nn.init.normal_(m.weight, 0.0, 0.02)
    elif classname.find("BatchNorm") != -1:
        torch.nn.init.normal_(m.weight, 1.0, 0.02)
        torch.nn.init.zeros_(m.bias)


class Generator(nn.Module):
    def __init__(self, nz, ngf):
        super().__init__()
        self.main = nn.Sequential(
            nn.ConvTranspose2d(nz, ngf * 4, 7, 1, 0, bias=False),  # nz x 1 x 1 -> (ngf*4) x 7 x 7
            nn.BatchNorm2d(ngf * 4),
            nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False),  # -> (ngf*2) x 14 x 14
            nn.BatchNorm2d(ngf * 2),
            nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 2, 1, 4, 2, 1, bias=False),  # -> 1 x 28 x 28
            nn.Tanh(),
        )

    def forward(self, z):
        return self.main(z)


class Discriminator(nn.Module):
    def __init__(self, ndf):
        super().__init__()
        self.main = nn.Sequential(
            nn.Conv2d(1, ndf, 4, 2, 1, bias=False),  # 1 x 28 x 28 -> ndf x 14 x 14
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False),  # -> (ndf*2) x 7 x 7
            nn.BatchNorm2d(ndf * 2),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf * 2, 1, 7, 1, 0, bias=False),  # -> 1 x 1 x 1
            nn.Sigmoid(),
        )

    def forward(self, x):
        return self.main(x).view(-1)


def main():
    parser = argparse.ArgumentParser(description="flambeau DCGAN MNIST Example")
    parser.add_argument("--batch-size", type=int, default=64, help="input batch size (default: 64)")
    parser.add_argument("--nz", type=int, default=100, help="size of the latent z vector (default: 100)")
    parser.add_argument("--ngf", type=int, default=32, help="generator width (default: 32)")
    parser.add_argument("--ndf", type=int, default=32, help="discriminator width (default: 32)")
    parser.add_argument("--epochs", type=int, default=5, help="number of epochs to train for (default: 5)")
    parser.add_argument("--lr", type=float, default=0.0002, help="learning rate (default: 0.0002)")
    parser.add_argument("--beta1", type=float, default=0.5, help="beta1 for adam (default: 0.5)")
    parser.add_argument("--no-accel", action="store_true", help="disables accelerator")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default: 1)")
    parser.add_argument("--log-interval", type=int, default=20, help="batches between printed losses (default: 20)")
    parser.add_argument("--train-digits", type=int, metavar="N", help="train on the first N shipped digits only")
    parser.add_argument("--results", type=pathlib.Path, default=pathlib.Path("results"),
                        help="folder for the PNG grids and the weights (default: results)")
    generative_quality.add_arguments(parser)
    args = parser.parse_args()

    use_accel = not args.no_accel and torch.accelerator.is_available()
    torch.manual_seed(args.seed)
    device = torch.accelerator.current_accelerator() if use_accel else torch.device("cpu")
    args.results.mkdir(parents=True, exist_ok=True)

    # the generator's tanh draws in [-1, 1], so the real digits are scaled to match
    to_input = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))])
    dataset = datasets.MNIST(SHIPPED_DATA, train=False, transform=to_input)
    if args.train_digits is not None:
        dataset = torch.utils.data.Subset(dataset, range(min(args.train_digits, len(dataset))))
    dataloader = torch.utils.data.DataLoader(dataset, batch_size=args.batch_size, shuffle=True, drop_last=True)

    netG = Generator(args.nz, args.ngf).to(device)
    netG.apply(weights_init)
    netD = Discriminator(args.ndf).to(device)
    netD.apply(weights_init)

    criterion = nn.BCELoss()
    fixed_noise = torch.randn(64, args.nz, 1, 1, device=device)
    real_label, fake_label = 1.0, 0.0
    optimizerD = optim.Adam(netD.parameters(), lr=args.lr, betas=(args.beta1, 0.999))
    optimizerG = optim.Adam(netG.parameters(), lr=args.lr, betas=(args.beta1, 0.999))

    for epoch in range(1, args.epochs + 1):
        for i, (real, _) in enumerate(dataloader):
            # (1) update D: maximize log(D(x)) + log(1 - D(G(z)))
            netD.zero_grad()
            real = real.to(device)
            batch_size = real.size(0)
            label = torch.full((batch_size,), real_label, device=device)
            output = netD(real)
            errD_real = criterion(output, label)
            errD_real.backward()
            D_x = output.mean().item()

            noise = torch.randn(batch_size, args.nz, 1, 1, device=device)
            fake = netG(noise)
            label.fill_(fake_label)
            output = netD(fake.detach())
            errD_fake = criterion(output, label)
            errD_fake.backward()
            D_G_z1 = output.mean().item()
            errD = errD_real + errD_fake
            optimizerD.step()

            # (2) update G: maximize log(D(G(z))), the non-saturating form of the GAN loss
            netG.zero_grad()
            label.fill_(real_label)  # fake labels are real for generator cost
            output = netD(fake)
            errG = criterion(output, label)
            errG.backward()
            D_G_z2 = output.mean().item()
            optimizerG.step()

            if i % args.log_interval == 0:
                print(f"[{epoch}/{args.epochs}][{i}/{len(dataloader)}] Loss_D: {errD.item():.4f} "
                      f"Loss_G: {errG.item():.4f} D(x): {D_x:.4f} D(G(z)): {D_G_z1:.4f} / {D_G_z2:.4f}")
            if epoch == 1 and i == 0:
                save_image(real, args.results / "real_samples.png", normalize=True)

        with torch.no_grad():
            fake = netG(fixed_noise)
        save_image(fake, args.results / f"fake_samples_epoch_{epoch:03d}.png", normalize=True)
        torch.save(netG.state_dict(), args.results / "netG.pth")

    generative_quality.sample_quality(
        lambda n: (netG(torch.randn(n, args.nz, 1, 1, device=device)) + 1) / 2, args, device)


if __name__ == "__main__":
    main()
