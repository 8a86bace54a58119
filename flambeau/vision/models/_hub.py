"""Pretrained checkpoints from torch hub's cache directory, without downloading.

flambeau never reaches the network: a checkpoint must already lie where torch.hub would have cached it,
`$TORCH_HOME/hub/checkpoints/<file name of the url>` (TORCH_HOME defaults to `$XDG_CACHE_HOME/torch`,
XDG_CACHE_HOME to `~/.cache`), so checkpoints downloaded by PyTorch are found as they are.
"""
from __future__ import annotations

import hashlib
import os
import re
from typing import Any
from urllib.parse import urlparse

# torch.hub's naming convention: `name-<first digits of the sha256>.ext`
_HASH_REGEX = re.compile(r"-([a-f0-9]*)\.")


def get_dir() -> str:
    """torch.hub.get_dir(): the hub cache directory, `$TORCH_HOME/hub`."""
    cache = os.getenv("XDG_CACHE_HOME", os.path.join("~", ".cache"))
    return os.path.join(os.path.expanduser(os.getenv("TORCH_HOME", os.path.join(cache, "torch"))), "hub")


def cached_checkpoint_path(url: str) -> str:
    """Where torch.hub caches the file behind `url`."""
    return os.path.join(get_dir(), "checkpoints", os.path.basename(urlparse(url).path))


def _sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load_state_dict_from_url(url: str, map_location: Any = None, progress: bool = True,
                             check_hash: bool = False) -> dict[str, Any]:
    """torch.hub.load_state_dict_from_url for an already cached file (`progress` is accepted and unused:
    nothing is downloaded). check_hash: the file's sha256 must start with the hex digits in its name."""
    from ... import load

    path = cached_checkpoint_path(url)
    if not os.path.isfile(path):
        raise FileNotFoundError(
            f"pretrained weights not found: {path} does not exist. flambeau does not download; get the file from "
            f"{url} (or let PyTorch's torch.hub download it once) and put it at that path. The directory is "
            f"$TORCH_HOME/hub/checkpoints, TORCH_HOME defaulting to $XDG_CACHE_HOME/torch or ~/.cache/torch.")
    match = _HASH_REGEX.search(os.path.basename(path))
    if check_hash and match:
        prefix, digest = match.group(1), _sha256(path)
        if not digest.startswith(prefix):
            raise RuntimeError(f'invalid hash value (expected "{prefix}", got "{digest}") for {path}; the file is '
                               f"corrupt or not the one at {url}")
    return load(path, map_location=map_location)
