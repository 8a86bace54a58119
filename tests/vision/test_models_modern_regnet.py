"""RegNet against torchvision: the width generator, structure, strict weight loading, eval outputs, training,
weights enums."""
import pytest
import torchvision.models.regnet as tv_regnet

from flambeau.vision.models import regnet
from modern_models_oracle import build_pair, check_eval, check_structure, check_train, check_weights

# (depth, w_0, w_a, w_m, group_width) of every torchvision config, including the ones too big to build here
CONFIGS = [(16, 48, 27.89, 2.09, 8), (14, 56, 38.84, 2.4, 16), (27, 48, 20.71, 2.65, 24), (21, 80, 42.63, 2.66, 24),
           (17, 192, 76.82, 2.19, 56), (18, 200, 106.23, 2.48, 112), (20, 232, 115.89, 2.53, 232),
           (27, 456, 160.83, 2.52, 264), (22, 24, 24.48, 2.54, 16), (16, 56, 35.73, 2.28, 16),
           (18, 80, 34.01, 2.25, 24), (25, 88, 26.31, 2.25, 48), (23, 80, 49.56, 2.88, 120),
           (22, 216, 55.59, 2.1, 128), (23, 320, 69.86, 2.0, 168)]


@pytest.mark.parametrize("depth,w_0,w_a,w_m,group_width", CONFIGS)
def test_block_params(depth, w_0, w_a, w_m, group_width):
    kwargs = dict(depth=depth, w_0=w_0, w_a=w_a, w_m=w_m, group_width=group_width, bottleneck_multiplier=1.0)
    assert vars(regnet.BlockParams.from_init_params(**kwargs)) == vars(tv_regnet.BlockParams.from_init_params(**kwargs))


def test_invalid_settings():
    for module in (regnet, tv_regnet):
        with pytest.raises(ValueError):
            module.BlockParams.from_init_params(depth=4, w_0=20, w_a=1.0, w_m=2.0, group_width=8)


@pytest.mark.parametrize("name", ["regnet_y_400mf", "regnet_x_400mf"])
def test_matches_torchvision(name):
    t_model, f_model = build_pair("regnet", name)
    check_structure(t_model, f_model)
    check_eval(t_model, f_model)


@pytest.mark.parametrize("name", ["regnet_y_800mf", "regnet_x_800mf", "regnet_y_1_6gf"])
def test_structure_of_larger_configs(name):
    check_structure(*build_pair("regnet", name))


def test_trains():
    _, f_model = build_pair("regnet", "regnet_y_400mf", num_classes=10)
    check_train(f_model, shape=(2, 3, 32, 32))


@pytest.mark.parametrize("enum_name", [n for n in regnet.__all__ if n.endswith("_Weights")])
def test_weights(enum_name):
    check_weights(enum_name, "regnet")
