"""What each process started by flambeau.distributed.run executes before the user's script: it sets
torchrun's per-rank variables from Open MPI's, runs the script as __main__, and records its exit code for
the launcher (which cannot learn it from mpirun when a rank is killed, see run.py). A non-zero sys.exit
after init_process_group ends the whole job with that code rather than waiting in MPI_Finalize for
peers that may be waiting for this rank."""
from __future__ import annotations

import os
import runpy
import sys

from . import faults
from .process_group import is_initialized

STATUS_DIR = "FLAMBEAU_RUN_STATUS_DIR"


def _set_rank_variables() -> None:
    env = os.environ
    env["RANK"] = env["ROLE_RANK"] = env.get("OMPI_COMM_WORLD_RANK", "0")
    env["LOCAL_RANK"] = env.get("OMPI_COMM_WORLD_LOCAL_RANK", "0")
    env["WORLD_SIZE"] = env.get("OMPI_COMM_WORLD_SIZE", env.get("WORLD_SIZE", "1"))
    env["LOCAL_WORLD_SIZE"] = env.get("OMPI_COMM_WORLD_LOCAL_SIZE", env.get("LOCAL_WORLD_SIZE", "1"))


def _record(code: int | None) -> None:
    """Leave the exit code (or, when None, the process id) where the launcher reads them."""
    folder = os.environ.get(STATUS_DIR)
    if folder:
        name = os.environ["RANK"] if code is not None else f"pid.{os.environ['RANK']}"
        with open(os.path.join(folder, name), "w") as f:
            f.write(str(os.getpid() if code is None else code))


def _exit_code(e: SystemExit) -> int:
    if e.code is None:
        return 0
    if isinstance(e.code, int):
        return e.code
    print(e.code, file=sys.stderr)
    return 1


def main() -> None:
    """argv: [-m] target args..."""
    as_module = sys.argv[1] == "-m"
    target, args = sys.argv[2 if as_module else 1], sys.argv[(3 if as_module else 2):]
    _set_rank_variables()
    _record(None)
    sys.argv = [target, *args]
    if not as_module:
        sys.path[0] = os.path.dirname(os.path.abspath(target))  # as `python script.py` would
    try:
        if as_module:
            runpy.run_module(target, run_name="__main__", alter_sys=True)
        else:
            runpy.run_path(target, run_name="__main__")
        code = 0
    except SystemExit as e:
        code = _exit_code(e)
    except BaseException:
        _record(1)
        raise  # to the excepthook, which aborts the job once the process group exists
    _record(code)
    if code and is_initialized():
        faults.abort(code)
    sys.exit(code)


if __name__ == "__main__":
    main()
