"""A sweep over common ops: vmap and forward-mode tangents against PyTorch's on the same inputs (rules,
derived tangents and the per-sample fallback alike)."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import flambeau
from oracle import assert_same, randn

SWEEP = {
    "sort": lambda t, x: t.sort(x, 1).values, "topk": lambda t, x: t.topk(x, 2).values,
    "median": lambda t, x: x.median(1).values, "std": lambda t, x: x.std(1), "norm": lambda t, x: x.norm(),
    "clamp_tensor": lambda t, x: x.clamp(min=x * 0.1), "abs_sign": lambda t, x: x.abs() * x.sign(),
    "masked_fill": lambda t, x: x.masked_fill(x > 0.5, 0.0),
    "scatter": lambda t, x: t.zeros(3, 4, dtype=t.float64).scatter(1, t.tensor([[0], [1], [2]]), x[:, :1]),
    "index_add": lambda t, x: t.zeros(5, 4, dtype=t.float64).index_add(0, t.tensor([0, 2, 4]), x),
    "roll": lambda t, x: t.roll(x, 1, 0), "chunk_split": lambda t, x: t.cat(x.chunk(2, 1), 0) * x.split([1, 3], 1)[1].sum(),
    "trace_outer": lambda t, x: x[:, :3].trace() * t.outer(x[0], x[1]), "kron": lambda t, x: t.kron(x[:2, :2], x[:2, :2]),
    "cdist": lambda t, x: t.cdist(x, x * 2), "lerp_hypot": lambda t, x: t.lerp(x, x * x, 0.3) + t.hypot(x, x * 2),
    "logaddexp_atan2": lambda t, x: t.logaddexp(x, x * 3) + t.atan2(x, x.exp()),
    "cummax": lambda t, x: t.cummax(x, 1).values, "max_all": lambda t, x: x.max(),
    "activations": lambda t, x: (t.nn.functional.leaky_relu(x, 0.1) + t.nn.functional.hardtanh(x)
                                 + t.nn.functional.mish(x) + t.nn.functional.selu(x) + t.nn.functional.logsigmoid(x)),
    "normalize_cos": lambda t, x: t.nn.functional.normalize(x) * t.nn.functional.cosine_similarity(x, x.flip(0))[:, None],
    "bce_logits": lambda t, x: t.nn.functional.binary_cross_entropy_with_logits(x, (x > 0).double()),
    "smooth_l1_huber": lambda t, x: t.nn.functional.smooth_l1_loss(x, x * 0) + t.nn.functional.huber_loss(x, x.flip(1)),
    "kl_div": lambda t, x: t.nn.functional.kl_div(t.log_softmax(x, 1), t.softmax(x.flip(1), 1), reduction="batchmean"),
    "pool1d": lambda t, x: t.nn.functional.avg_pool1d(x.unsqueeze(0), 2) + t.nn.functional.max_pool1d(x.unsqueeze(0), 2),
    "group_norm": lambda t, x: t.nn.functional.group_norm(x.reshape(1, 4, 3), 2),
    "embedding": lambda t, x: t.nn.functional.embedding(t.tensor([0, 2, 1]), x),
    "interpolate": lambda t, x: t.nn.functional.interpolate(x.unsqueeze(0), scale_factor=2),
    "bmm_addmm": lambda t, x: t.bmm(x.unsqueeze(0), x.t().unsqueeze(0))[0] + t.addmm(x[:, :3], x, x.t()),
    "diag_triu": lambda t, x: t.diag(x[0, :3]) + x[:, :3].triu(1), "take_along_dim": lambda t, x: t.take_along_dim(x, t.tensor([[0], [1], [3]]), 1),
    "glu_softsign": lambda t, x: t.nn.functional.glu(x, 1).sum() * t.nn.functional.softsign(x),
    "pdist": lambda t, x: t.nn.functional.pdist(x), "unfold": lambda t, x: x.unfold(1, 2, 1),
    "var_mean_amin": lambda t, x: t.var_mean(x, 1)[0] + x.amin(1), "logcumsumexp": lambda t, x: t.logcumsumexp(x, 1),
    "det_matrix_exp": lambda t, x: t.linalg.det(x[:, :3]) * t.linalg.matrix_exp(x[:, :3] * 0.1),
    "pinv": lambda t, x: t.linalg.pinv(x), "matrix_norm": lambda t, x: t.linalg.matrix_norm(x),
}

# PyTorch has no forward AD for cdist/pdist, and its forward AD of binary_cross_entropy_with_logits loads its
# Python decompositions (~7 s): vmap only
VMAP_ONLY = {"cdist", "pdist", "bce_logits"}
A, V = randn(3, 4), randn(3, 4)


@pytest.mark.parametrize("name", sorted(SWEEP))
def test_vmap_sweep_matches_torch(name):
    fn = SWEEP[name]
    batch = np.stack([A, 2 * A, -A])
    outs = [lib.func.vmap(lambda x, lib=lib: fn(lib, x))(lib.tensor(batch)) for lib in (torch, flambeau)]
    assert_same(outs[0], outs[1], atol=1e-9)


@pytest.mark.parametrize("name", sorted(set(SWEEP) - VMAP_ONLY))
def test_tangent_sweep_matches_torch(name):
    fn = SWEEP[name]
    outs = []
    for lib in (torch, flambeau):
        fwAD = lib.autograd.forward_ad
        with fwAD.dual_level():
            outs.append(tuple(fwAD.unpack_dual(fn(lib, fwAD.make_dual(lib.tensor(A), lib.tensor(V))))))
    assert_same(outs[0], outs[1], atol=1e-9)
