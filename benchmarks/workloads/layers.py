"""Per-layer forward + backward (the output's backward with a fixed gradient), and the optimizer step."""
from __future__ import annotations

from . import Workload
from ._common import labels, randn

MAP = (32, 64, 16, 16)  # a CNN's feature maps
ROWS = (256, 1000)  # a classifier's logits


def _layer(make, shape, backward: bool = True):
    """make(torch, x) -> fn(): x is a float32 input of `shape`; the step is fn() [+ its backward]."""
    def build(torch, quick):
        x = randn(torch, *shape, requires_grad=backward)
        fn = make(torch, x)
        if not backward:
            return fn
        grad = randn(torch, *fn().shape, seed=3)
        return lambda: fn().backward(grad)
    return build


def _affine(torch, n):
    return randn(torch, n, seed=2, requires_grad=True), randn(torch, n, seed=4, requires_grad=True)


def _conv(wshape, **kwargs):
    def make(torch, x):
        w = randn(torch, *wshape, scale=0.1, seed=5, requires_grad=True)
        return lambda: torch.nn.functional.conv2d(x, w, **kwargs)
    return make


def _norm(kind):
    def make(torch, x):
        F, (w, b) = torch.nn.functional, _affine(torch, x.shape[1] if kind != "layer" else x.shape[-1])
        if kind == "batch":
            mean, var = torch.zeros(x.shape[1]), torch.ones(x.shape[1])
            return lambda: F.batch_norm(x, mean, var, w, b, training=True)
        if kind == "group":
            return lambda: F.group_norm(x, 8, w, b)
        return lambda: F.layer_norm(x, x.shape[-1:], w, b)
    return make


def _functional(name, **kwargs):
    def make(torch, x):
        fn = getattr(torch.nn.functional, name)
        return lambda: fn(x, **kwargs)
    return make


def _cross_entropy(torch, x):
    target = labels(torch, x.shape[0], x.shape[1])
    return lambda: torch.nn.functional.cross_entropy(x, target)


def embedding(torch, quick):
    weight = randn(torch, 10000, 200, requires_grad=True)
    tokens = labels(torch, 700, 10000)
    grad = randn(torch, 700, 200, seed=3)
    return lambda: torch.nn.functional.embedding(tokens, weight).backward(grad)


def _optimizer(make):
    def build(torch, quick):
        n = 1_000_000 if quick else 10_000_000
        params = [randn(torch, n // 10, 10, scale=0.01, requires_grad=True)]
        params[0].grad = randn(torch, n // 10, 10, seed=1)
        opt = make(torch, params)
        opt.step()  # state created outside the timing
        return opt.step
    return build


WORKLOADS = [
    Workload("conv 3x3 1->32, 64x1x28x28", _layer(_conv((32, 1, 3, 3)), (64, 1, 28, 28)), target=1.3),
    Workload("conv 3x3 32->64, 64x32x26x26", _layer(_conv((64, 32, 3, 3)), (64, 32, 26, 26)), target=1.3),
    Workload("conv 3x3 64->64 pad 1, 32x64x16x16", _layer(_conv((64, 64, 3, 3), padding=1), MAP), target=1.3),
    Workload("conv 3x3 64->128 stride 2, 32x64x16x16",
             _layer(_conv((128, 64, 3, 3), padding=1, stride=2), MAP), target=1.3),
    Workload("conv 3x3 depthwise 64, 32x64x16x16", _layer(_conv((64, 1, 3, 3), padding=1, groups=64), MAP),
             target=1.3),
    Workload("batch_norm, 32x64x16x16", _layer(_norm("batch"), MAP), target=1.3),
    Workload("layer_norm, 256x1000", _layer(_norm("layer"), ROWS), target=1.3),
    Workload("group_norm 8, 32x64x16x16", _layer(_norm("group"), MAP), target=1.3),
    Workload("softmax, 256x1000", _layer(_functional("softmax", dim=1), ROWS), target=1.3),
    Workload("cross_entropy, 256x1000", _layer(_cross_entropy, ROWS), target=1.3),
    Workload("gelu, 32x64x16x16", _layer(_functional("gelu"), MAP), target=1.3),
    Workload("silu, 32x64x16x16", _layer(_functional("silu"), MAP), target=1.3),
    Workload("log_softmax, 256x1000", _layer(_functional("log_softmax", dim=1), ROWS)),
    Workload("mish, 32x64x16x16", _layer(_functional("mish"), MAP)),
    Workload("avg_pool2d 2x2, 32x64x16x16", _layer(_functional("avg_pool2d", kernel_size=2), MAP)),
    Workload("bilinear upsample x2, 8x32x32x32", _layer(_functional("interpolate", scale_factor=2, mode="bilinear"),
                                                        (8, 32, 32, 32))),
    Workload("max_pool2d 2x2, 64x32x26x26", _layer(_functional("max_pool2d", kernel_size=2), (64, 32, 26, 26)),
             target=1.3),
    Workload("embedding 10000x200, 700 tokens", embedding, target=1.3),
    Workload("SGD momentum step, 10M params",
             _optimizer(lambda torch, p: torch.optim.SGD(p, lr=0.01, momentum=0.9)), target=1.0),
    Workload("Adam step, 10M params", _optimizer(lambda torch, p: torch.optim.Adam(p, lr=1e-3)), target=1.0),
]
