"""EfficientNet B0-B3 (and V2-S structure) against torchvision: structure, strict weight loading, eval outputs,
training with stochastic depth, weights enums."""
import pytest

from modern_models_oracle import build_pair, check_eval, check_structure, check_train, check_weights


@pytest.mark.parametrize("name", ["efficientnet_b0", "efficientnet_b1",
                                  pytest.param("efficientnet_b2", marks=pytest.mark.slow),
                                  pytest.param("efficientnet_b3", marks=pytest.mark.slow)])
def test_matches_torchvision(name):
    t_model, f_model = build_pair("efficientnet", name)
    check_structure(t_model, f_model)
    check_eval(t_model, f_model)


@pytest.mark.parametrize("name", [pytest.param("efficientnet_b4", marks=pytest.mark.slow), "efficientnet_b5",
                                  "efficientnet_v2_s"])
def test_structure_of_larger_configs(name):
    check_structure(*build_pair("efficientnet", name))


def test_trains_with_stochastic_depth():
    _, f_model = build_pair("efficientnet", "efficientnet_b0", num_classes=10, stochastic_depth_prob=0.5)
    check_train(f_model, shape=(2, 3, 32, 32))


@pytest.mark.parametrize("enum_name", ["EfficientNet_B0_Weights", "EfficientNet_B1_Weights", "EfficientNet_B2_Weights",
                                       "EfficientNet_B3_Weights", "EfficientNet_B4_Weights", "EfficientNet_B5_Weights",
                                       "EfficientNet_B6_Weights", "EfficientNet_B7_Weights",
                                       "EfficientNet_V2_S_Weights", "EfficientNet_V2_M_Weights",
                                       "EfficientNet_V2_L_Weights"])
def test_weights(enum_name):
    check_weights(enum_name, "efficientnet")
