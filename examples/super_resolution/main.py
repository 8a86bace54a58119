"""Train ESPCN to upscale CIFAR-10 images: pytorch/examples' super_resolution, run on flambeau.

It trains on the luminance of 800 of the CIFAR-10 JPEGs shipped in data/ (32x32, shrunk by
--upscale_factor) and reports the PSNR of its upscaled held-out images against that of bicubic
upscaling of the same low-resolution inputs; it saves the trained network for super_resolve.py.

    python examples/super_resolution/main.py                   # full: 2x, 100 epochs
    python examples/super_resolution/main.py --nEpochs 12      # short
"""
import argparse
import math

import flambeau as torch
import flambeau.nn as nn
import flambeau.nn.functional as F
import flambeau.optim as optim
from flambeau.utils.data import DataLoader

from data import get_set
from model import Net


def psnr(output, target):
    """Per-image PSNR in dB of images in [0, 1]."""
    mse = ((output.clamp(0, 1) - target) ** 2).mean(dim=(1, 2, 3))
    return 10 * torch.log10(1 / mse)


def train(model, device, loader, optimizer, criterion, epoch):
    model.train()
    epoch_loss = 0.0
    for input, target in loader:
        input, target = input.to(device), target.to(device)
        optimizer.zero_grad()
        loss = criterion(model(input), target)
        epoch_loss += loss.item()
        loss.backward()
        optimizer.step()
    print(f"===> Epoch {epoch} Complete: Avg. Loss: {epoch_loss / len(loader):.5f}")


def test(model, device, loader, upscale_factor):
    """Mean PSNR over the held-out images of the network's output and of bicubic upscaling."""
    model.eval()
    total, bicubic_total = 0.0, 0.0
    with torch.no_grad():
        for input, target in loader:
            input, target = input.to(device), target.to(device)
            bicubic = F.interpolate(input, scale_factor=upscale_factor, mode="bicubic", align_corners=False)
            total += psnr(model(input), target).sum().item()
            bicubic_total += psnr(bicubic, target).sum().item()
    n = len(loader.dataset)
    print(f"===> Avg. PSNR: {total / n:.2f} dB (bicubic: {bicubic_total / n:.2f} dB)")
    return total / n, bicubic_total / n


def main():
    parser = argparse.ArgumentParser(description="flambeau Super Res Example")
    parser.add_argument("--upscale_factor", type=int, default=2, help="super resolution upscale factor (default: 2)")
    parser.add_argument("--batchSize", type=int, default=16, help="training batch size")
    parser.add_argument("--testBatchSize", type=int, default=100, help="testing batch size")
    parser.add_argument("--nEpochs", type=int, default=100, help="number of epochs to train for")
    parser.add_argument("--lr", type=float, default=0.003, help="Learning Rate. Default=0.003")
    parser.add_argument("--threads", type=int, default=0, help="number of threads for data loader to use")
    parser.add_argument("--seed", type=int, default=123, help="random seed to use. Default=123")
    parser.add_argument("--cuda", action="store_true", help="use cuda")
    parser.add_argument("--train-per-class", type=int, metavar="N", help="train on only N images of each class")
    parser.add_argument("--checkpoint", default="espcn.pt", help="where to save the trained network (default: espcn.pt)")
    opt = parser.parse_args()
    print(opt)

    if opt.cuda and not torch.cuda.is_available():
        raise Exception("No GPU found, please run without --cuda")
    torch.manual_seed(opt.seed)
    device = torch.device("cuda" if opt.cuda else "cpu")

    print("===> Loading datasets")
    train_set = get_set(opt.upscale_factor, train=True, limit=opt.train_per_class)
    test_set = get_set(opt.upscale_factor, train=False)
    training_data_loader = DataLoader(train_set, batch_size=opt.batchSize, shuffle=True, num_workers=opt.threads)
    testing_data_loader = DataLoader(test_set, batch_size=opt.testBatchSize, num_workers=opt.threads)

    print("===> Building model")
    model = Net(upscale_factor=opt.upscale_factor).to(device)
    criterion = nn.MSELoss()
    optimizer = optim.Adam(model.parameters(), lr=opt.lr)
    # the step size falls along a cosine to a tenth, so the last epochs settle instead of jittering
    scheduler = optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=opt.nEpochs, eta_min=opt.lr / 10)

    for epoch in range(1, opt.nEpochs + 1):
        train(model, device, training_data_loader, optimizer, criterion, epoch)
        scheduler.step()
        if epoch % 10 == 0 or epoch == opt.nEpochs:
            test(model, device, testing_data_loader, opt.upscale_factor)
    torch.save({"upscale_factor": opt.upscale_factor, "state_dict": model.state_dict()}, opt.checkpoint)
    print(f"Checkpoint saved to {opt.checkpoint}")


if __name__ == "__main__":
    main()
