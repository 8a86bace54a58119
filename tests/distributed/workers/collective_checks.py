"""Under mpirun -n N: every collective's result against the same computation done locally from every
rank's (deterministic) input. Prints `CHECK <rank> <name> ok` per check; a failed check raises, which
aborts the job."""
import flambeau as torch
import flambeau.distributed as dist

dist.init_process_group("mpi", init_method="env://")
rank, world = dist.get_rank(), dist.get_world_size()
ranks = range(world)


def data(r, dtype=torch.float64):
    """Rank r's input, which every rank can compute."""
    return (torch.arange(6, dtype=torch.float64).reshape(2, 3) * (r + 1) + r - 2).to(dtype)


def same(a, b):
    assert a.dtype == b.dtype and a.shape == b.shape and torch.equal(a, b), (a, b)


def check(name, fn):
    fn()
    print(f"CHECK {rank} {name} ok", flush=True)


def all_reduce_ops():
    every = torch.stack([data(r) for r in ranks])
    expected = {dist.ReduceOp.SUM: every.sum(0), dist.ReduceOp.PRODUCT: every.prod(0), dist.ReduceOp.MAX:
                every.amax(0), dist.ReduceOp.MIN: every.amin(0), dist.ReduceOp.AVG: every.sum(0) / world}
    for op, want in expected.items():
        t = data(rank)
        version = t._version
        assert dist.all_reduce(t, op=op) is None
        assert torch.allclose(t, want, rtol=1e-12, atol=0), (op, t, want)
        assert t._version > version  # an in-place write, as in PyTorch
    for dtype in (torch.float32, torch.int64, torch.float16, torch.bfloat16):
        t = data(rank, dtype)
        dist.all_reduce(t)
        same(t, every.sum(0).to(dtype))
    flags = torch.tensor([rank == 0, True, False])
    dist.all_reduce(flags, op=dist.ReduceOp.MAX)
    same(flags, torch.tensor([True, True, False]))
    column = data(rank).t()  # not contiguous: reduced through a copy, written back
    dist.all_reduce(column)
    same(column, every.sum(0).t())


def async_and_groups():
    t = data(rank)
    work = dist.all_reduce(t, async_op=True)
    assert work.wait() is True and work.is_completed()
    same(t, torch.stack([data(r) for r in ranks]).sum(0))
    copies = [data(rank) for _ in range(3)]
    works = [dist.broadcast(x, src=world - 1, async_op=True) for x in copies]
    for w in works:
        w.wait()
    for x in copies:
        same(x, data(world - 1))
    evens = [r for r in ranks if r % 2 == 0]
    pg = dist.new_group(evens)
    if rank in evens:
        assert dist.get_world_size(pg) == len(evens) and dist.get_rank(pg) == evens.index(rank)
        assert dist.get_global_rank(pg, len(evens) - 1) == evens[-1] and dist.get_group_rank(pg, rank) == rank // 2
        t = data(rank)
        dist.all_reduce(t, group=pg)
        same(t, torch.stack([data(r) for r in evens]).sum(0))
    else:
        assert pg == dist.GroupMember.NON_GROUP_MEMBER and dist.get_rank(pg) == -1
    dist.barrier()


def rooted():
    root = world - 1
    t = data(rank)
    dist.reduce(t, dst=root, op=dist.ReduceOp.MAX)
    same(t, torch.stack([data(r) for r in ranks]).amax(0) if rank == root else data(rank))
    out = [torch.zeros(2, 3, dtype=torch.float64) for _ in ranks] if rank == root else None
    dist.gather(data(rank), out, dst=root)
    if rank == root:
        for r in ranks:
            same(out[r], data(r))
    got = torch.zeros(2, 3, dtype=torch.float64)
    dist.scatter(got, [data(r) * 10 for r in ranks] if rank == 0 else None, src=0)
    same(got, data(rank) * 10)


def gathers():
    out = [torch.zeros(2, 3, dtype=torch.float64) for _ in ranks]
    dist.all_gather(out, data(rank))
    for r in ranks:
        same(out[r], data(r))
    flat = torch.zeros(2 * world, 3, dtype=torch.float64)
    dist.all_gather_into_tensor(flat, data(rank))
    same(flat, torch.cat([data(r) for r in ranks]))
    stacked = torch.zeros(world, 2, 3, dtype=torch.float64)
    dist.all_gather_into_tensor(stacked, data(rank))
    same(stacked, torch.stack([data(r) for r in ranks]))


def scatters():
    # rank r contributes data(r) * (i + 1) for destination i
    mine = torch.zeros(2, 3, dtype=torch.float64)
    dist.reduce_scatter(mine, [data(rank) * (i + 1) for i in ranks])
    same(mine, sum(data(r) * (rank + 1) for r in ranks))
    mine = torch.zeros(2, 3, dtype=torch.float64)
    dist.reduce_scatter_tensor(mine, torch.cat([data(rank) * (i + 1) for i in ranks]), op=dist.ReduceOp.AVG)
    same(mine, sum(data(r) * (rank + 1) for r in ranks) / world)


def all_to_all():
    # rank r sends to rank i a block of i + 1 rows filled with 100 r + i
    def block(src, dst):
        return torch.full((dst + 1, 2), float(100 * src + dst))
    outs = [torch.zeros(rank + 1, 2) for _ in ranks]
    dist.all_to_all(outs, [block(rank, i) for i in ranks])
    for r in ranks:
        same(outs[r], block(r, rank))
    out = torch.zeros(world * (rank + 1), 2)
    dist.all_to_all_single(out, torch.cat([block(rank, i) for i in ranks]), [rank + 1] * world,
                           [i + 1 for i in ranks])
    same(out, torch.cat([block(r, rank) for r in ranks]))
    even = torch.arange(world * 2, dtype=torch.int64) + 10 * rank
    out = torch.zeros(world * 2, dtype=torch.int64)
    dist.all_to_all_single(out, even)
    same(out, torch.cat([torch.arange(2 * rank, 2 * rank + 2) + 10 * r for r in ranks]))


def point_to_point():
    if world == 1:
        return
    right, left = (rank + 1) % world, (rank - 1) % world
    got = torch.zeros(2, 3, dtype=torch.float64)
    request = dist.irecv(got, src=left, tag=7)
    dist.isend(data(rank), dst=right, tag=7).wait()
    request.wait()
    same(got, data(left))
    got = torch.zeros(2, 3, dtype=torch.float64)
    works = dist.batch_isend_irecv([dist.P2POp(dist.irecv, got, left, tag=8),
                                    dist.P2POp(dist.isend, data(rank) * 3, right, tag=8)])
    for w in works:
        w.wait()
    same(got, data(left) * 3)
    if rank == 0:
        sources = set()
        for _ in range(world - 1):  # from any rank: recv says which one sent
            t = torch.zeros(1, dtype=torch.int64)
            sender = dist.recv(t)
            assert int(t) == 1000 + sender, (int(t), sender)
            sources.add(sender)
        assert sources == set(range(1, world)), sources
    else:
        dist.send(torch.tensor([1000 + rank]), dst=0)


def objects():
    got = [None] * world
    dist.all_gather_object(got, {"rank": rank, "name": "r" * rank})
    assert got == [{"rank": r, "name": "r" * r} for r in ranks], got
    items = [("config", rank), None, list(range(rank + 3))]
    dist.broadcast_object_list(items, src=0)
    assert items == [("config", 0), None, [0, 1, 2]], items
    gathered = [None] * world if rank == 0 else None
    dist.gather_object(rank * 1.5, gathered, dst=0)
    assert rank != 0 or gathered == [r * 1.5 for r in ranks], gathered
    out = [None]
    dist.scatter_object_list(out, [{"for": r} for r in ranks] if rank == 0 else None, src=0)
    assert out == [{"for": rank}], out


def errors():
    def raises(kind, fn):
        try:
            fn()
        except kind:
            return
        raise AssertionError(f"expected {kind.__name__}")
    raises(RuntimeError, lambda: dist.all_gather([torch.zeros(3)] * (world + 1), torch.zeros(3)))
    raises(TypeError, lambda: dist.all_reduce([1, 2]))
    raises(ValueError, lambda: dist.broadcast(torch.zeros(1)))
    raises(ValueError, lambda: dist.broadcast(torch.zeros(1), src=world))
    raises(RuntimeError, lambda: dist.all_reduce(torch.zeros(2, dtype=torch.int64), op=dist.ReduceOp.AVG))
    raises(ValueError, lambda: dist.init_process_group("mpi"))
    raises(RuntimeError, lambda: dist.new_group(backend="nccl"))


for name, fn in [("all_reduce", all_reduce_ops), ("async_groups", async_and_groups), ("rooted", rooted),
                 ("gathers", gathers), ("scatters", scatters), ("all_to_all", all_to_all),
                 ("point_to_point", point_to_point), ("objects", objects), ("errors", errors)]:
    check(name, fn)
dist.destroy_process_group()
assert not dist.is_initialized()
print(f"CHECK {rank} done ok", flush=True)
