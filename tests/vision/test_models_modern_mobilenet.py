"""MobileNetV2/V3 against torchvision: structure, strict weight loading, eval outputs, training."""
import pytest

from modern_models_oracle import build_pair, check_eval, check_structure, check_train, check_weights


@pytest.mark.parametrize("name,kwargs", [("mobilenet_v2", {}), ("mobilenet_v3_large", {}),
                                         ("mobilenet_v3_small", {}),
                                         ("mobilenet_v2", {"width_mult": 0.5, "num_classes": 10}),
                                         ("mobilenet_v3_small", {"reduced_tail": True, "dilated": True})])
def test_matches_torchvision(name, kwargs):
    t_model, f_model = build_pair(name[:len("mobilenet_v2")].replace("_", ""), name, **kwargs)
    check_structure(t_model, f_model)
    check_eval(t_model, f_model)


@pytest.mark.parametrize("name", ["mobilenet_v2", "mobilenet_v3_small"])
def test_trains(name):
    _, f_model = build_pair(name[:len("mobilenet_v2")].replace("_", ""), name, width_mult=0.25, num_classes=10)
    check_train(f_model)


@pytest.mark.parametrize("module,enum_name", [("mobilenetv2", "MobileNet_V2_Weights"),
                                              ("mobilenetv3", "MobileNet_V3_Large_Weights"),
                                              ("mobilenetv3", "MobileNet_V3_Small_Weights")])
def test_weights(module, enum_name):
    check_weights(enum_name, module)
