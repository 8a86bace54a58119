"""History: one dict per epoch, read by row and key as skorch's `net.history[:, 'train_loss']`."""
from __future__ import annotations

from typing import Any


class History(list):
    """A list of per-epoch records. `history[-1]` is the last record, `history[-1, 'valid_loss']` one of
    its values and `history[:, 'train_loss']` that value across epochs (a KeyError names a missing key)."""

    def __getitem__(self, key: Any) -> Any:
        if not isinstance(key, tuple):
            return super().__getitem__(key)
        rows, name = key
        selected = super().__getitem__(rows)
        if isinstance(rows, slice):
            return [record[name] for record in selected]
        return selected[name]

    def new_epoch(self) -> dict:
        """Append the record of the next epoch (numbered from 1) and return it for filling in."""
        record = {"epoch": len(self) + 1}
        self.append(record)
        return record
