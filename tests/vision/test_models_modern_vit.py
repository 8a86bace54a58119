"""Vision Transformer against torchvision: structure at the default 224 size, strict weight loading and eval outputs
at a smaller image_size, training, position-embedding interpolation, weights enums."""
import numpy as np
import pytest
import torch
import torchvision.models.vision_transformer as tv_vit

import flambeau
from flambeau.vision.models import vision_transformer as vit
from modern_models_oracle import build_pair, check_eval, check_structure, check_train, check_weights


@pytest.mark.parametrize("name", ["vit_b_16", pytest.param("vit_b_32", marks=pytest.mark.slow)])
def test_structure(name):
    check_structure(*build_pair("vision_transformer", name))


@pytest.mark.slow
def test_b_16_matches_torchvision():
    # 12 pre-norm blocks of width 768; float32 summation order differs from torch's, hence 2e-4
    t_model, f_model = build_pair("vision_transformer", "vit_b_16", image_size=64)
    check_eval(t_model, f_model, atol=2e-4, rtol=2e-4)


def test_small_custom_vit_matches_and_trains():
    kwargs = dict(image_size=32, patch_size=8, num_layers=2, num_heads=4, hidden_dim=32, mlp_dim=64,
                  num_classes=10, representation_size=16, dropout=0.1, attention_dropout=0.1)
    torch.manual_seed(0)
    t_model = tv_vit.VisionTransformer(**kwargs)
    f_model = vit.VisionTransformer(**kwargs)
    check_structure(t_model, f_model)
    check_eval(t_model, f_model, shape=(2, 3, 32, 32))
    check_train(f_model, shape=(2, 3, 32, 32))


def test_conv_stem():
    stem = [(8, 3, 2), (16, 3, 2)]
    kwargs = dict(image_size=32, patch_size=4, num_layers=1, num_heads=2, hidden_dim=16, mlp_dim=32)
    t_model = tv_vit.VisionTransformer(**kwargs, conv_stem_configs=[tv_vit.ConvStemConfig(*c) for c in stem])
    f_model = vit.VisionTransformer(**kwargs, conv_stem_configs=[vit.ConvStemConfig(*c) for c in stem])
    check_structure(t_model, f_model)
    check_eval(t_model, f_model, shape=(1, 3, 32, 32))


def test_wrong_image_size():
    f_model = vit.VisionTransformer(image_size=32, patch_size=8, num_layers=1, num_heads=2, hidden_dim=8, mlp_dim=8)
    with pytest.raises(AssertionError):
        f_model(flambeau.zeros(1, 3, 16, 32))
    with pytest.raises(AssertionError):
        vit.VisionTransformer(image_size=30, patch_size=8, num_layers=1, num_heads=2, hidden_dim=8, mlp_dim=8)


def test_interpolate_embeddings():
    state = {"encoder.pos_embedding": np.random.default_rng(0).standard_normal((1, 17, 6)).astype(np.float32),
             "heads.head.weight": np.ones((3, 6), dtype=np.float32)}
    expected = tv_vit.interpolate_embeddings(48, 8, {k: torch.tensor(v) for k, v in state.items()}, reset_heads=True)
    got = vit.interpolate_embeddings(48, 8, {k: flambeau.tensor(v) for k, v in state.items()}, reset_heads=True)
    assert list(got) == list(expected)
    np.testing.assert_allclose(got["encoder.pos_embedding"].numpy(), expected["encoder.pos_embedding"].numpy(),
                               atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("enum_name", [n for n in vit.__all__ if n.endswith("_Weights")])
def test_weights(enum_name):
    check_weights(enum_name, "vision_transformer")
