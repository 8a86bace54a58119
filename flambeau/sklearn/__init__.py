"""scikit-learn estimators wrapping any nn.Module, after skorch: NeuralNetClassifier, NeuralNetRegressor.

    from flambeau.sklearn import NeuralNetClassifier
    net = NeuralNetClassifier(MyModule, module__hidden=64, optimizer=flambeau.optim.Adam, lr=1e-3)
    net.fit(X, y).predict(X)

`import flambeau` does not import scikit-learn; this package needs it.
"""
try:
    import sklearn  # noqa: F401
except ImportError as error:
    raise ImportError("flambeau.sklearn needs scikit-learn: pip install scikit-learn "
                      "(or pip install 'flambeau[sklearn]')") from error

from .callbacks import Callback, EarlyStopping, LRScheduler, StopTraining
from .classifier import NeuralNetClassifier
from .dataset import ValidSplit
from .history import History
from .net import NeuralNet
from .regressor import NeuralNetRegressor

__all__ = ["Callback", "EarlyStopping", "History", "LRScheduler", "NeuralNet", "NeuralNetClassifier",
           "NeuralNetRegressor", "StopTraining", "ValidSplit"]
