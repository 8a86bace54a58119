"""flambeau.utils.tensorboard: SummaryWriter writes TensorBoard event files (torch.utils.tensorboard).

The `tensorboard` package is the optional 'tensorboard' extra: its protobufs and record writer do the
writing, so it is imported here and never by `import flambeau` or `import flambeau.utils`.
"""
try:
    import tensorboard  # noqa: F401  (only checks that the extra is installed)
except ImportError as e:
    raise ImportError("TensorBoard logging requires TensorBoard: pip install tensorboard "
                      "(or pip install 'flambeau[tensorboard]')") from e

from tensorboard.summary.writer.record_writer import RecordWriter

from .writer import FileWriter, SummaryWriter

__all__ = ["FileWriter", "RecordWriter", "SummaryWriter"]
