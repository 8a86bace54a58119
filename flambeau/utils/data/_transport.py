"""How a batch crosses from a worker to the main process: pickled with protocol 5, whose out-of-band
buffers (the bytes of every contiguous array, hence of every tensor) are written once into a file in
shared memory (/dev/shm) instead of through the queue's pipe. The main process maps the file, unlinks
it at once, and the unpickled arrays view the mapping directly: no copy on the receiving side, and the
memory is freed when the last tensor viewing it is."""
from __future__ import annotations

import glob
import itertools
import mmap
import os
import pickle
import tempfile

# below this many buffer bytes the pipe is cheaper than creating and mapping a file
_MIN_SHARED_BYTES = 1 << 14
_ALIGN = 64
_SHM_DIR = "/dev/shm" if os.path.isdir("/dev/shm") else tempfile.gettempdir()
_PREFIX = "flambeau_dl_"


class Packed:
    """A batch in transit: the pickle stream plus where its buffers are (in the file `path`, at
    `spans` (offset, length)), or the buffers themselves when they were small."""

    __slots__ = ("stream", "path", "spans", "inline")

    def __init__(self, stream: bytes, path: str | None, spans: list, inline: list) -> None:
        self.stream, self.path, self.spans, self.inline = stream, path, spans, inline

    def __reduce__(self):
        return Packed, (self.stream, self.path, self.spans, self.inline)

    def discard(self) -> None:
        if self.path is not None:
            os.unlink(self.path)

    def unpack(self):
        if self.path is None:
            return pickle.loads(self.stream, buffers=self.inline)
        fd = os.open(self.path, os.O_RDWR)
        try:
            view = memoryview(mmap.mmap(fd, 0))  # the whole file (never empty: small batches go inline)
        finally:
            os.close(fd)
            os.unlink(self.path)
        return pickle.loads(self.stream, buffers=[view[o:o + n] for o, n in self.spans])


class Packer:
    """Worker side: packs batches into files named after one iterator (`tag`), so the main process can
    remove whatever it never received with remove_files(tag)."""

    def __init__(self, tag: str, worker_id: int) -> None:
        self._names = (os.path.join(_SHM_DIR, f"{_PREFIX}{tag}_{worker_id}_{n}") for n in itertools.count())

    def pack(self, obj) -> Packed:
        buffers: list[pickle.PickleBuffer] = []
        stream = pickle.dumps(obj, protocol=5, buffer_callback=buffers.append)
        raws = [b.raw() for b in buffers]
        if sum(r.nbytes for r in raws) < _MIN_SHARED_BYTES:
            return Packed(stream, None, [], [bytes(r) for r in raws])
        spans, end = [], 0
        for r in raws:
            start = -(-end // _ALIGN) * _ALIGN
            spans.append((start, r.nbytes))
            end = start + r.nbytes
        path = next(self._names)
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o600)
        try:
            os.ftruncate(fd, end)
            with mmap.mmap(fd, end) as mm:
                for (start, n), r in zip(spans, raws):
                    mm[start:start + n] = r
        finally:
            os.close(fd)
        return Packed(stream, path, spans, [])


def remove_files(tag: str) -> None:
    """Unlink the shared-memory files of batches packed for `tag` (or for `tag`_worker) but never unpacked."""
    for path in glob.glob(os.path.join(_SHM_DIR, f"{_PREFIX}{tag}_*")):
        try:
            os.unlink(path)
        except FileNotFoundError:  # unpacked meanwhile
            pass
