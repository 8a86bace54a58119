"""flambeau.sklearn: scikit-learn's estimator checks, model selection, and the skorch-like features."""
import pickle
import subprocess
import sys

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_digits, load_iris, make_regression
from sklearn.model_selection import GridSearchCV, cross_val_score, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

import flambeau
from flambeau import nn
from flambeau.optim import SGD, Adam
from flambeau.optim.lr_scheduler import StepLR
from flambeau.sklearn import EarlyStopping, LRScheduler, NeuralNetClassifier, NeuralNetRegressor, ValidSplit


class MLP(nn.Module):
    """One hidden layer; in_features and out_features are filled in from the data by the net."""

    def __init__(self, in_features: int = 4, out_features: int = 3, hidden: int = 16):
        super().__init__()
        self.hidden = nn.Linear(in_features, hidden)
        self.output = nn.Linear(hidden, out_features)

    def forward(self, x):
        return self.output(self.hidden(x).relu())


def small_net(cls=NeuralNetClassifier, **params):
    """Few epochs of Adam, seeded: what check_estimator's many fits can afford."""
    return cls(**{"module": MLP, "optimizer": Adam, "lr": 0.05, "max_epochs": 10, "batch_size": 32, "random_state": 0,
                       **params})


def iris():
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def expected_failed_checks(estimator):
    failures = {
        "check_do_not_raise_errors_in_init_or_set_params":
            "it passes a parameter literally named 'kwargs' (the **kwargs of the signature, which takes the "
            "module__/optimizer__/criterion__/callbacks__ parameters); a net refuses a name that is neither "
            "a parameter nor prefixed, as skorch does, so that typos are caught",
    }
    if isinstance(estimator, NeuralNetRegressor):
        failures["check_regressor_multioutput"] = (
            "it wants float64 predictions; the net returns the module's float32 output, as skorch does")
    return failures


@parametrize_with_checks([small_net(NeuralNetClassifier), small_net(NeuralNetRegressor)],
                         expected_failed_checks=expected_failed_checks)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


def test_import_flambeau_leaves_sklearn_alone_and_the_package_names_the_install():
    code = ("import sys\n"
            "import flambeau\n"
            "assert 'sklearn' not in sys.modules, 'import flambeau imported sklearn'\n"
            "sys.modules['sklearn'] = None  # as if scikit-learn were not installed\n"
            "try:\n"
            "    import flambeau.sklearn\n"
            "except ImportError as error:\n"
            "    print(error)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "pip install scikit-learn" in result.stdout


def test_grid_search_over_lr_and_hidden_size_in_a_pipeline_reaches_93_percent_on_digits():
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)
    pipe = Pipeline([("scale", StandardScaler()),
                     ("net", small_net(max_epochs=6, batch_size=64, train_split=None))])
    search = GridSearchCV(pipe, {"net__lr": [0.001, 0.03], "net__module__hidden": [4, 32]}, cv=2)
    search.fit(X_train, y_train)
    assert search.best_params_ == {"net__lr": 0.03, "net__module__hidden": 32}
    assert search.best_estimator_["net"].module_.hidden.out_features == 32
    assert search.score(X_test, y_test) >= 0.93


def test_cross_val_score_of_a_pipeline():
    X, y = load_iris(return_X_y=True)  # sorted by class: the net shuffles, the folds are stratified
    pipe = Pipeline([("scale", StandardScaler()), ("net", small_net(max_epochs=15, batch_size=16))])
    scores = cross_val_score(pipe, X, y, cv=3)
    assert scores.min() >= 0.85


def test_regressor_in_a_pipeline_fits_a_linear_target_with_a_linear_module():
    X, y = make_regression(n_samples=200, n_features=5, noise=1.0, random_state=0)
    net = NeuralNetRegressor(nn.Linear, optimizer=Adam, lr=0.1, max_epochs=40, batch_size=32, random_state=0)
    pipe = Pipeline([("scale", StandardScaler()), ("net", net)]).fit(X, y / y.std())
    assert pipe.predict(X).shape == (200,)
    assert pipe.score(X, y / y.std()) > 0.99
    y2 = np.stack([y, -y], axis=1) / y.std()
    assert pipe.fit(X, y2).predict(X).shape == (200, 2)


def test_clone_keeps_parameters_and_drops_the_fit():
    X, y = iris()
    callback = EarlyStopping(patience=3)
    net = small_net(module__hidden=7, optimizer__weight_decay=1e-4, callbacks=[callback]).fit(X, y)
    copy = clone(net)
    assert copy.get_params()["module__hidden"] == 7
    assert copy.get_params()["optimizer__weight_decay"] == 1e-4
    assert copy.callbacks[0] is not callback and copy.callbacks[0].patience == 3
    assert not hasattr(copy, "module_")


def test_pickle_round_trip_gives_the_same_predictions_and_training_goes_on():
    X, y = iris()
    net = small_net().fit(X, y)
    restored = pickle.loads(pickle.dumps(net))
    np.testing.assert_array_equal(restored.predict_proba(X), net.predict_proba(X))
    # the optimizer still drives the restored module's parameters
    restored.partial_fit(X, y)
    assert not np.array_equal(restored.predict_proba(X), net.predict_proba(X))


def test_a_seed_makes_fits_reproducible_and_leaves_the_global_stream_alone():
    X, y = iris()
    flambeau.manual_seed(1)
    first = small_net().fit(X, y).predict_proba(X)
    after_fit = flambeau.rand(3)
    flambeau.manual_seed(1)
    np.testing.assert_array_equal(small_net().fit(X, y).predict_proba(X), first)
    flambeau.manual_seed(1)
    assert flambeau.equal(flambeau.rand(3), after_fit)
    assert not np.array_equal(small_net(random_state=1).fit(X, y).predict_proba(X), first)


def test_without_a_seed_the_global_generator_decides():
    X, y = iris()
    runs = []
    for _ in range(2):
        flambeau.manual_seed(5)
        runs.append(small_net(random_state=None).fit(X, y).predict_proba(X))
    np.testing.assert_array_equal(runs[0], runs[1])
    assert not np.array_equal(small_net(random_state=None).fit(X, y).predict_proba(X), runs[0])


def test_partial_fit_continues_where_fit_stopped():
    X, y = iris()
    net = small_net(max_epochs=3).fit(X, y)
    module = net.module_
    net.partial_fit(X, y)
    assert net.module_ is module
    assert net.history[:, "epoch"] == [1, 2, 3, 4, 5, 6]
    # the same stream, optimizer state and split as six epochs in one go
    np.testing.assert_allclose(net.predict_proba(X), small_net(max_epochs=6).fit(X, y).predict_proba(X),
                               rtol=1e-5, atol=1e-6)
    assert small_net(max_epochs=3).fit(X, y).fit(X, y).history[:, "epoch"] == [1, 2, 3]


def test_warm_start_makes_fit_continue():
    X, y = iris()
    net = small_net(max_epochs=2, warm_start=True).fit(X, y).fit(X, y)
    assert len(net.history) == 4


def test_partial_fit_with_classes_learns_labels_its_first_batch_lacks():
    X, y = iris()
    net = small_net(train_split=None)
    net.partial_fit(X[y < 2], y[y < 2], classes=[0, 1, 2])
    net.partial_fit(X, y)
    np.testing.assert_array_equal(net.classes_, [0, 1, 2])
    assert net.score(X, y) > 0.8
    with pytest.raises(ValueError, match="not in classes_"):
        small_net(train_split=None).partial_fit(X[y < 2], y[y < 2]).partial_fit(X, y)


def test_history_records_losses_per_epoch():
    X, y = iris()
    net = small_net(max_epochs=4).fit(X, y)
    assert len(net.history[:, "train_loss"]) == 4
    assert net.history[-1, "valid_loss"] < net.history[0, "valid_loss"]
    assert 0 <= net.history[-1, "valid_acc"] <= 1
    assert net.history[-1]["epoch"] == 4
    without_split = small_net(max_epochs=2, train_split=None).fit(X, y)
    with pytest.raises(KeyError):
        without_split.history[:, "valid_loss"]


def test_valid_split_fraction_and_folds():
    X, y = np.zeros((100, 2)), np.repeat([0, 1], 50)
    train, valid = ValidSplit(0.3, stratified=True, random_state=0)(X, y)
    assert len(valid) == 30 and y[valid].sum() == 15
    assert sorted(np.concatenate([train, valid])) == list(range(100))
    train, valid = ValidSplit(4)(X, y)
    np.testing.assert_array_equal(valid, np.arange(25))
    with pytest.raises(ValueError, match="cv must be"):
        ValidSplit(1)(X, y)


def test_early_stopping_stops_when_the_loss_stalls(capsys):
    X, y = iris()
    # lr=0: nothing learns, the validation loss is the same every epoch
    net = small_net(lr=0.0, max_epochs=20, verbose=1, callbacks=[EarlyStopping(patience=3)]).fit(X, y)
    assert len(net.history) == 4
    printed = capsys.readouterr().out.splitlines()
    assert printed[0].startswith("epoch=1  train_loss=") and "valid_acc=" in printed[0]
    assert printed[-1].startswith("Stopping: valid_loss has not improved for 3 epochs")
    learning = small_net(max_epochs=6, callbacks=[EarlyStopping(monitor="train_loss", patience=2)]).fit(X, y)
    assert len(learning.history) == 6


def test_early_stopping_on_a_score_that_should_rise():
    X, y = iris()
    callback = EarlyStopping(monitor="valid_acc", patience=2, lower_is_better=False, threshold=0.5)
    net = small_net(max_epochs=20, callbacks=[callback]).fit(X, y)
    # no accuracy can beat the first epoch's by 50 % of itself (above 1 once it is over 2/3)
    assert len(net.history) < 20
    assert net.callbacks_[0][1].best_epoch_ == len(net.history) - 2


def test_lr_scheduler_changes_the_lr():
    X, y = iris()
    scheduler = LRScheduler(policy=StepLR, step_size=2, gamma=0.1)
    net = small_net(optimizer=SGD, lr=1.0, max_epochs=5, callbacks=[scheduler]).fit(X, y)
    np.testing.assert_allclose(net.history[:, "event_lr"], [1.0, 1.0, 0.1, 0.1, 0.01])
    assert net.optimizer_.param_groups[0]["lr"] == pytest.approx(0.01)  # stepped after the fifth epoch
    assert net.callbacks == [scheduler] and not hasattr(scheduler, "lr_scheduler_")
    net.partial_fit(X, y)  # the schedule goes on
    np.testing.assert_allclose(net.history[5:, "event_lr"], [0.01, 1e-3, 1e-3, 1e-4, 1e-4])


def test_lr_scheduler_by_name_per_batch_and_on_plateau():
    X, y = iris()
    per_batch = LRScheduler("ExponentialLR", step_every="batch", gamma=0.5)
    net = small_net(lr=1.0, max_epochs=2, batch_size=60, train_split=None, callbacks=[per_batch]).fit(X, y)
    assert net.history[:, "event_lr"] == [1.0, 0.125]  # three batches of 150 samples per epoch
    plateau = LRScheduler("ReduceLROnPlateau", monitor="valid_loss", patience=1, factor=0.5)
    stalled = small_net(lr=0.0, max_epochs=3, callbacks=[plateau]).fit(X, y)
    assert stalled.history[:, "event_lr"] == [0.0, 0.0, 0.0]
    assert plateau.get_params()["factor"] == 0.5 and clone(plateau).get_params()["patience"] == 1


def test_set_params_routes_prefixed_parameters():
    X, y = iris()
    net = small_net(max_epochs=2, callbacks=[("stop", EarlyStopping(patience=5))])
    net.set_params(module__hidden=5, optimizer__weight_decay=0.1, callbacks__stop__patience=1)
    net.fit(X, y)
    assert net.module_.hidden.out_features == 5
    assert net.optimizer_.param_groups[0]["weight_decay"] == 0.1
    assert net.callbacks_[0][1].patience == 1 and net.callbacks[0][1].patience == 5

    optimizer = net.optimizer_
    net.set_params(lr=0.5)  # in place: Adam keeps its moments
    assert net.optimizer_ is optimizer and optimizer.param_groups[0]["lr"] == 0.5
    net.set_params(optimizer__betas=(0.5, 0.5))
    assert net.optimizer_ is not optimizer and net.optimizer_.param_groups[0]["betas"] == (0.5, 0.5)
    net.set_params(optimizer__lr=0.2, callbacks__stop__patience=4)  # both parts follow
    assert net.optimizer_.param_groups[0]["lr"] == 0.2 and net.callbacks_[0][1].patience == 4
    net.set_params(module__hidden=9)  # a fitted net rebuilds its module
    assert net.module_.hidden.out_features == 9
    assert net.optimizer_.param_groups[0]["params"][0] is net.module_.hidden.weight

    with pytest.raises(ValueError, match="Invalid parameter"):
        net.set_params(hiden=3)
    with pytest.raises(TypeError, match="unexpected keyword argument 'hiden'"):
        NeuralNetClassifier(MLP, hiden=3)
    with pytest.raises(ValueError, match="no callback is named 'stopp'"):
        small_net(callbacks=[("stop", EarlyStopping())], callbacks__stopp__patience=1).fit(X, y)


def test_a_module_instance_is_copied_not_trained():
    X, y = make_regression(n_samples=60, n_features=3, random_state=0)
    module = nn.Linear(3, 1)
    before = module.weight.detach().clone()
    net = NeuralNetRegressor(module, max_epochs=3, random_state=0).fit(X, y / y.std())
    assert flambeau.equal(module.weight, before)
    assert net.module_ is not module and not flambeau.equal(net.module_.weight, before)


def test_float32_training_from_float64_numpy():
    X, y = iris()
    net = small_net(max_epochs=1).fit(X.astype(np.float64), y)
    assert net.module_.hidden.weight.dtype == flambeau.float32
    assert net.predict_proba(X).dtype == np.float32
    np.testing.assert_allclose(net.predict_proba(X).sum(axis=1), 1.0, rtol=1e-6)
    logits = net.set_params(predict_nonlinearity=None).predict_proba(X)
    np.testing.assert_allclose(flambeau.softmax(flambeau.tensor(logits), dim=1).numpy(),
                               net.set_params(predict_nonlinearity="auto").predict_proba(X), rtol=1e-5)


def test_string_labels_and_nll_loss_with_log_softmax_output():
    X, y = iris()
    names = np.array(["setosa", "versicolor", "virginica"])[y]

    class LogSoftmaxMLP(MLP):
        def forward(self, x):
            return super().forward(x).log_softmax(dim=1)

    net = small_net(module=LogSoftmaxMLP, criterion=nn.NLLLoss).fit(X, names)
    assert set(net.predict(X)) <= set(names)
    np.testing.assert_allclose(net.predict_proba(X).sum(axis=1), 1.0, rtol=1e-5)  # exp of the log-probabilities
    assert net.score(X, names) > 0.85
