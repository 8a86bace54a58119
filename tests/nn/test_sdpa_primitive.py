"""The fused scaled-dot-product-attention primitive (flambeau.ops.attention): float64 gradcheck and gradgradcheck
for each kind of mask and with dropout, a single graph node, rows that may attend to nothing, and dropout drawing
the same keep-mask as dropout() on the weights."""
import math

import numpy as np
import pytest

import flambeau
from flambeau.ops import attention as fused
from oracle import check, gradcheck, randn

B, H, L, S, E, EV = 2, 2, 3, 4, 5, 3


def sdpa(lib, *xs, **kwargs):
    return lib.nn.functional.scaled_dot_product_attention(*xs, **kwargs)


@pytest.mark.parametrize("mask", ["none", "float_2d", "float_wider", "bool", "causal"])
def test_gradcheck(mask):
    q, k, v = randn(H, L, E), randn(H, S, E), randn(H, S, EV)
    if mask == "none":
        gradcheck(lambda lib, q, k, v: sdpa(lib, q, k, v), q, k, v)
    elif mask == "causal":
        gradcheck(lambda lib, q, k, v: sdpa(lib, q, k, v, is_causal=True), q, k, v)
    elif mask == "bool":
        keep = randn(L, S) > 0
        keep[:, 0] = True
        gradcheck(lambda lib, q, k, v, m: sdpa(lib, q, k, v, attn_mask=m), q, k, v, keep)
    else:  # the additive mask gets its gradient too; "wider" has more leading dims than q, k and v
        m = randn(L, S) if mask == "float_2d" else randn(B, H, L, S)
        gradcheck(lambda lib, q, k, v, m: sdpa(lib, q, k, v, attn_mask=m), q, k, v, m)


def test_gradcheck_with_dropout_noise():
    noise = flambeau.tensor((randn(H, L, S) > 0) / 0.5)  # a fixed keep-mask scaled by 1 / (1 - p)
    gradcheck(lambda lib, q, k, v: fused.scaled_dot_product_attention(q, k, v, None, fused.NO_MASK, 0.7, noise),
              randn(H, L, E), randn(H, S, E), randn(H, S, EV))


def test_broadcast_batch_dims_against_torch():
    # key/value shared across the batch: their gradients are summed back over it
    check(lambda lib, q, k, v, m: sdpa(lib, q, k, v, attn_mask=m, scale=0.3), randn(B, H, L, E), randn(H, S, E),
          randn(1, S, EV), randn(L, S))


def test_fully_masked_row_is_zero_like_torch():
    keep = np.ones((L, S), dtype=bool)
    keep[1] = False  # query 1 may attend to nothing
    out = check(lambda lib, q, k, v, m: sdpa(lib, q, k, v, attn_mask=m), randn(H, L, E), randn(H, S, E),
                randn(H, S, EV), keep)
    assert not out[:, 1].any()


def test_one_graph_node():
    q, k, v = (flambeau.randn(H, n, E, requires_grad=True) for n in (L, S, S))
    out = flambeau.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True)
    assert out.grad_fn.name() == "ScaledDotProductAttentionBackward0"
    # the causal mask is an input without gradient; q, k and v feed the node directly
    assert all(type(fn).__name__ == "AccumulateGrad" for fn, _ in out.grad_fn.next_functions[:3])


def test_retain_graph_then_release():
    q, k, v = (flambeau.randn(H, n, E, requires_grad=True) for n in (L, S, S))
    out = flambeau.nn.functional.scaled_dot_product_attention(q, k, v)
    out.sum().backward(retain_graph=True)
    first = q.grad.clone()
    out.sum().backward()  # the kept probabilities served twice
    np.testing.assert_allclose(q.grad.numpy(), 2 * first.numpy(), rtol=1e-6)
    assert out.grad_fn.args[3] == []  # released with the graph: P no longer held
    with pytest.raises(RuntimeError):
        out.sum().backward()


def test_dropout_uses_dropouts_draw():
    q, k, v = flambeau.randn(H, L, E), flambeau.randn(H, S, E), flambeau.randn(H, S, EV)
    flambeau.manual_seed(3)
    out = flambeau.nn.functional.scaled_dot_product_attention(q, k, v, dropout_p=0.4)
    flambeau.manual_seed(3)
    noise = flambeau.nn.functional.dropout(flambeau.ones(H, L, S), 0.4)
    weights = ((q @ k.transpose(-1, -2)) / math.sqrt(E)).softmax(-1)
    np.testing.assert_allclose(out.numpy(), ((weights * noise) @ v).numpy(), rtol=1e-5, atol=1e-6)
    assert (noise == 0).any() and (noise != 0).any()


def test_float32_matches_torch():
    check(lambda lib, q, k, v: sdpa(lib, q, k, v, is_causal=True), randn(B, H, L, E).astype(np.float32),
          randn(B, H, S, E).astype(np.float32), randn(B, H, S, EV).astype(np.float32), atol=1e-5, rtol=1e-4)


def test_additive_mask_gradient_against_torch():
    check(lambda lib, q, k, v, m: sdpa(lib, q, k, v, attn_mask=m), randn(H, L, E), randn(H, S, E), randn(H, S, EV),
          randn(H, L, S))


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_half_types_keep_their_dtype(dtype):
    q, k, v = (flambeau.randn(H, n, E, dtype=getattr(flambeau, dtype), requires_grad=True) for n in (L, S, S))
    out = flambeau.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True)
    out.float().sum().backward()
    assert out.dtype == q.dtype and q.grad.dtype == q.dtype and v.grad.dtype == v.dtype
    reference = flambeau.nn.functional.scaled_dot_product_attention(q.double(), k.double(), v.double(),
                                                                    is_causal=True)
    np.testing.assert_allclose(out.double().detach().numpy(), reference.detach().numpy(), atol=0.05)
