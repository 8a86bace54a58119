"""DistributedDataParallel, SyncBatchNorm and DistributedSampler on 2 MPI processes against one process on the
concatenated batch, in float64 (the checks run in workers/ddp_checks.py; a failed one aborts the job)."""
import pytest

import flambeau.utils.data as data

from _launch import checks, mpirun


@pytest.fixture(scope="module")
def found():
    return checks(mpirun("ddp_checks.py", 2, timeout=180))


@pytest.mark.parametrize("name", ["ddp_max_diff", "ddp_syncbn_max_diff", "no_sync_grad_diff", "syncbn_forward",
                                  "syncbn_backward", "syncbn_stats"])
def test_equals_one_process_on_the_whole_batch(found, name):
    for rank in range(2):
        assert float(found[rank, name]) < 1e-6, (rank, name, found[rank, name])


def test_unused_parameters_and_sampler(found):
    assert found[0, "unused"] == found[1, "unused"] == "ok"
    assert found[0, "sampler"] == "0,2,4,6,8" and found[1, "sampler"] == "1,3,5,7,9"


def test_sampler_partitions_without_a_process_group():
    n, replicas = 11, 3
    parts = [list(data.DistributedSampler(range(n), num_replicas=replicas, rank=r, seed=5)) for r in range(replicas)]
    assert len({len(p) for p in parts}) == 1 and len(parts[0]) == 4
    assert set(sum(parts, [])) == set(range(n))  # padded by repeating: 12 indices cover all 11
    dropped = [list(data.DistributedSampler(range(n), replicas, r, shuffle=False, drop_last=True))
               for r in range(replicas)]
    assert dropped == [[0, 3, 6], [1, 4, 7], [2, 5, 8]]
    with pytest.raises(ValueError, match="Invalid rank"):
        data.DistributedSampler(range(n), num_replicas=2, rank=2)
    with pytest.raises(ValueError, match="has not been initialized"):
        data.DistributedSampler(range(n))
