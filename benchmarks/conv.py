"""Forward + backward time of cnnlib's numpy convolution and pooling against torch on the CPU.

    python benchmarks/conv.py [--rounds 15] [--threads 2] [--only max_pool]

Method: same process, float32, same inputs, one warm-up each; then ``rounds``
interleaved rounds (cnnlib, torch, cnnlib, torch, ...) and the *minimum* of each
side is compared. On a shared machine other load only ever adds time, and it
comes and goes within seconds, so a median of consecutive runs swings 2-4x while
interleaved minima are stable to ~10%. Goals: ratio (cnnlib / torch) at most 2
for convolution, at most 1.2 for 2x2 max pooling. This is a measurement, not a
test: timings depend on the machine.

Threads: ``--threads`` sets both numpy's BLAS threads and torch's (default: both
libraries' own default, two here). With two, each library's idle threads spin for a
while after its calls and slow the other's next call on this two-core machine, so
the interleaved minima of both sides come out higher than either alone; one thread
each removes that interplay and is the steadier comparison. Print both.
"""
import argparse
import time

import numpy as np
import torch
import torch.nn.functional as TF
from threadpoolctl import threadpool_limits

import cnnlib.functional as F

# (name, op, input shape, weight shape or pooling window, keyword arguments)
CASES = [
    ("conv2d 64x3x32x32, 16 filters 3x3", "conv", (64, 3, 32, 32), (16, 3, 3, 3), dict(padding=1)),
    ("conv2d 64x16x16x16, 32 filters 3x3", "conv", (64, 16, 16, 16), (32, 16, 3, 3), dict(padding=1)),
    ("conv2d 8x3x224x224, 64 filters 11x11 s4", "conv", (8, 3, 224, 224), (64, 3, 11, 11), dict(stride=4, padding=2)),
    ("conv1d 32x1x16000, 8 filters 9", "conv", (32, 1, 16000), (8, 1, 9), dict(padding=4)),
    ("max_pool2d 64x16x32x32, 2x2", "pool", (64, 16, 32, 32), 2, {}),
]


def numpy_step(op, x, w, kwargs):
    if op == "conv":
        conv, backward = {3: (F.conv1d, F.conv1d_backward), 4: (F.conv2d, F.conv2d_backward)}[x.ndim]
        y = conv(x, w, **kwargs)
        return backward(np.ones_like(y), x, w, **kwargs)
    y = F.max_pool2d(x, w)
    return F.max_pool2d_backward(np.ones_like(y), x, w)


def torch_step(op, x, w, kwargs):
    x = x.detach().requires_grad_(True)
    if op == "conv":
        w = w.detach().requires_grad_(True)
        y = {3: TF.conv1d, 4: TF.conv2d}[x.dim()](x, w, **kwargs)
    else:
        y = TF.max_pool2d(x, w)
    y.backward(torch.ones_like(y))
    return x.grad


def interleaved_minima(fns, rounds):
    """Run each of ``fns`` once per round, alternating; return each one's fastest time."""
    for fn in fns:
        fn()   # warm-up: allocations, BLAS thread start
    best = [float("inf")] * len(fns)
    for _ in range(rounds):
        for i, fn in enumerate(fns):
            start = time.perf_counter()
            fn()
            best[i] = min(best[i], time.perf_counter() - start)
    return best


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--threads", type=int, default=0, help="threads for numpy's BLAS and torch (0: defaults)")
    parser.add_argument("--only", default="", help="run only the cases whose name contains this")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
        threadpool_limits(args.threads, user_api="blas")
    rng = np.random.default_rng(0)
    blas = threadpool_limits(user_api="blas").get_original_num_threads()["blas"]
    print(f"numpy {np.__version__}, torch {torch.__version__}; threads: numpy BLAS {blas}, torch {torch.get_num_threads()}")
    print(f"method: {args.rounds} interleaved rounds (cnnlib, torch, ...) after a warm-up; minimum of each side")
    print("| case (forward + backward, float32) | cnnlib ms | torch ms | ratio |")
    print("|---|---:|---:|---:|")
    for name, op, x_shape, w_shape, kwargs in CASES:
        if args.only not in name:
            continue
        x = rng.normal(size=x_shape).astype(np.float32)
        w = rng.normal(size=w_shape).astype(np.float32) if op == "conv" else w_shape
        xt, wt = torch.from_numpy(x), torch.from_numpy(w) if op == "conv" else w
        ours, theirs = interleaved_minima([lambda: numpy_step(op, x, w, kwargs), lambda: torch_step(op, xt, wt, kwargs)],
                                          args.rounds)
        print(f"| {name} | {ours * 1e3:.1f} | {theirs * 1e3:.1f} | {ours / theirs:.2f} |", flush=True)


if __name__ == "__main__":
    main()
