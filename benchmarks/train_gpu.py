"""Training speed of chapter 12's network: images/s, model FLOPs utilisation (MFU) and
time to accuracy, float32 against mixed precision and eager against torch.compile, in
one table.

    python benchmarks/train_gpu.py                 # on the best device there is
    python benchmarks/train_gpu.py --device cpu --no-compile      # tiny, on a CPU
    python benchmarks/train_gpu.py --record        # on a GPU: also fill chapter 12's
                                                   # recorded-results slot

Method. The network and batch size are those of the device's schedule
(``ch12.pick_schedule``: the wide network and batches of 512 on a GPU, the narrow one
and batches of 64 on a CPU), channels last, data already on the device. Throughput:
``--warmup`` steps (which include compiling), then ``--steps`` timed training steps
(forward, backward, SGD step; the device synchronised before each clock read), the
best of ``--rounds`` rounds. FLOPs per training image: ``cnnlib.train.training_flops``
(``torch.utils.flop_counter.FlopCounterMode``). MFU: those FLOPs times images/s over
the device's dense peak for the format (bf16/fp16 tensor cores for mixed precision,
TF32 for float32, which cuDNN uses for convolutions by default), from the table
``PEAKS`` or ``--peak-tflops``; a CPU has no entry, so its MFU is left blank. Time to
accuracy (on a GPU by default, ``--tta`` elsewhere): a whole run of the schedule with
``stop_at`` its target, seconds of training until the test accuracy first reaches it
(Fashion-MNIST from ``cnnlib.data``; never downloaded here).

A measurement, not a test: timings depend on the machine and its load.
"""
import argparse
import sys
import time

import torch
import torch.nn.functional as F

from cnnlib import train
from cnnlib.chapters import ch12_training_on_a_gpu as ch12

#: Dense peak TFLOP/s by a part of the GPU's name: (16-bit tensor cores, TF32 or FP32).
PEAKS = {"H200": (989, 495), "H100 PCIe": (756, 378), "H100": (989, 495),
         "A100": (312, 156), "L40S": (362, 183), "L4": (121, 60), "A10": (125, 62.5),
         "V100": (125, 15.7), "T4": (65, 8.1)}


def peak(device, mixed, override=None):
    """Peak FLOP/s for ``device`` in mixed precision or float32, or ``None``."""
    if override:
        return override * 1e12
    if device.type != "cuda":
        return None
    name = torch.cuda.get_device_name(device)
    for key, (half, single) in PEAKS.items():
        if key in name:
            return 1e12 * (half if mixed else single)
    return None


def throughput(model, device, precision, batch, steps, warmup, rounds):
    """Best images/s over ``rounds`` rounds of ``steps`` training steps."""
    dtype = train.amp_dtype(device, precision)
    scaler = torch.amp.GradScaler(device.type, enabled=dtype == torch.float16)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    x = torch.rand(batch, 1, 28, 28, device=device).contiguous(
        memory_format=torch.channels_last)
    y = torch.randint(0, 10, (batch,), device=device)

    def step():
        with torch.autocast(device.type, dtype or torch.bfloat16,
                            enabled=dtype is not None):
            loss = F.cross_entropy(model(x), y)
        optimizer.zero_grad(set_to_none=True)
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()

    for _ in range(warmup):
        step()
    best = 0.0
    for _ in range(rounds):
        train.synchronize(device)
        tick = time.perf_counter()
        for _ in range(steps):
            step()
        train.synchronize(device)
        best = max(best, steps * batch / (time.perf_counter() - tick))
    return best


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--device", default="auto")
    p.add_argument("--steps", type=int, default=None, help="timed steps per round")
    p.add_argument("--warmup", type=int, default=None)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--threads", type=int, default=1, help="CPU threads (on a CPU)")
    p.add_argument("--no-compile", action="store_true", help="skip torch.compile")
    p.add_argument("--tta", action="store_true", help="time to accuracy on a CPU too")
    p.add_argument("--no-tta", action="store_true", help="skip time to accuracy")
    p.add_argument("--peak-tflops", type=float, default=None)
    p.add_argument("--record", action="store_true",
                   help="write chapter 12's recorded_gpu_run.json (CUDA only)")
    args = p.parse_args(argv)

    device = train.pick_device(args.device)
    gpu = device.type != "cpu"
    if not gpu:
        torch.set_num_threads(args.threads)
    torch.backends.cudnn.benchmark = gpu
    schedule = ch12.pick_schedule(device)
    steps = args.steps or (50 if gpu else 5)
    warmup = args.warmup or (10 if gpu else 2)
    mixed = "bf16" if train.native_bf16(device) else "fp16"
    print(f"device: {train.describe(device)}; torch {torch.__version__}; "
          f"schedule '{schedule.name}' (width {schedule.width}, batch "
          f"{schedule.batch_size}); mixed precision here: {mixed}", flush=True)
    flops = train.training_flops(ch12.fashion_net(schedule.width).to(device),
                                 torch.rand(8, 1, 28, 28, device=device)) / 8
    print(f"FLOPs per training image: {flops / 1e6:.1f} million", flush=True)

    data = None
    if gpu and not args.no_tta or args.tta:
        try:
            data = ch12.fashion_tensors(download=False)
        except FileNotFoundError as err:
            print("time to accuracy skipped:", err)

    rows, runs = [], {}
    configs = [(prec, comp) for comp in (False, True) for prec in ("fp32", mixed)
               if not (comp and args.no_compile)]
    for precision, compiled in configs:
        name = f"{precision} {'compiled' if compiled else 'eager'}"
        torch.manual_seed(0)
        model = train.prepare(ch12.fashion_net(schedule.width), device, True, compiled)
        try:
            rate = throughput(model, device, precision, schedule.batch_size, steps,
                              warmup, args.rounds)
        except Exception as err:  # e.g. no C++ compiler for torch.compile on a CPU
            print(f"{name}: failed ({type(err).__name__}: {str(err)[:200]})")
            continue
        top = peak(device, precision != "fp32", args.peak_tflops)
        row = {"config": name, "images/s": rate, "TFLOP/s": flops * rate / 1e12,
               "MFU": flops * rate / top if top else None, "tta": None, "acc": None}
        if data is not None:
            _, history = ch12.train_schedule(schedule, data, device, precision,
                                             compile=compiled, stop_at=schedule.target,
                                             progress=False)
            row["tta"] = history.time_to(schedule.target)
            row["acc"] = history.test_acc[-1]
            runs[name] = history
        rows.append(row)
        print(f"{name}: {rate:,.0f} images/s", flush=True)

    print(f"\nchapter 12's network on {train.describe(device)}, "
          f"torch {torch.__version__}")
    print(f"{'config':<16} {'images/s':>10} {'TFLOP/s':>8} {'MFU':>6} "
          f"{f'time to {schedule.target:.0%}':>12} {'test acc':>9}")
    for r in rows:
        mfu = f"{r['MFU']:.1%}" if r["MFU"] is not None else "-"
        tta = f"{r['tta']:.1f} s" if r["tta"] is not None else \
            ("not reached" if r["acc"] is not None else "-")
        acc = f"{r['acc']:.2%}" if r["acc"] is not None else "-"
        print(f"{r['config']:<16} {r['images/s']:>10,.0f} {r['TFLOP/s']:>8.2f} "
              f"{mfu:>6} {tta:>12} {acc:>9}")

    if args.record:
        if device.type != "cuda" or data is None:
            print("--record needs a CUDA GPU and Fashion-MNIST: nothing recorded")
            return 1
        _, history = ch12.train_schedule(schedule, data, device, "auto", progress=False)
        ch12.save_record(ch12.make_record(history, schedule, device), ch12.RECORDED)
        print(f"recorded: {history.test_acc[-1]:.2%} after {history.seconds[-1]:.1f} s "
              f"-> {ch12.RECORDED}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
