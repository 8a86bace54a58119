"""What the distributions with one success probability share: the parameter given either as probs or
as logits, the other computed lazily, and expanded together."""
from __future__ import annotations

from .utils import broadcast_all, lazy_property, logits_to_probs, probs_to_logits


def _one_of(probs, logits) -> None:
    if (probs is None) == (logits is None):
        raise ValueError("Either `probs` or `logits` must be specified, but not both.")


class BinaryProbsLogits:
    """Mixin for Bernoulli-like distributions parameterised by probs or (binary) logits."""

    def _set_param(self, probs, logits, *others) -> list:
        """Keep the given one of probs/logits broadcast with `others`; return `others` in its dtype."""
        _one_of(probs, logits)
        name, given = ("probs", probs) if probs is not None else ("logits", logits)
        param, *others = broadcast_all(given, *others)
        setattr(self, name, param)
        self._param = param
        return [other.type_as(param) for other in others]

    def _expand_param(self, new, batch_shape) -> None:
        for name in ("probs", "logits"):
            if name in self.__dict__:
                setattr(new, name, getattr(self, name).expand(batch_shape))
                new._param = getattr(new, name)

    def _new(self, *args, **kwargs):
        return self._param.new_tensor(*args, **kwargs)

    @lazy_property
    def logits(self):
        return probs_to_logits(self.probs, is_binary=True)

    @lazy_property
    def probs(self):
        return logits_to_probs(self.logits, is_binary=True)

    @property
    def param_shape(self):
        return self._param.size()
