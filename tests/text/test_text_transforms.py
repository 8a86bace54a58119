"""torchtext-style transforms on single sequences and batches, alone and chained."""
import pytest

import flambeau
from flambeau.text import Vocab
from flambeau.text import transforms as T


def test_truncate_and_add_token():
    assert T.Truncate(2)(["a", "b", "c"]) == ["a", "b"]
    assert T.Truncate(2)([[1, 2, 3], [4]]) == [[1, 2], [4]]
    assert T.AddToken("<bos>")(["a"]) == ["<bos>", "a"]
    assert T.AddToken(9, begin=False)([[1], []]) == [[1, 9], [9]]
    assert T.AddToken(0)([]) == [0]
    with pytest.raises(TypeError, match="Input type not supported"):
        T.Truncate(2)("abc")


def test_vocab_transform():
    v = Vocab(["<unk>", "a", "b"])
    v.set_default_index(0)
    assert T.VocabTransform(v)(["b", "zz", "a"]) == [2, 0, 1]
    assert T.VocabTransform(v)([["a"], ["b", "b"]]) == [[1], [2, 2]]
    with pytest.raises(TypeError, match="Vocab"):
        T.VocabTransform({"a": 1})


def test_to_tensor_pads_batches_only_when_asked():
    assert flambeau.equal(T.ToTensor()([3, 4]), flambeau.tensor([3, 4]))
    padded = T.ToTensor(padding_value=-1)([[1, 2, 3], [4]])
    assert padded.dtype == flambeau.int64
    assert padded.tolist() == [[1, 2, 3], [4, -1, -1]]
    assert T.ToTensor(dtype=flambeau.int32)([[1], [2]]).dtype == flambeau.int32
    with pytest.raises(ValueError):
        T.ToTensor()([[1, 2], [3]])


def test_pad_transform():
    x = flambeau.tensor([[1, 2], [3, 4]])
    assert T.PadTransform(4, 0)(x).tolist() == [[1, 2, 0, 0], [3, 4, 0, 0]]
    assert T.PadTransform(1, 0)(x) is x


def test_label_to_index():
    labels = T.LabelToIndex(["sports", "business", "arts"], sort_names=True)
    assert labels.label_names == ["arts", "business", "sports"]
    assert labels("sports") == 2 and labels(["arts", "business"]) == [0, 1]
    with pytest.raises(RuntimeError, match="not found"):
        labels("science")


def test_sequential_pipeline_from_text_to_padded_batch():
    v = Vocab(["<pad>", "<bos>", "<eos>", "the", "cat", "sat"])
    pipeline = T.Sequential(T.Truncate(2), T.VocabTransform(v), T.AddToken(1), T.AddToken(2, begin=False),
                            T.ToTensor(padding_value=0))
    assert pipeline([["the", "cat", "sat"], ["sat"]]).tolist() == [[1, 3, 4, 2], [1, 5, 2, 0]]
    assert len(pipeline) == 5
