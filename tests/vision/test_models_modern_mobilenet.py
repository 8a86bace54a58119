"""MobileNetV2/V3 against torchvision: structure, strict weight loading, eval outputs, training, weights enums."""
import pytest

from modern_models_oracle import build_pair, check_eval, check_structure, check_train, check_weights

MODULE = {"mobilenet_v2": "mobilenetv2", "mobilenet_v3_large": "mobilenetv3", "mobilenet_v3_small": "mobilenetv3"}


@pytest.mark.parametrize("name,kwargs", [("mobilenet_v2", {}), ("mobilenet_v3_large", {}),
                                         ("mobilenet_v3_small", {}),
                                         ("mobilenet_v2", {"width_mult": 0.5, "num_classes": 10}),
                                         ("mobilenet_v3_small", {"reduced_tail": True, "dilated": True})])
def test_matches_torchvision(name, kwargs):
    t_model, f_model = build_pair(MODULE[name], name, **kwargs)
    check_structure(t_model, f_model)
    check_eval(t_model, f_model)


@pytest.mark.parametrize("name", ["mobilenet_v2", "mobilenet_v3_small"])
def test_trains(name):
    _, f_model = build_pair(MODULE[name], name, width_mult=0.25, num_classes=10)
    check_train(f_model)


def test_setting_errors():
    import torchvision.models.mobilenetv2 as tv_v2
    import torchvision.models.mobilenetv3 as tv_v3
    from flambeau.vision.models import mobilenetv2, mobilenetv3
    for v2, v3 in ((tv_v2, tv_v3), (mobilenetv2, mobilenetv3)):  # the same exception types from both
        with pytest.raises(ValueError):
            v2.MobileNetV2(inverted_residual_setting=[[1, 16, 1]])
        with pytest.raises(ValueError):
            v3.MobileNetV3([], 1280)
        with pytest.raises(TypeError):
            v3.MobileNetV3([[16, 3, 16, 16, False, "RE", 1, 1]], 1280)
        with pytest.raises(ValueError):
            v3._mobilenet_v3_conf("mobilenet_v3_medium")


@pytest.mark.parametrize("module,enum_name", [("mobilenetv2", "MobileNet_V2_Weights"),
                                              ("mobilenetv3", "MobileNet_V3_Large_Weights"),
                                              ("mobilenetv3", "MobileNet_V3_Small_Weights")])
def test_weights(module, enum_name):
    check_weights(enum_name, module)
