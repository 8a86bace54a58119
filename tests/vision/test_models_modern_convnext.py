"""ConvNeXt against torchvision: structure, strict weight loading, eval outputs, training, weights enums."""
import pytest
import torch
import torchvision.models.convnext as tv_convnext

from flambeau.vision.models import convnext
from modern_models_oracle import build_pair, check_eval, check_structure, check_train, check_weights


def test_tiny_matches_torchvision():
    t_model, f_model = build_pair("convnext", "convnext_tiny")
    check_structure(t_model, f_model)
    check_eval(t_model, f_model)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["convnext_small", "convnext_base"])
def test_larger_configs(name):
    check_structure(*build_pair("convnext", name))


def test_small_convnext_matches_and_trains():
    torch.manual_seed(0)
    t_model = tv_convnext.ConvNeXt([tv_convnext.CNBlockConfig(8, 16, 2), tv_convnext.CNBlockConfig(16, None, 1)],
                                   stochastic_depth_prob=0.5, num_classes=10)
    f_model = convnext.ConvNeXt([convnext.CNBlockConfig(8, 16, 2), convnext.CNBlockConfig(16, None, 1)],
                                stochastic_depth_prob=0.5, num_classes=10)
    check_structure(t_model, f_model)
    check_eval(t_model, f_model, shape=(2, 3, 32, 32))
    check_train(f_model, shape=(2, 3, 32, 32))


def test_block_setting_errors():
    for module in (tv_convnext, convnext):
        with pytest.raises(ValueError):
            module.ConvNeXt([])
        with pytest.raises(TypeError):
            module.ConvNeXt([(8, None, 1)])


@pytest.mark.parametrize("enum_name", ["ConvNeXt_Tiny_Weights", "ConvNeXt_Small_Weights", "ConvNeXt_Base_Weights",
                                       "ConvNeXt_Large_Weights"])
def test_weights(enum_name):
    check_weights(enum_name, "convnext")
