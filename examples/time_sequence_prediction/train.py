"""Two stacked LSTMCells learn sine waves with L-BFGS: pytorch/examples' time_sequence_prediction, on flambeau.

PyTorch's example first runs generate_sine_wave.py to write traindata.pt; here `sine_waves` builds the
same 100 phase-shifted waves (NumPy seed 2) in memory. Each step is one L-BFGS step (up to 20
evaluations of the loss); after each, the model is run on the 3 held-out waves and then --future more
steps on its own predictions. PyTorch's script draws those predictions with matplotlib; this one
prints the test loss only.

    python examples/time_sequence_prediction/train.py --steps 15
"""
from __future__ import annotations

import argparse

import numpy as np

import flambeau as torch
import flambeau.nn as nn
import flambeau.optim as optim

HIDDEN = 51


def sine_waves(n: int = 100, length: int = 1000, period: float = 20.0) -> np.ndarray:
    """n sine waves of `length` samples, each shifted by a random whole number of samples."""
    rng = np.random.RandomState(2)
    x = np.arange(length) + rng.randint(-4 * period, 4 * period, n).reshape(n, 1)
    return np.sin(x / period).astype("float64")


class Sequence(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm1 = nn.LSTMCell(1, HIDDEN)
        self.lstm2 = nn.LSTMCell(HIDDEN, HIDDEN)
        self.linear = nn.Linear(HIDDEN, 1)

    def forward(self, input, future: int = 0):
        outputs = []
        h_t, c_t, h_t2, c_t2 = (torch.zeros(input.size(0), HIDDEN, dtype=torch.double) for _ in range(4))
        for input_t in input.split(1, dim=1):
            h_t, c_t = self.lstm1(input_t, (h_t, c_t))
            h_t2, c_t2 = self.lstm2(h_t, (h_t2, c_t2))
            output = self.linear(h_t2)
            outputs += [output]
        for _ in range(future):  # if we should predict the future
            h_t, c_t = self.lstm1(output, (h_t, c_t))
            h_t2, c_t2 = self.lstm2(h_t, (h_t2, c_t2))
            output = self.linear(h_t2)
            outputs += [output]
        return torch.cat(outputs, dim=1)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=15, help="steps to run")
    parser.add_argument("--length", type=int, default=1000, help="samples per wave (shorter runs faster)")
    parser.add_argument("--future", type=int, default=1000, help="steps the test run predicts past the data")
    opt = parser.parse_args(argv)
    np.random.seed(0)
    torch.manual_seed(0)
    data = sine_waves(length=opt.length)
    input = torch.from_numpy(data[3:, :-1])
    target = torch.from_numpy(data[3:, 1:])
    test_input = torch.from_numpy(data[:3, :-1])
    test_target = torch.from_numpy(data[:3, 1:])
    seq = Sequence()
    seq.double()
    criterion = nn.MSELoss()
    # use LBFGS as optimizer since we can load the whole data to train
    optimizer = optim.LBFGS(seq.parameters(), lr=0.8)
    for i in range(opt.steps):
        print("STEP: ", i)

        def closure():
            optimizer.zero_grad()
            loss = criterion(seq(input), target)
            print("loss:", loss.item())
            loss.backward()
            return loss

        optimizer.step(closure)
        # begin to predict, no need to track gradient here
        with torch.no_grad():
            pred = seq(test_input, future=opt.future)
            loss = criterion(pred[:, :pred.size(1) - opt.future], test_target)
            print("test loss:", loss.item(), flush=True)


if __name__ == "__main__":
    main()
