"""Swin Transformer (V1 and V2) against torchvision: structure, strict weight loading and eval outputs on a 72x72
image (padded windows, shifted and unshifted windows, odd-sized patch merging), training, weights enums."""
import numpy as np
import pytest
import torch
import torchvision.models.swin_transformer as tv_swin

import flambeau
from flambeau.vision.models import swin_transformer as swin
from modern_models_oracle import build_pair, check_eval, check_structure, check_train, check_weights


def test_swin_t_matches_torchvision():
    t_model, f_model = build_pair("swin_transformer", "swin_t")
    check_structure(t_model, f_model)
    check_eval(t_model, f_model, shape=(1, 3, 72, 72), atol=2e-4, rtol=2e-4)


@pytest.mark.slow
def test_swin_v2_t_matches_torchvision():
    t_model, f_model = build_pair("swin_transformer", "swin_v2_t")
    check_structure(t_model, f_model)
    check_eval(t_model, f_model, shape=(1, 3, 72, 72), atol=2e-4, rtol=2e-4)


@pytest.mark.parametrize("v2", [False, True])
def test_small_swin_matches_and_trains(v2):
    kwargs = dict(patch_size=[2, 2], embed_dim=8, depths=[2, 2], num_heads=[2, 4], window_size=[4, 4],
                  num_classes=5, stochastic_depth_prob=0.3, dropout=0.1, attention_dropout=0.1)
    if v2:
        kwargs.update(block="SwinTransformerBlockV2", downsample_layer="PatchMergingV2")
    t_kwargs = {k: getattr(tv_swin, v) if isinstance(v, str) else v for k, v in kwargs.items()}
    f_kwargs = {k: getattr(swin, v) if isinstance(v, str) else v for k, v in kwargs.items()}
    torch.manual_seed(0)
    t_model, f_model = tv_swin.SwinTransformer(**t_kwargs), swin.SwinTransformer(**f_kwargs)
    check_structure(t_model, f_model)
    check_eval(t_model, f_model, shape=(2, 3, 22, 18))
    check_train(f_model, shape=(2, 3, 22, 18))


def test_relative_position_buffers():
    for window in ([7, 7], [3, 5]):
        t_attn = tv_swin.ShiftedWindowAttentionV2(8, window, [0, 0], 2)
        f_attn = swin.ShiftedWindowAttentionV2(8, window, [0, 0], 2)
        np.testing.assert_array_equal(f_attn.relative_position_index.numpy(), t_attn.relative_position_index.numpy())
        np.testing.assert_allclose(f_attn.relative_coords_table.numpy(), t_attn.relative_coords_table.numpy(),
                                   rtol=1e-6, atol=1e-7)
        assert f_attn.relative_coords_table.dtype == flambeau.float32


def test_bad_window():
    for module in (tv_swin, swin):
        with pytest.raises(ValueError):
            module.ShiftedWindowAttention(8, [7], [0, 0], 2)


@pytest.mark.parametrize("enum_name", [n for n in swin.__all__ if n.endswith("_Weights")])
def test_weights(enum_name):
    check_weights(enum_name, "swin_transformer")
