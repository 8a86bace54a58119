"""A failing rank: argv[1] says how rank 1 fails ("early": SIGKILLs itself before MPI starts; "kill": SIGKILLs
itself; "hang": sleeps far beyond the timeout; "raise": raises ValueError; "sleep": every rank reports its pid
and sleeps, to be stopped by a signal); argv[2] is a tag naming the job. Rank 0 meanwhile waits in all_reduce
and reports (`CHECK 0 raised <seconds> <error>`) how it ended; the error then aborts the job."""
import os
import signal
import sys
import time
from datetime import timedelta

import flambeau as torch
import flambeau.distributed as dist

TIMEOUT_S = 4
if sys.argv[1] == "early" and os.environ["RANK"] == "1":
    os.kill(os.getpid(), signal.SIGKILL)
dist.init_process_group("mpi", timeout=timedelta(seconds=TIMEOUT_S))
rank, how = dist.get_rank(), sys.argv[1]
dist.barrier()
if how == "sleep":
    print(f"CHECK {rank} sleeping {os.getpid()}", flush=True)
    time.sleep(120)
if rank == 1:
    if how == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    elif how == "hang":
        time.sleep(120)
    raise ValueError("boom from rank 1")
start = time.monotonic()
try:
    dist.all_reduce(torch.ones(3))
except dist.DistBackendError as e:
    print(f"CHECK {rank} raised {time.monotonic() - start:.2f} {e}", flush=True)
    raise
