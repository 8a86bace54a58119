"""Started by flambeau.distributed.run: reports the launcher's variables, checks them against the process
group, then exits with argv[1] as its code on rank 1 (0 elsewhere); argv[2] is a tag naming the job."""
import json
import os
import sys

import flambeau.distributed as dist

names = ["RANK", "LOCAL_RANK", "WORLD_SIZE", "LOCAL_WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT"]
env = {k: os.environ.get(k) for k in names}
dist.init_process_group("mpi", init_method="env://")
assert dist.get_rank() == int(env["RANK"]) and dist.get_world_size() == int(env["WORLD_SIZE"])
print(f"CHECK {env['RANK']} env {json.dumps({**env, 'argv': sys.argv[1:]})}", flush=True)
dist.barrier()
if dist.get_rank() == 1:
    sys.exit(int(sys.argv[1]))
