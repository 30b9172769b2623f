"""Checks for chapter 12 (``notebooks/12_training_on_a_gpu.ipynb``).

Each check computes the expected value itself (with torch or from the exercise's
numbers) and never reveals it; the hints are in the notebook under each exercise.
Code exercises run the reader's function with the library's version of the same
computation made to raise (:func:`cnnlib.checks.forbidding`).
"""
import numpy as np
import torch

from cnnlib.checks import Placeholder, close, close_each, exercise, forbidding

from . import fashion_net, fgsm, rounded

#: Exercise "copying the data": images, bytes per value, bus speed (bytes/s).
TRANSFER_IMAGES, TRANSFER_BYTES, TRANSFER_SPEED = 60_000 * 28 * 28, 4, 25e9
#: Exercise "loss scaling": the gradient that float16 would lose.
SMALL_GRADIENT = 1e-8
#: Exercise "MFU": FLOPs per training image, images/s, the device's peak FLOP/s.
MFU_FLOPS, MFU_RATE, MFU_PEAK = 261e6, 40_000, 989e12


@exercise("ch12-transfer")
def _transfer(answer):
    if np.shape(answer) != (2,):
        return False, "give two numbers: [megabytes, milliseconds]."
    size = TRANSFER_IMAGES * TRANSFER_BYTES
    mb, ms = size / 1e6, 1e3 * size / TRANSFER_SPEED
    if np.isclose(answer[0], mb / 4, rtol=1e-3):
        return False, "that is one byte per pixel: float32 takes four."
    if np.isclose(answer[0], size / 2 ** 20, rtol=1e-3):
        return False, "use a megabyte of 10**6 bytes (the exercise's unit), not 2**20."
    ok, feedback = close_each([("the size", answer[0], mb), ("the time", answer[1], ms)],
                              rtol=2e-3)
    if not ok:
        return False, feedback
    return True, "a few milliseconds: copied once, it hardly matters."


@exercise("ch12-loss-scale")
def _loss_scale(answer):
    if np.ndim(answer) != 0:
        return False, "give one number, a power of two."
    value = float(answer)
    exponent = np.log2(value) if value > 0 else np.nan
    if not np.isfinite(exponent) or exponent != round(exponent):
        return False, "a loss scale is a power of two (multiplying by it is exact)."
    tiny = float(torch.finfo(torch.float16).tiny)
    if SMALL_GRADIENT * value < tiny:
        return False, ("too small: the scaled gradient is still below float16's "
                       "smallest normal number.")
    if SMALL_GRADIENT * value / 2 >= tiny:
        return False, "that works, but a smaller power of two would too."
    if rounded(SMALL_GRADIENT * value, torch.float16)[0] == 0:
        return False, "the scaled gradient would still round to 0 in float16."
    return True, "GradScaler finds such a scale itself, halving it after an overflow."


@exercise("ch12-mfu")
def _mfu(answer):
    if np.ndim(answer) != 0:
        return False, "give one number, a fraction."
    mfu = MFU_FLOPS * MFU_RATE / MFU_PEAK
    if np.isclose(float(answer), 100 * mfu, rtol=2e-2):
        return False, "that is a percentage: give the fraction (between 0 and 1)."
    if np.isclose(float(answer), mfu / 3, rtol=2e-2):
        return False, "the FLOPs given are for the whole training step already."
    ok, feedback = close(answer, mfu, rtol=2e-2)
    return ok, ("about 1%: small networks leave most of a large GPU idle." if ok
                else feedback)


def _bf16_reference(x):
    return np.array(rounded(np.asarray(x, np.float32), torch.bfloat16), np.float32)


def _bf16_cases():
    rng = np.random.default_rng(12)
    eight = 2.0 ** -8
    ties = np.array([1 + eight, 1 + 3 * eight, -(1 + eight), 2 + 2 * eight,
                     1 + eight + 2.0 ** -20], np.float32)
    return [(rng.normal(size=50).astype(np.float32),), (ties,),
            ((rng.normal(size=(4, 5)) * 10.0 ** rng.integers(-20, 20, (4, 5)))
             .astype(np.float32),), (np.array([0.0, -0.0, 1.0, 3.14159], np.float32),)]


@exercise("ch12-bf16-round")
def _bf16_round(fn):
    banned = [torch.from_numpy, torch.tensor, torch.as_tensor, torch.asarray, rounded]
    for i, (x,) in enumerate(_bf16_cases()):
        with forbidding(fn, banned):
            got = fn(x.copy())
        if got is None:
            raise Placeholder
        got = np.asarray(got)
        if got.shape != x.shape:
            return False, f"case {i + 1}: shape {got.shape}, expected {x.shape}."
        want = _bf16_reference(x)
        if not np.array_equal(got.astype(np.float32), want):
            wrong = int(np.sum(got.astype(np.float32) != want))
            tie = " Ties must go to the even neighbour." if i == 1 else ""
            return False, f"case {i + 1}: {wrong} of {x.size} values differ.{tie}"
    return True, "bit for bit what torch does."


def _shard_reference(n, world_size, rank):
    from torch.utils.data import DistributedSampler
    return list(DistributedSampler(range(n), world_size, rank, shuffle=False))


@exercise("ch12-shard")
def _shard(fn):
    from torch.utils.data import DistributedSampler
    for n, world, rank in ((12, 4, 1), (10, 4, 3), (10, 4, 0), (7, 3, 2), (5, 8, 6)):
        with forbidding(fn, [DistributedSampler]):
            got = fn(n, world, rank)
        if got is None:
            raise Placeholder
        want = _shard_reference(n, world, rank)
        if [int(i) for i in got] != want:
            return False, (f"shard({n}, {world}, {rank}) gives {list(got)[:12]}; "
                           f"it should hold {len(want)} indices.")
    return True, "every rank gets the same number of examples."


def _fgsm_case():
    torch.manual_seed(0)
    model = fashion_net(4).eval()
    g = torch.Generator().manual_seed(1)
    return model, torch.rand(6, 1, 28, 28, generator=g), torch.arange(6)


@exercise("ch12-fgsm")
def _fgsm(fn):
    model, x, y = _fgsm_case()
    for eps in (0.0, 0.03, 0.3):
        with forbidding(fn, [fgsm]):
            got = fn(model, x.clone(), y, eps)
        if got is None:
            raise Placeholder
        got = got.detach() if isinstance(got, torch.Tensor) else torch.as_tensor(got)
        want = fgsm(model, x, y, eps)
        if got.shape != want.shape:
            return False, f"shape {tuple(got.shape)}, expected {tuple(want.shape)}."
        if got.min() < 0 or got.max() > 1:
            return False, "pixels must stay in [0, 1]: clip after the step."
        if not torch.allclose(got.float(), want, atol=1e-6):
            return False, f"with eps={eps} the images differ from the expected ones."
    return True, "the same images as the chapter's fgsm, for three values of eps."
