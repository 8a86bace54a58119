"""Transforms: forward, inverse and log |det J| equal PyTorch's (with gradients); shapes, caching and
biject_to / transform_to land in their constraints."""
import numpy as np
import pytest
import torch

import flambeau
from oracle import check, gradcheck, randn

POS = dict(low=0.5, high=2.0)
UNIT = dict(low=0.1, high=0.9)

# (id, make(D) -> transform, x in its domain)
TRANSFORMS = [
    ("Exp", lambda D: D.ExpTransform(), randn(2, 3)),
    ("Affine", lambda D: D.AffineTransform(0.5, -2.0), randn(2, 3)),
    ("Affine-event", lambda D: D.AffineTransform(0.5, 3.0, event_dim=1), randn(2, 3)),
    ("Sigmoid", lambda D: D.SigmoidTransform(), randn(2, 3)),
    ("Softplus", lambda D: D.SoftplusTransform(), randn(2, 3)),
    ("Tanh", lambda D: D.TanhTransform(), randn(2, 3)),
    ("Power", lambda D: D.PowerTransform(2.5), randn(2, 3, **POS)),
    ("StickBreaking", lambda D: D.StickBreakingTransform(), randn(2, 3)),
    ("CorrCholesky", lambda D: D.CorrCholeskyTransform(), randn(2, 6)),
    ("Compose", lambda D: D.ComposeTransform([D.AffineTransform(1.0, 2.0), D.ExpTransform()]), randn(2, 3)),
    ("Independent", lambda D: D.IndependentTransform(D.SigmoidTransform(), 1), randn(2, 3)),
    ("Reshape", lambda D: D.ReshapeTransform((6,), (2, 3)), randn(2, 6)),
    ("Cat", lambda D: D.CatTransform([D.ExpTransform(), D.SigmoidTransform()], dim=-1, lengths=[1, 2]),
     randn(2, 3)),
    ("Stack", lambda D: D.StackTransform([D.ExpTransform(), D.TanhTransform(), D.AffineTransform(1.0, 2.0)],
                                         dim=1), randn(2, 3)),
    ("Inverse", lambda D: D.ExpTransform().inv, randn(2, 3, **POS)),
]


@pytest.mark.parametrize("case", TRANSFORMS, ids=[c[0] for c in TRANSFORMS])
def test_transform_matches_torch(case):
    _, make, x = case

    def forward(t, x):
        tr = make(t.distributions.transforms)
        y = tr(x)
        return y, tr.log_abs_det_jacobian(x, y), tr.inv(y)

    check(forward, x, atol=1e-6, rtol=1e-6)
    t_tr, f_tr = make(torch.distributions.transforms), make(flambeau.distributions.transforms)
    assert f_tr.bijective == t_tr.bijective
    assert (f_tr.domain.event_dim, f_tr.codomain.event_dim) == (t_tr.domain.event_dim, t_tr.codomain.event_dim)
    shape = torch.Size(x.shape)
    assert tuple(f_tr.forward_shape(shape)) == tuple(t_tr.forward_shape(shape))
    y_shape = t_tr.forward_shape(shape)
    assert tuple(f_tr.inverse_shape(y_shape)) == tuple(t_tr.inverse_shape(y_shape))
    y = f_tr(flambeau.tensor(x))
    assert bool(f_tr.codomain.check(y).all())


def test_non_bijective_transforms():
    check(lambda t, x: t.distributions.transforms.SoftmaxTransform()(x), randn(2, 4))
    check(lambda t, x: t.distributions.transforms.AbsTransform()(x), randn(2, 4))
    check(lambda t, x: t.distributions.transforms.LowerCholeskyTransform()(x), randn(2, 3, 3))
    check(lambda t, x: t.distributions.transforms.LowerCholeskyTransform().inv(
        t.distributions.transforms.LowerCholeskyTransform()(x)), randn(3, 3))
    check(lambda t, x: t.distributions.transforms.PositiveDefiniteTransform()(x), randn(2, 3, 3))


def test_ladj_gradcheck():
    gradcheck(lambda t, x: flambeau.distributions.CorrCholeskyTransform().log_abs_det_jacobian(
        x, flambeau.distributions.CorrCholeskyTransform()(x)), randn(3), gradgrad=False)
    gradcheck(lambda t, x: flambeau.distributions.StickBreakingTransform()(x), randn(3), gradgrad=False)


def test_cache_and_identity():
    D = flambeau.distributions
    tr = D.ExpTransform().with_cache()
    x = flambeau.randn(3)
    y = tr(x)
    assert tr(x) is y and tr.inv(y) is x
    assert D.ExpTransform().inv.inv == D.ExpTransform()
    assert D.ComposeTransform([D.ExpTransform(), D.AffineTransform(1.0, 2.0)]).inv.inv is not None
    with pytest.raises(ValueError):
        D.ExpTransform(cache_size=2)
    assert D.AffineTransform(1.0, 2.0) == D.AffineTransform(1.0, 2.0)
    assert D.AffineTransform(1.0, 2.0) != D.AffineTransform(1.0, 3.0)
    with pytest.raises(ValueError):
        D.ReshapeTransform((2, 3), (5,))


CONSTRAINTS = [
    ("real", lambda C: C.real, (2, 3)),
    ("positive", lambda C: C.positive, (2, 3)),
    ("nonnegative", lambda C: C.nonnegative, (2, 3)),
    ("greater_than", lambda C: C.greater_than(1.5), (2, 3)),
    ("less_than", lambda C: C.less_than(-1.0), (2, 3)),
    ("unit_interval", lambda C: C.unit_interval, (2, 3)),
    ("interval", lambda C: C.interval(-2.0, 3.0), (2, 3)),
    ("simplex", lambda C: C.simplex, (2, 3)),
    ("lower_cholesky", lambda C: C.lower_cholesky, (2, 3, 3)),
    ("positive_definite", lambda C: C.positive_definite, (2, 3, 3)),
    ("corr_cholesky", lambda C: C.corr_cholesky, (2, 3)),
    ("independent", lambda C: C.independent(C.positive, 1), (2, 3)),
    ("cat", lambda C: C.cat([C.positive, C.real], dim=-1, lengths=[1, 2]), (2, 3)),
    ("stack", lambda C: C.stack([C.positive, C.unit_interval], dim=-1), (3, 2)),
]


@pytest.mark.parametrize("case", CONSTRAINTS, ids=[c[0] for c in CONSTRAINTS])
def test_biject_to_and_transform_to(case):
    _, make, shape = case
    x = randn(*shape)
    for registry in ("biject_to", "transform_to"):
        try:
            t_tr = getattr(torch.distributions, registry)(make(torch.distributions.constraints))
        except NotImplementedError:
            with pytest.raises(NotImplementedError):
                getattr(flambeau.distributions, registry)(make(flambeau.distributions.constraints))
            continue
        check(lambda t, x: getattr(t.distributions, registry)(make(t.distributions.constraints))(x), x,
              atol=1e-6, rtol=1e-6)
        f_tr = getattr(flambeau.distributions, registry)(make(flambeau.distributions.constraints))
        assert type(f_tr).__name__ == type(t_tr).__name__
        y = f_tr(flambeau.tensor(x))
        assert bool(make(flambeau.distributions.constraints).check(y).all())


def test_constraint_checks_match_torch():
    values = [np.array([-1.0, 0.0, 0.5, 1.0, 2.0, np.nan]), np.array([[0.2, 0.8], [0.5, 0.6]]),
              np.array([[[1.0, 0.0], [0.5, 2.0]], [[1.0, 0.3], [0.5, 2.0]], [[-1.0, 0.0], [0.5, 2.0]]]),
              np.array([[[2.0, 0.5], [0.5, 1.0]], [[1.0, 2.0], [2.0, 1.0]], [[1.0, 0.5], [0.4, 1.0]]])]
    names = ["real", "positive", "nonnegative", "unit_interval", "boolean", "nonnegative_integer",
             "positive_integer", "simplex", "lower_triangular", "lower_cholesky", "positive_definite",
             "positive_semidefinite", "symmetric", "square", "one_hot", "real_vector"]
    for name in names:
        for v in values:
            t_c = getattr(torch.distributions.constraints, name)
            if v.ndim < t_c.event_dim:
                continue
            expected = t_c.check(torch.tensor(v)).numpy()
            got = getattr(flambeau.distributions.constraints, name).check(flambeau.tensor(v))
            np.testing.assert_array_equal(np.asarray(got._data), expected, err_msg=name)
    C = flambeau.distributions.constraints
    assert repr(C.interval(0.0, 1.0)) == repr(torch.distributions.constraints.interval(0.0, 1.0))
    assert C.is_dependent(C.dependent) and not C.is_dependent(C.real)
    with pytest.raises(ValueError):
        C.dependent.check(flambeau.ones(1))


def test_utils_match_torch():
    get = lambda t, name: getattr(t.distributions.utils, name)  # noqa: E731
    check(lambda t, p: (get(t, "probs_to_logits")(p), get(t, "probs_to_logits")(p, is_binary=True),
                        get(t, "clamp_probs")(p)), randn(2, 3, **UNIT))
    check(lambda t, x: (get(t, "logits_to_probs")(x), get(t, "logits_to_probs")(x, is_binary=True)), randn(2, 3))
    check(lambda t, m: [get(t, "tril_matrix_to_vec")(m, diag=d) for d in (-1, 0, 1)], randn(2, 3, 3))
    check(lambda t, v: (get(t, "vec_to_tril_matrix")(v), get(t, "vec_to_tril_matrix")(v[..., :3], diag=-1)),
          randn(2, 6))
    check(lambda t, a: get(t, "broadcast_all")(a, 2.0, t.ones(3, 1, dtype=a.dtype)), randn(4))
    with pytest.raises(ValueError):
        flambeau.distributions.utils.broadcast_all(flambeau.ones(2), "a")
