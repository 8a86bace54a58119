"""Upscale one image with a network trained by main.py and save it as a PNG.

The network upscales the luminance (Y); the colour channels (Cb, Cr) are upscaled bicubically, as
the eye is far less sensitive to their detail.

    python examples/super_resolution/super_resolve.py --input_image data/cifar10-jpeg-subset/test/cat/0090.jpg \
        --model espcn.pt --output_filename cat_x2.png
"""
import argparse

from PIL import Image

import flambeau as torch
from flambeau.vision.transforms import ToTensor

from model import Net


def super_resolve(model, image):
    """`image` (a PIL image) upscaled by the model's factor, as an RGB PIL image."""
    y, cb, cr = image.convert("YCbCr").split()
    with torch.no_grad():
        out = model(ToTensor()(y).unsqueeze(0))[0, 0]
    out_y = Image.fromarray((out.clamp(0, 1) * 255).round().to(torch.uint8).numpy(), mode="L")
    out_cb = cb.resize(out_y.size, Image.BICUBIC)
    out_cr = cr.resize(out_y.size, Image.BICUBIC)
    return Image.merge("YCbCr", [out_y, out_cb, out_cr]).convert("RGB")


def main():
    parser = argparse.ArgumentParser(description="flambeau Super Res Example")
    parser.add_argument("--input_image", required=True, help="input image to use")
    parser.add_argument("--model", default="espcn.pt", help="checkpoint saved by main.py (default: espcn.pt)")
    parser.add_argument("--output_filename", required=True, help="where to save the output image (a PNG)")
    opt = parser.parse_args()

    checkpoint = torch.load(opt.model)
    model = Net(checkpoint["upscale_factor"])
    model.load_state_dict(checkpoint["state_dict"])
    model.eval()
    image = Image.open(opt.input_image)
    result = super_resolve(model, image)
    result.save(opt.output_filename, format="PNG")
    print(f"{image.size[0]}x{image.size[1]} -> {result.size[0]}x{result.size[1]}: output image saved to "
          f"{opt.output_filename}")


if __name__ == "__main__":
    main()
