"""flambeau.distributed's collectives on 1, 2 and 3 MPI processes equal the same computation done locally
(the checks run in workers/collective_checks.py; a failed one aborts the job)."""
import subprocess
import sys

import pytest

import flambeau
import flambeau.distributed as dist

from _launch import REPO, checks, mpirun

NAMES = ["all_reduce", "async_groups", "rooted", "gathers", "scatters", "all_to_all", "point_to_point", "objects",
         "errors", "done"]


@pytest.mark.parametrize("n", [1, 2, 3])
def test_collectives_match_local_results(n):
    found = checks(mpirun("collective_checks.py", n, timeout=120))
    assert set(found) == {(r, name) for r in range(n) for name in NAMES}


def test_importing_needs_no_mpi_and_errors_before_init():
    code = ("import sys, flambeau, flambeau.distributed as d, flambeau.nn.parallel; "
            "print('mpi4py' in sys.modules, d.is_available(), d.is_initialized())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert out.stdout.split() == ["False", "True", "False"], out.stderr
    with pytest.raises(ValueError, match="Default process group has not been initialized"):
        dist.get_rank()
    with pytest.raises(ValueError, match="has not been initialized"):
        dist.all_reduce(flambeau.zeros(2))
    with pytest.raises(RuntimeError, match="NCCL"):
        dist.init_process_group("nccl")
    with pytest.raises(ValueError, match="Invalid backend"):
        dist.init_process_group("carrier-pigeon")
    assert dist.ReduceOp.SUM is dist.ReduceOp.RedOpType.SUM and dist.ReduceOp.MAX != dist.ReduceOp.MIN


def test_missing_mpi4py_names_the_extra():
    code = ("import sys; sys.modules['mpi4py'] = None\n"
            "import flambeau.distributed as d\n"
            "assert not d.is_mpi_available()\n"
            "try:\n    d.init_process_group('mpi')\nexcept RuntimeError as e:\n    print(e)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert "flambeau[distributed]" in out.stdout, out.stderr


def test_torch_distributed_after_import_and_gloo_served_by_mpi():
    """`torch.distributed` needs no import of its own, and CPU scripts that ask for "gloo" run (over MPI)."""
    code = ("import flambeau as torch\n"
            "torch.distributed.init_process_group('gloo')\n"
            "t = torch.ones(3)\n"
            "torch.distributed.all_reduce(t)\n"
            "print(torch.distributed.is_gloo_available(), torch.distributed.get_world_size(), t.tolist())\n"
            "torch.distributed.destroy_process_group()")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert out.stdout.split("\n")[0] == "True 1 [1.0, 1.0, 1.0]", out.stderr
