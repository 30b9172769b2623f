"""cnnlib.layers against torch.nn on the CPU: a Conv2d layer's forward + backward, and
one epoch of chapter 8's digits CNN.

    python benchmarks/layers.py [--rounds 15] [--threads 1] [--only conv]

Method (as ``benchmarks/conv.py``): same process, float32, same inputs and weights, one
warm-up each, then ``rounds`` interleaved rounds (cnnlib, torch, cnnlib, torch, ...) and
the *minimum* of each side is compared. The machines this runs on are shared and noisy:
other load only ever adds time, so minima of interleaved rounds are stable where means
and medians swing several-fold. ``--threads`` sets both numpy's BLAS threads and
torch's (default 1: the matrices of these layers are small, and on a shared two-core
machine two threads of each library mostly wait for each other).

* Conv2d: ``layer.forward(x)`` then ``layer.backward(g)`` (input, weight and bias
  gradients; the im2col columns are built once) against ``torch.nn.Conv2d`` forward +
  ``backward`` with ``x.requires_grad``, on ``benchmarks/conv.py``'s 2D cases. Goal:
  ratio (cnnlib / torch) at most 1.5.
* One epoch: 1,347 training digits in mini-batches of 32 through chapter 8's network
  (forward, loss, backward, Adam step) in ``cnnlib.layers`` and in ``torch.nn``, the
  same initial weights and batches. Goal: ratio at most 3.

A measurement, not a test: timings depend on the machine and its load.
"""

import argparse

import numpy as np
import torch
from threadpoolctl import threadpool_limits

from cnnlib import layers as L
from cnnlib.chapters import ch08_training_a_cnn as ch08
from conv import CASES, interleaved_minima


def conv_cases(rng):
    """(name, cnnlib step, torch step) for each 2D convolution of benchmarks/conv.py."""
    for name, op, x_shape, w_shape, kwargs in CASES:
        if op != "conv" or len(x_shape) != 4:
            continue
        c_out, c_in, kh, kw = w_shape
        layer = L.Conv2d(c_in, c_out, (kh, kw), rng=rng, **kwargs)
        twin = L.to_torch(layer)
        x = rng.normal(size=x_shape).astype(np.float32)
        g = rng.normal(size=layer(x).shape).astype(np.float32)
        xt, gt = torch.from_numpy(x), torch.from_numpy(g)

        def ours(layer=layer, x=x, g=g):
            layer(x)
            return layer.backward(g)

        def theirs(twin=twin, xt=xt, gt=gt):
            xr = xt.detach().requires_grad_(True)
            twin(xr).backward(gt)
            return xr.grad

        yield f"Conv2d layer, {name}", ours, theirs


def epoch_case(rng):
    """One epoch of chapter 8's digits CNN in each library, from the same weights."""
    d = ch08.digits_split()
    x, y = d["x_train"], d["y_train"]
    net = ch08.digits_net(rng)
    model = L.to_torch(net)
    opt, loss_fn = L.Adam(net.parameters(), lr=1e-3), L.CrossEntropyLoss()
    t_opt, t_loss = (
        torch.optim.Adam(model.parameters(), lr=1e-3),
        torch.nn.CrossEntropyLoss(),
    )
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    batches = [
        b for b in np.array_split(rng.permutation(len(x)), range(32, len(x), 32))
    ]
    tb = [torch.from_numpy(b) for b in batches]

    def ours():
        for b in batches:
            ch08.train_step(net, loss_fn, opt, x[b], y[b])

    def theirs():
        for b in tb:
            ch08.torch_step(model, t_loss, t_opt, xt[b], yt[b])

    return f"one epoch of the digits CNN ({len(batches)} steps of 32)", ours, theirs


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument(
        "--only", default="", help="run only the cases whose name contains this"
    )
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    threadpool_limits(args.threads, user_api="blas")
    rng = np.random.default_rng(0)
    print(
        f"numpy {np.__version__}, torch {torch.__version__}, {args.threads} thread(s) "
        "each (numpy BLAS and torch)"
    )
    print(
        f"method: {args.rounds} interleaved rounds (cnnlib, torch, ...) after a "
        "warm-up; minimum of each side; float32; a shared, noisy machine: minima, not "
        "means"
    )
    print("| case (forward + backward) | cnnlib ms | torch ms | ratio | goal |")
    print("|---|---:|---:|---:|---:|")
    cases = [(c, 1.5) for c in conv_cases(rng)] + [(epoch_case(rng), 3.0)]
    for (name, ours, theirs), goal in cases:
        if args.only not in name:
            continue
        a, b = interleaved_minima([ours, theirs], args.rounds)
        print(
            f"| {name} | {a * 1e3:.1f} | {b * 1e3:.1f} | {a / b:.2f} | {goal} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
