"""Under mpirun -n 2 (any N works): DistributedDataParallel, no_sync, find_unused_parameters, SyncBatchNorm and
DistributedSampler against single-process computations on the concatenated batch. Prints
`CHECK <rank> <name> <value>`; a failed check raises, which aborts the job."""
import copy

import flambeau as torch
import flambeau.distributed as dist
import flambeau.nn as nn
import flambeau.nn.functional as F
from flambeau.nn.parallel import DistributedDataParallel as DDP

dist.init_process_group("mpi")
rank, world = dist.get_rank(), dist.get_world_size()
PER_RANK = 4


def report(name, value):
    print(f"CHECK {rank} {name} {value}", flush=True)


def net():
    return nn.Sequential(nn.Linear(5, 16), nn.Tanh(), nn.Linear(16, 16), nn.Tanh(), nn.Linear(16, 3)).double()


def batch(step):
    """The whole batch of a step (every rank draws the same) and this rank's part of it."""
    g = torch.Generator().manual_seed(100 + step)
    x = torch.randn(PER_RANK * world, 5, generator=g, dtype=torch.float64)
    y = torch.randn(PER_RANK * world, 3, generator=g, dtype=torch.float64)
    part = slice(rank * PER_RANK, (rank + 1) * PER_RANK)
    return x, y, x[part], y[part]


def max_diff(a, b):
    return max(float((p - q).abs().max()) for p, q in zip(a.parameters(), b.parameters()))


def training_matches_one_process():
    torch.manual_seed(0)
    reference = net()
    torch.manual_seed(rank)  # different initial weights: DDP must start every rank from rank 0's
    model = DDP(net(), bucket_cap_mb=0.0005)
    assert len(model.reducer.buckets) > 1
    if rank == 0:
        assert max_diff(model.module, reference) == 0
    pending_at_launch = []  # how many parameters still waited for their gradient as each bucket started
    launch = model.reducer._launch
    model.reducer._launch = lambda b: (pending_at_launch.append(sum(model.reducer.waiting)), launch(b))
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    ref_opt = torch.optim.SGD(reference.parameters(), lr=0.1, momentum=0.9)
    for step in range(6):
        x, y, xs, ys = batch(step)
        opt.zero_grad()
        F.mse_loss(model(xs), ys).backward()
        opt.step()
        ref_opt.zero_grad()
        F.mse_loss(reference(x), y).backward()
        ref_opt.step()
    report("ddp_max_diff", max_diff(model.module, reference))
    buckets = len(model.reducer.buckets)
    assert len(pending_at_launch) == 6 * buckets
    assert pending_at_launch[0] > 0  # the first bucket's all-reduce started while backward went on
    keys = list(model.state_dict())
    assert keys == ["module." + k for k in reference.state_dict()], keys


def with_sync_batch_norm():
    """DDP around SyncBatchNorm (whose all-reduces run in backward too, beside DDP's buckets) trains as
    batch norm on the whole batch in one process."""
    torch.manual_seed(0)
    reference = nn.Sequential(nn.Linear(5, 8), nn.BatchNorm1d(8), nn.Tanh(), nn.Linear(8, 3)).double()
    model = DDP(nn.SyncBatchNorm.convert_sync_batchnorm(copy.deepcopy(reference)), bucket_cap_mb=0.0002,
                find_unused_parameters=True)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    ref_opt = torch.optim.SGD(reference.parameters(), lr=0.1)
    for step in range(4):
        x, y, xs, ys = batch(step)
        opt.zero_grad()
        F.mse_loss(model(xs), ys).backward()
        opt.step()
        ref_opt.zero_grad()
        F.mse_loss(reference(x), y).backward()
        ref_opt.step()
    stats = float((model.module[1].running_var - reference[1].running_var).abs().max())
    report("ddp_syncbn_max_diff", max(max_diff(model.module, reference), stats))


def no_sync_accumulates():
    torch.manual_seed(0)
    reference = net()
    model = DDP(copy.deepcopy(reference))
    for step in range(3):
        x, y, xs, ys = batch(step)
        F.mse_loss(reference(x), y).backward()
        if step < 2:
            with model.no_sync():
                F.mse_loss(model(xs), ys).backward()
            if step == 0:  # local gradients only: they differ between the ranks
                grads = [None] * world
                dist.all_gather_object(grads, model.module[0].bias.grad.tolist())
                assert world == 1 or grads[0] != grads[1]
        else:
            F.mse_loss(model(xs), ys).backward()
    diff = max(float((p.grad - q.grad).abs().max()) for p, q in zip(model.module.parameters(), reference.parameters()))
    report("no_sync_grad_diff", diff)


class TwoHeads(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Linear(3, 4).double()
        self.a = nn.Linear(4, 2).double()
        self.b = nn.Linear(4, 2).double()
        self.never = nn.Linear(4, 2).double()

    def forward(self, x, use_b):
        h = self.body(x)
        return self.a(h) + self.b(h) if use_b else self.a(h)


def unused_parameters():
    torch.manual_seed(0)
    model = DDP(TwoHeads(), find_unused_parameters=True)
    x = torch.ones(2, 3, dtype=torch.float64) * (rank + 1)
    for _ in range(2):  # a second iteration must not find the first unfinished
        model.zero_grad()
        model(x, use_b=rank == 0).sum().backward()
    local = TwoHeads()
    local.load_state_dict(model.module.state_dict())
    local(torch.ones(2, 3, dtype=torch.float64), True).sum().backward()  # rank 0's gradients
    assert torch.allclose(model.module.b.weight.grad, local.b.weight.grad / world)  # averaged with zeros
    assert model.module.never.weight.grad is None  # used by no rank: left alone, as in PyTorch
    strict = DDP(TwoHeads())
    strict(x, use_b=False).sum().backward()
    try:
        strict(x, use_b=False)
    except RuntimeError as e:
        assert "find_unused_parameters=True" in str(e)
    else:
        raise AssertionError("an unfinished reduction went unnoticed")
    report("unused", "ok")


def sync_batch_norm():
    sizes = [r + 2 for r in range(world)]  # uneven parts of the batch
    g = torch.Generator().manual_seed(7)
    x = torch.randn(sum(sizes), 3, 4, 4, generator=g, dtype=torch.float64) * 2 + 1
    weights = torch.randn(sum(sizes), 3, 4, 4, generator=g, dtype=torch.float64)
    part = slice(sum(sizes[:rank]), sum(sizes[:rank + 1]))
    torch.manual_seed(0)
    bn = nn.Sequential(nn.Conv2d(3, 3, 1), nn.BatchNorm2d(3)).double()
    with torch.no_grad():
        bn[1].weight.uniform_(0.5, 1.5)
        bn[1].bias.uniform_(-0.5, 0.5)
    sync = nn.SyncBatchNorm.convert_sync_batchnorm(copy.deepcopy(bn))
    assert isinstance(sync[1], nn.SyncBatchNorm)
    xs = x[part].clone().requires_grad_()
    out = sync(xs)
    (out * weights[part]).sum().backward()
    xr = x.clone().requires_grad_()
    ref = bn(xr)
    (ref * weights).sum().backward()
    forward = float((out - ref[part]).abs().max())
    backward = float((xs.grad - xr.grad[part]).abs().max())
    for p, q in zip(sync.parameters(), bn.parameters()):  # each rank holds its part of the parameters' gradients
        g = p.grad.clone()
        dist.all_reduce(g)
        backward = max(backward, float((g - q.grad).abs().max()))
    stats = max(float((sync[1].running_mean - bn[1].running_mean).abs().max()),
                float((sync[1].running_var - bn[1].running_var).abs().max()))
    sync.eval()
    assert torch.allclose(sync(x), bn.eval()(x))
    report("syncbn_forward", forward)
    report("syncbn_backward", backward)
    report("syncbn_stats", stats)


def sampler():
    data = list(range(10))
    mine = list(torch.utils.data.DistributedSampler(data, shuffle=False))
    every = [None] * world
    dist.all_gather_object(every, mine)
    assert sorted(set(sum(every, []))) == data and len(set(map(len, every))) == 1
    assert mine == (data + data)[rank:len(mine) * world:world]
    report("sampler", ",".join(map(str, mine)))


for check in (training_matches_one_process, with_sync_batch_norm, no_sync_accumulates, unused_parameters,
              sync_batch_norm, sampler):
    check()
dist.destroy_process_group()
