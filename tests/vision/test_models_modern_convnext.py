"""ConvNeXt against torchvision: structure, strict weight loading, eval outputs, training, weights enums."""
import pytest

from modern_models_oracle import build_pair, check_eval, check_structure, check_train, check_weights


def test_tiny_matches_torchvision():
    t_model, f_model = build_pair("convnext", "convnext_tiny")
    check_structure(t_model, f_model)
    check_eval(t_model, f_model)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["convnext_small", "convnext_base"])
def test_larger_configs(name):
    check_structure(*build_pair("convnext", name))


def test_trains():
    _, f_model = build_pair("convnext", "convnext_tiny", num_classes=10, stochastic_depth_prob=0.5)
    check_train(f_model, shape=(2, 3, 32, 32))


@pytest.mark.parametrize("enum_name", ["ConvNeXt_Tiny_Weights", "ConvNeXt_Small_Weights", "ConvNeXt_Base_Weights",
                                       "ConvNeXt_Large_Weights"])
def test_weights(enum_name):
    check_weights(enum_name, "convnext")
