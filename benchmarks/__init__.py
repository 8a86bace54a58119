"""flambeau's benchmark suite: every workload written once against the PyTorch API and timed with
PyTorch and with flambeau, alternately, each run in its own process with the same thread count.

    python -m benchmarks [--only NAME[,NAME]] [--quick] [--threads N] [--json PATH] [--list]

See run.py for the protocol and workloads/ for the registry.
"""
