"""TODO (runtime owner): set_num_threads, set_printoptions, is_tensor, numel, result_type, promote_types, can_cast..."""
from __future__ import annotations

__all__: list = []
