import os
import sys

sys.path.insert(0, os.path.dirname(__file__))


def pytest_collection_modifyitems(config, items):
    """Long end-to-end runs (marked slow) first. Under xdist the two workers then start on them side by side and
    the short tests fill in around them, instead of one worker finishing a long run alone at the end."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


def pytest_configure(config):
    """Under xdist the workers share the cores: one intra-op thread each for flambeau and PyTorch, instead of one
    per core in every worker. NOTE: with two workers of two threads on two cores, BLAS threads spun waiting for
    each other: the generative tests' classifier fixture took 52 s in the suite and 15 s alone on one thread.
    Tests of threading set the count they test themselves."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        import flambeau
        import torch
        flambeau.set_num_threads(1)
        torch.set_num_threads(1)
