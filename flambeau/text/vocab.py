"""Vocab: a bijection between tokens and indices with an optional default index, as torchtext.vocab."""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from .. import nn

__all__ = ["Vocab", "vocab", "build_vocab_from_iterator"]


class Vocab(nn.Module):
    """Tokens in index order; calling it on a list of tokens returns their indices (lookup_indices).

    An unknown token raises RuntimeError unless set_default_index gave it an index.
    """

    def __init__(self, tokens: Iterable[str] = ()) -> None:
        super().__init__()
        self._itos: list[str] = []
        self._stoi: dict[str, int] = {}
        self._default_index: int | None = None
        for token in tokens:
            if token in self._stoi:
                raise RuntimeError(f"Duplicate token found in tokens list: {token}")
            self.append_token(token)

    def forward(self, tokens: list[str]) -> list[int]:
        return self.lookup_indices(tokens)

    def __len__(self) -> int:
        return len(self._itos)

    def __contains__(self, token: str) -> bool:
        return token in self._stoi

    def __getitem__(self, token: str) -> int:
        index = self._stoi.get(token, self._default_index)
        if index is None:
            raise RuntimeError(f"Token {token} not found and default index is not set")
        return index

    def set_default_index(self, index: int | None) -> None:
        """The index returned for out-of-vocabulary tokens (None: raise instead)."""
        self._default_index = index

    def get_default_index(self) -> int | None:
        return self._default_index

    def insert_token(self, token: str, index: int) -> None:
        """Put `token` at `index`, shifting the tokens from there on up by one."""
        if not 0 <= index <= len(self._itos):
            raise RuntimeError(f"Specified index {index} is out of bounds for vocab of size {len(self._itos)}")
        self._check_new(token)
        self._itos.insert(index, token)
        for i in range(index, len(self._itos)):
            self._stoi[self._itos[i]] = i

    def append_token(self, token: str) -> None:
        self._check_new(token)
        self._stoi[token] = len(self._itos)
        self._itos.append(token)

    def _check_new(self, token: str) -> None:
        if token in self._stoi:
            raise RuntimeError(f"Token {token} already exists in the Vocab with index: {self._stoi[token]}")

    def lookup_token(self, index: int) -> str:
        if not 0 <= index < len(self._itos):
            raise RuntimeError(f"Specified index {index} is out of bounds for vocab of size {len(self._itos)}")
        return self._itos[index]

    def lookup_tokens(self, indices: Sequence[int]) -> list[str]:
        return [self.lookup_token(index) for index in indices]

    def lookup_indices(self, tokens: Sequence[str]) -> list[int]:
        return [self[token] for token in tokens]

    def get_stoi(self) -> dict[str, int]:
        """A copy of the token-to-index dictionary."""
        return dict(self._stoi)

    def get_itos(self) -> list[str]:
        """A copy of the tokens in index order."""
        return list(self._itos)

    def extra_repr(self) -> str:
        return f"size={len(self)}, default_index={self._default_index}"


def vocab(ordered_dict: dict[str, int], min_freq: int = 1, specials: Sequence[str] | None = None,
          special_first: bool = True) -> Vocab:
    """A Vocab of the tokens of `ordered_dict` (token -> frequency) seen at least min_freq times, in the dict's
    order, with `specials` (removed from the dict if there) at the beginning or the end."""
    specials = list(specials or [])
    tokens = [token for token, freq in ordered_dict.items() if freq >= min_freq and token not in specials]
    return Vocab(specials + tokens if special_first else tokens + specials)


def build_vocab_from_iterator(iterator: Iterable[Iterable[str]], min_freq: int = 1,
                              specials: Sequence[str] | None = None, special_first: bool = True,
                              max_tokens: int | None = None) -> Vocab:
    """Count the tokens of every token list the iterator yields and build a Vocab of them.

    As torchtext: tokens are ordered by decreasing frequency, ties broken lexicographically; max_tokens (specials
    included) keeps the first max_tokens - len(specials) of that order, before min_freq and the specials' removal.
    """
    counter: Counter[str] = Counter()
    for tokens in iterator:
        counter.update(tokens)
    specials = list(specials or [])
    ordered = sorted(counter.items(), key=lambda item: (-item[1], item[0]))
    if max_tokens is not None:
        if len(specials) >= max_tokens:
            raise ValueError(f"len(specials) = {len(specials)} >= max_tokens = {max_tokens}, "
                             f"so the vocab would hold only special tokens")
        ordered = ordered[:max_tokens - len(specials)]
    return vocab(dict(ordered), min_freq=min_freq, specials=specials, special_first=special_first)
