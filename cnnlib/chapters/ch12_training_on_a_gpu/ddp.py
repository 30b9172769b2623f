"""Data-parallel training of the chapter's network with DistributedDataParallel.

One process per GPU (or per CPU process, on the gloo backend); torchrun starts them
and tells each its rank::

    torchrun --standalone --nproc-per-node 2 \
        -m cnnlib.chapters.ch12_training_on_a_gpu.ddp

Every process holds a whole copy of the model and trains on its own shard of every
global batch (``DistributedSampler``); during ``backward`` DDP averages the gradients
of all processes (an all-reduce), so every copy takes the same step and the copies
stay identical. At the end each rank saves its weights to ``--out/rank<r>.pt`` and
checks, with one more all-reduce, that all ranks agree.
"""
import argparse
import os

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader, DistributedSampler, TensorDataset

from cnnlib.chapters import ch12_training_on_a_gpu as ch12


def arguments(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--batch-size", type=int, default=256, help="global, all ranks")
    p.add_argument("--lr", type=float, default=0.05)
    p.add_argument("--width", type=int, default=8)
    p.add_argument("--n-train", type=int, default=20_000)
    p.add_argument("--synthetic", action="store_true",
                   help="random images instead of Fashion-MNIST (for tests)")
    p.add_argument("--out", default="ddp-run", help="folder for rank<r>.pt")
    p.add_argument("--seed", type=int, default=0)
    return p.parse_args(argv)


def dataset(args):
    if args.synthetic:
        g = torch.Generator().manual_seed(args.seed)
        return TensorDataset(torch.rand(args.n_train, 1, 28, 28, generator=g),
                             torch.randint(0, 10, (args.n_train,), generator=g))
    t = ch12.fashion_tensors(n_train=args.n_train, n_test=1)
    return TensorDataset(t["x_train"], t["y_train"])


def main(argv=None):
    args = arguments(argv)
    cuda = torch.cuda.is_available()
    dist.init_process_group("nccl" if cuda else "gloo")   # reads torchrun's variables
    rank, world = dist.get_rank(), dist.get_world_size()
    local = int(os.environ.get("LOCAL_RANK", 0))
    device = torch.device("cuda", local) if cuda else torch.device("cpu")
    if cuda:
        torch.cuda.set_device(device)
    else:
        torch.set_num_threads(1)

    data = dataset(args)
    sampler = DistributedSampler(data, num_replicas=world, rank=rank, seed=args.seed)
    loader = DataLoader(data, batch_size=args.batch_size // world, sampler=sampler,
                        pin_memory=cuda)
    torch.manual_seed(args.seed)            # DDP also copies rank 0's weights to all
    model = DistributedDataParallel(ch12.fashion_net(args.width).to(device),
                                    device_ids=[local] if cuda else None)
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9)

    for epoch in range(args.epochs):
        sampler.set_epoch(epoch)            # a new shuffle, the same on every rank
        for x, y in loader:                 # this rank's share of one global batch
            x, y = x.to(device, non_blocking=True), y.to(device, non_blocking=True)
            loss = F.cross_entropy(model(x), y)
            optimizer.zero_grad()
            loss.backward()                 # gradients averaged over all ranks here
            optimizer.step()                # the same step on every rank
        if rank == 0:
            print(f"epoch {epoch + 1}: loss on rank 0's last batch {loss.item():.3f}")

    net = model.module
    for buffer in net.buffers():            # BatchNorm statistics: take rank 0's
        dist.broadcast(buffer, 0)
    flat = torch.cat([p.detach().flatten() for p in net.state_dict().values()]).float()
    spread = flat.clone()
    dist.all_reduce(spread, op=dist.ReduceOp.MAX)
    low = flat.clone()
    dist.all_reduce(low, op=dist.ReduceOp.MIN)
    os.makedirs(args.out, exist_ok=True)
    torch.save({k: v.cpu() for k, v in net.state_dict().items()},
               os.path.join(args.out, f"rank{rank}.pt"))
    if rank == 0:
        same = bool(torch.equal(spread, low))
        print(f"{world} ranks on {device.type}: weights identical on every rank: "
              f"{same}")
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
