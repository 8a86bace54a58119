import os
import sys

sys.path.insert(0, os.path.dirname(__file__))


def pytest_collection_modifyitems(config, items):
    """Long end-to-end runs (marked slow) first. Under xdist the two workers then start on them side by side and
    the short tests fill in around them, instead of one worker finishing a long run alone at the end."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)
