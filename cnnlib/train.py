"""Training a torch model on whatever device is there: one loop a reader can follow.

* :func:`pick_device`: a CUDA GPU, else Apple's MPS, else the CPU;
* :func:`amp_dtype`: the mixed-precision format for a device (bf16 where the hardware
  has it, fp16 with a :class:`torch.amp.GradScaler` otherwise, none on a CPU unless
  bf16 is asked for);
* :func:`make_loader`: a ``DataLoader`` over tensors, with the settings that suit the
  device (pinned memory for a GPU, or the whole data set copied to the device once),
  reshuffled every epoch from ``(seed, epoch)`` so that a resumed run sees the same
  batches as an uninterrupted one;
* :func:`prepare`: move a model, optionally to ``channels_last`` and through
  ``torch.compile``;
* :func:`fit` and :func:`evaluate`: the loop, with a tqdm bar, a :class:`History` of
  test accuracy against training seconds (time-to-accuracy, images/s), and a
  checkpoint after every epoch (:func:`save_checkpoint` / :func:`load_checkpoint`,
  ``torch.load(weights_only=True)``) from which ``fit(..., resume=True)`` continues.

Not a framework: the loop is :func:`fit`, forty lines. Sources: PyTorch's automatic
mixed precision and ``DataLoader`` documentation; Micikevicius et al. (2018) for loss
scaling; Jordan (2024, airbench) for keeping a small data set on the GPU.
"""
import contextlib
import os
import time
from dataclasses import asdict, dataclass, field

import torch
import torch.nn.functional as F

DEVICE_TYPES = ("cuda", "mps", "cpu")
PRECISIONS = ("auto", "fp32", "bf16", "fp16")
_NAMES = {None: "fp32", torch.bfloat16: "bf16", torch.float16: "fp16"}
_COLAB_GPU = "on Colab: Runtime > Change runtime type > a GPU (e.g. T4) > Save"


@contextlib.contextmanager
def one_thread():
    """Run a block with torch on one CPU thread, restoring the thread count afterwards
    (even after an error).

    Small models (the recurrent networks of chapters 10 and 11) run as a chain of tiny
    operations; a second thread only adds synchronisation, and on a shared two-core CPU
    we measured steps 10-40 times slower with two threads than with one.
    """
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _mps_available():
    mps = getattr(torch.backends, "mps", None)
    return bool(mps is not None and mps.is_available())


def pick_device(name=None):
    """The device to train on.

    Args:
        name: ``None`` or ``"auto"``: a CUDA GPU if there is one, else Apple's MPS, else
            the CPU; or a device such as ``"cuda"``, ``"cuda:1"``, ``"mps"``, ``"cpu"``
            (a string or a ``torch.device``).

    Returns:
        ``torch.device``.

    Raises:
        ValueError: for a name torch does not know, a type other than
            :data:`DEVICE_TYPES`, or a device that this machine does not have.
    """
    if name is None or name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        return torch.device("mps" if _mps_available() else "cpu")
    if not isinstance(name, (str, torch.device)):
        raise ValueError(f"device={name!r}: give a string such as 'cuda' or 'cpu'")
    try:
        device = torch.device(name)
    except RuntimeError as err:
        raise ValueError(f"device={name!r} is not a device torch knows "
                         f"({err})") from None
    if device.type not in DEVICE_TYPES:
        raise ValueError(f"device={name!r}: use one of {', '.join(DEVICE_TYPES)}")
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device={name!r}, but torch sees no CUDA GPU here "
                         f"({_COLAB_GPU})")
    if device.type == "cuda" and (device.index or 0) >= torch.cuda.device_count():
        raise ValueError(f"device={name!r}: only {torch.cuda.device_count()} GPU(s)")
    if device.type == "mps" and not _mps_available():
        raise ValueError(f"device={name!r}, but Apple's MPS is not available here")
    return device


def describe(device):
    """A short name for a device, e.g. ``'NVIDIA H100 80GB HBM3 (cuda:0)'`` or
    ``'CPU (2 threads)'``."""
    device = pick_device(device)
    if device.type == "cuda":
        index = device.index or 0
        return f"{torch.cuda.get_device_name(index)} (cuda:{index})"
    if device.type == "mps":
        return "Apple GPU (mps)"
    threads = torch.get_num_threads()
    return f"CPU ({threads} thread{'' if threads == 1 else 's'})"


def synchronize(device):
    """Wait until the device has finished its queued work (GPUs run asynchronously,
    so a clock read without this measures only the launch)."""
    device = torch.device(device)
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()


def native_bf16(device):
    """Whether ``device`` computes in bfloat16 natively: an NVIDIA GPU of compute
    capability 8.0 or later (A100, H100, L4, RTX 30xx...), or a CPU (torch supports
    it everywhere, fast where the CPU has AVX-512 BF16 or AMX). A T4 (7.5) does not."""
    device = torch.device(device)
    if device.type == "cuda":
        return torch.cuda.get_device_capability(device)[0] >= 8
    return device.type == "cpu"


def amp_dtype(device, precision="auto"):
    """The autocast format for ``precision`` on ``device``, or ``None`` for float32.

    Args:
        device: a ``torch.device`` or its name.
        precision: ``"auto"`` (bf16 on a GPU that has it, else fp16 on a GPU; float32 on
            a CPU), ``"fp32"``, ``"bf16"`` or ``"fp16"``.

    Returns:
        ``torch.bfloat16``, ``torch.float16`` or ``None``.

    Raises:
        ValueError: for an unknown ``precision``, bf16 on a CUDA GPU without it, or fp16
            on a CPU (use bf16 there).
    """
    device = torch.device(device)
    if precision not in PRECISIONS:
        raise ValueError(f"precision={precision!r}: use one of {', '.join(PRECISIONS)}")
    if precision == "fp32" or (precision == "auto" and device.type == "cpu"):
        return None
    if precision == "auto":
        return torch.bfloat16 if native_bf16(device) else torch.float16
    if precision == "bf16" and device.type == "cuda" and not native_bf16(device):
        name = torch.cuda.get_device_name(device)
        raise ValueError(f"precision='bf16': {name} has no native bfloat16; use "
                         "'fp16' (with loss scaling) or 'auto'")
    if precision == "fp16" and device.type == "cpu":
        raise ValueError("precision='fp16' is for GPUs; on a CPU use 'bf16' or 'fp32'")
    return torch.bfloat16 if precision == "bf16" else torch.float16


def loader_settings(device, resident=False):
    """``DataLoader`` keyword arguments that suit ``device``.

    ``pin_memory`` (page-locked host memory) lets a host-to-GPU copy run while the GPU
    computes (with ``.to(device, non_blocking=True)``); it is pointless for a CPU and
    for data already on the device (``resident``). ``num_workers`` is 0: for tensors
    already in memory, worker processes only add copies between processes. (For data
    decoded from files, such as JPEGs, give a few workers per GPU instead.)
    """
    device = torch.device(device)
    return {"pin_memory": device.type == "cuda" and not resident, "num_workers": 0}


class EpochBatches(torch.utils.data.Sampler):
    """Batches of indices into ``n`` examples, reshuffled at each :meth:`set_epoch`
    from ``seed + epoch`` (as ``DistributedSampler`` does): epoch ``e`` always sees
    the same batches, in a fresh run or a resumed one.

    Yields ``(B,)`` int64 index tensors; the last batch is shorter unless
    ``drop_last``.
    """

    def __init__(self, n, batch_size, shuffle=True, seed=0, drop_last=False):
        for name, value in (("n", n), ("batch_size", batch_size)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name}={value!r} must be a positive int")
        self.n, self.batch_size, self.shuffle = n, batch_size, shuffle
        self.seed, self.drop_last, self.epoch = seed, drop_last, 0

    def set_epoch(self, epoch):
        self.epoch = epoch

    def __iter__(self):
        if self.shuffle:
            g = torch.Generator().manual_seed(self.seed + self.epoch)
            order = torch.randperm(self.n, generator=g)
        else:
            order = torch.arange(self.n)
        yield from order[:len(self) * self.batch_size if self.drop_last else None] \
            .split(self.batch_size)

    def __len__(self):
        whole, rest = divmod(self.n, self.batch_size)
        return whole + (0 if self.drop_last or not rest else 1)


def make_loader(x, y, batch_size, device, shuffle=True, seed=0, drop_last=False,
                resident=None):
    """A ``DataLoader`` over the tensors ``x``, ``y`` that yields whole batches.

    Args:
        x: ``(N, ...)`` inputs, e.g. ``(N, C, H, W)`` float32 images.
        y: ``(N,)`` int64 labels.
        batch_size: examples per batch.
        device: where training runs (:func:`pick_device`).
        shuffle, seed, drop_last: see :class:`EpochBatches`.
        resident: copy ``x`` and ``y`` to the device once, so that a batch is an index
            into device memory (default: on a GPU, if they take under 2 GiB).

    Returns:
        ``torch.utils.data.DataLoader`` yielding ``(x[b], y[b])``; its ``sampler``
        has ``set_epoch`` (:func:`fit` calls it).

    Raises:
        ValueError: for inputs that are not tensors of the same length, or a bad
            ``batch_size``.
    """
    device = torch.device(device)
    if not (isinstance(x, torch.Tensor) and isinstance(y, torch.Tensor)) or \
            len(x) != len(y) or len(x) == 0:
        raise ValueError("x and y must be non-empty tensors of the same length, got "
                         f"{type(x).__name__} {tuple(getattr(x, 'shape', ()))} and "
                         f"{type(y).__name__} {tuple(getattr(y, 'shape', ()))}")
    if resident is None:
        size = x.element_size() * x.nelement() + y.element_size() * y.nelement()
        resident = device.type != "cpu" and size < 2 ** 31
    if resident:
        x, y = x.to(device), y.to(device)
    sampler = EpochBatches(len(x), batch_size, shuffle, seed, drop_last)
    return torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y),
                                       sampler=sampler, batch_size=None,
                                       **loader_settings(device, resident))


def prepare(model, device, channels_last=False, compile=False):
    """Move ``model`` to ``device`` (and to the ``channels_last`` memory format, NHWC,
    which GPU convolution kernels prefer), and optionally ``torch.compile`` it.

    Returns the model to train (compiled: a wrapper whose ``_orig_mod`` is ``model``).
    """
    model = model.to(pick_device(device))
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
    return torch.compile(model) if compile else model


def unwrap(model):
    """The module itself, under ``torch.compile``'s or ``DistributedDataParallel``'s
    wrapper: whose ``state_dict`` a checkpoint keeps."""
    model = getattr(model, "_orig_mod", model)
    return getattr(model, "module", model)


def augment_shift_flip(x, generator, max_shift=2, flip=True):
    """A batch of images, each moved by up to ``max_shift`` pixels each way (zeros come
    in) and, if ``flip``, mirrored left-right with probability 1/2.

    Args:
        x: ``(N, C, H, W)`` images on any device.
        generator: a CPU ``torch.Generator`` (the draws do not depend on the device).

    Returns:
        ``(N, C, H, W)``, the same dtype, device and memory format.
    """
    n, _, h, w = x.shape
    s = max_shift
    dy, dx = torch.randint(0, 2 * s + 1, (2, n, 1, 1), generator=generator).to(x.device)
    padded = F.pad(x, (s, s, s, s)).permute(0, 2, 3, 1)         # (N, H + 2s, W + 2s, C)
    rows = dy + torch.arange(h, device=x.device)[None, :, None]
    cols = dx + torch.arange(w, device=x.device)[None, None, :]
    out = padded[torch.arange(n, device=x.device)[:, None, None], rows, cols]
    out = out.permute(0, 3, 1, 2).contiguous(memory_format=_format(x))
    if flip:
        mirror = (torch.rand(n, generator=generator) < 0.5).to(x.device)
        out = torch.where(mirror[:, None, None, None], out.flip(3), out)
    return out


def _format(x):
    nhwc = x.ndim == 4 and x.is_contiguous(memory_format=torch.channels_last)
    return torch.channels_last if nhwc else torch.contiguous_format


@dataclass
class History:
    """What :func:`fit` measured, one entry per evaluation (after every epoch).

    ``seconds`` counts training only (the device synchronised before each clock
    read); evaluation is not included. ``images`` counts training images seen.
    """
    epoch: list = field(default_factory=list)
    images: list = field(default_factory=list)
    seconds: list = field(default_factory=list)
    train_loss: list = field(default_factory=list)
    test_loss: list = field(default_factory=list)
    test_acc: list = field(default_factory=list)
    device: str = ""
    precision: str = ""

    def time_to(self, accuracy):
        """Training seconds until the test accuracy first reached ``accuracy``, or
        ``None`` if it never did."""
        return next((s for s, a in zip(self.seconds, self.test_acc) if a >= accuracy),
                    None)

    @property
    def images_per_s(self):
        """Training throughput over the whole run."""
        return self.images[-1] / self.seconds[-1] if self.seconds else float("nan")

    def as_dict(self):
        return asdict(self)

    @classmethod
    def from_dict(cls, d):
        return cls(**d)


def evaluate(model, loader, device=None, precision="fp32", channels_last=False):
    """Mean cross-entropy and accuracy of ``model`` over ``loader``, in eval mode.

    Args:
        model: a classifier returning ``(B, classes)`` logits.
        loader: yields ``(x, y)`` batches (:func:`make_loader` with
            ``shuffle=False``).
        device, precision, channels_last: as in :func:`fit`.

    Returns:
        ``(loss, accuracy)``, two floats. The model's train/eval mode is restored.
    """
    device = pick_device(device)
    dtype = amp_dtype(device, precision)
    was = model.training
    model.eval()
    total, loss, right = 0, 0.0, 0
    with torch.no_grad(), torch.autocast(device.type, dtype or torch.bfloat16,
                                         enabled=dtype is not None):
        for x, y in loader:
            x, y = _batch(x, y, device, channels_last)
            out = model(x).float()
            loss += F.cross_entropy(out, y, reduction="sum").item()
            right += (out.argmax(1) == y).sum().item()
            total += len(y)
    model.train(was)
    return loss / total, right / total


def _batch(x, y, device, channels_last):
    x = x.to(device, non_blocking=True)
    if channels_last and x.ndim == 4:
        x = x.contiguous(memory_format=torch.channels_last)
    return x, y.to(device, non_blocking=True)


def save_checkpoint(path, model, optimizer, scheduler=None, scaler=None, epoch=0,
                    history=None):
    """Save everything a run needs to continue: weights (and BatchNorm statistics),
    optimiser, learning-rate schedule, loss scaler, epochs done, history and torch's
    random state. Written to a temporary file and renamed, so a crash never leaves
    half a checkpoint."""
    state = {"model": unwrap(model).state_dict(), "optimizer": optimizer.state_dict(),
             "scheduler": scheduler.state_dict() if scheduler is not None else None,
             "scaler": scaler.state_dict() if scaler is not None else None,
             "epoch": int(epoch), "rng": torch.get_rng_state(),
             "history": history.as_dict() if history is not None else None}
    tmp = f"{path}.tmp"
    torch.save(state, tmp)
    os.replace(tmp, path)


def load_checkpoint(path, model, optimizer=None, scheduler=None, scaler=None):
    """Load a :func:`save_checkpoint` file into ``model`` (and the others given) with
    ``torch.load(weights_only=True)``, which unpickles tensors and plain containers
    only, never arbitrary code.

    Returns:
        ``(epoch, history)``: the epochs done and the :class:`History` (or ``None``).

    Raises:
        FileNotFoundError: if there is no file; ``RuntimeError`` (torch's) if the
            weights do not fit the model.
    """
    device = next(unwrap(model).parameters()).device
    state = torch.load(path, map_location=device, weights_only=True)
    unwrap(model).load_state_dict(state["model"])
    for thing, key in ((optimizer, "optimizer"), (scheduler, "scheduler"),
                       (scaler, "scaler")):
        if thing is not None and state[key] is not None:
            thing.load_state_dict(state[key])
    torch.set_rng_state(state["rng"].cpu())
    history = state["history"]
    return state["epoch"], History.from_dict(history) if history else None


def fit(model, train, test, optimizer, epochs, scheduler=None, device=None,
        precision="auto", channels_last=False, loss_fn=F.cross_entropy, augment=None,
        seed=0, stop_at=None, checkpoint=None, resume=False, progress=True,
        desc="training"):
    """Train ``model`` for ``epochs`` passes over ``train``, evaluating on ``test``
    after each.

    Args:
        model: on ``device`` already (:func:`prepare`).
        train, test: loaders of ``(x, y)`` batches (:func:`make_loader`).
        optimizer: a ``torch.optim`` optimiser of the model's parameters.
        epochs: total passes, counting those a resumed checkpoint already did.
        scheduler: stepped after every optimiser step (e.g. ``OneCycleLR``).
        device: where to train (default :func:`pick_device`).
        precision: see :func:`amp_dtype`; fp16 brings a ``GradScaler``.
        channels_last: give the model NHWC batches.
        loss_fn: ``loss_fn(logits, labels) -> scalar``.
        augment: ``augment(x, generator) -> x``, applied to training batches with a
            generator seeded from ``(seed, epoch)``.
        seed: for ``augment``.
        stop_at: stop once the test accuracy reaches it (a time-to-accuracy run).
        checkpoint: a path; a checkpoint is saved there after every epoch.
        resume: continue from ``checkpoint`` if it exists (the same weights as a run
            that was never interrupted).
        progress: a tqdm bar over the training steps.

    Returns:
        :class:`History`.

    Raises:
        ValueError: for bad ``epochs``, ``precision`` or ``device``, or ``resume``
            without a ``checkpoint``.
    """
    from tqdm.auto import tqdm
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"epochs={epochs!r} must be a positive int")
    if resume and checkpoint is None:
        raise ValueError("resume=True needs checkpoint=<path>")
    device = pick_device(device)
    dtype = amp_dtype(device, precision)
    scaler = torch.amp.GradScaler(device.type, enabled=dtype == torch.float16)
    history, start = History(device=describe(device), precision=_NAMES[dtype]), 0
    if resume and os.path.exists(checkpoint):
        start, saved = load_checkpoint(checkpoint, model, optimizer, scheduler, scaler)
        history = saved or history
    spent = history.seconds[-1] if history.seconds else 0.0
    seen = history.images[-1] if history.images else 0
    bar = tqdm(total=(epochs - start) * len(train), desc=desc, disable=not progress)
    for epoch in range(start, epochs):
        if hasattr(train.sampler, "set_epoch"):
            train.sampler.set_epoch(epoch)
        generator = torch.Generator().manual_seed(seed * 100_003 + epoch)
        model.train()
        synchronize(device)
        tick, losses = time.perf_counter(), []
        for x, y in train:
            x, y = _batch(x, y, device, channels_last)
            if augment is not None:
                x = augment(x, generator)
            with torch.autocast(device.type, dtype or torch.bfloat16,
                                enabled=dtype is not None):
                loss = loss_fn(model(x), y)
            optimizer.zero_grad(set_to_none=True)
            scaler.scale(loss).backward()
            scaler.step(optimizer)
            scaler.update()
            if scheduler is not None:
                scheduler.step()
            losses.append(loss.detach())
            seen += len(y)
            bar.update()
        synchronize(device)
        spent += time.perf_counter() - tick
        test_loss, test_acc = evaluate(model, test, device, precision, channels_last)
        for key, value in (("epoch", epoch + 1), ("images", seen), ("seconds", spent),
                           ("train_loss", torch.stack(losses).float().mean().item()),
                           ("test_loss", test_loss), ("test_acc", test_acc)):
            getattr(history, key).append(value)
        bar.set_postfix(test_acc=f"{test_acc:.4f}", seconds=f"{spent:.1f}")
        if checkpoint is not None:
            save_checkpoint(checkpoint, model, optimizer, scheduler,
                            scaler if scaler.is_enabled() else None, epoch + 1, history)
        if stop_at is not None and test_acc >= stop_at:
            break
    bar.close()
    return history


def training_flops(model, x, y=None, loss_fn=F.cross_entropy):
    """Floating-point operations of one training step on the batch ``x`` (forward and
    backward; a multiply-add counts 2), counted by ``torch.utils.flop_counter``.

    Args:
        model: a classifier; its gradients are cleared afterwards.
        x: a batch ``(N, ...)`` on the model's device.
        y: ``(N,)`` labels (default: zeros).

    Returns:
        int: FLOPs for the whole batch (divide by ``N`` for one image).
    """
    from torch.utils.flop_counter import FlopCounterMode
    y = torch.zeros(len(x), dtype=torch.long, device=x.device) if y is None else y
    with FlopCounterMode(display=False) as counter:
        loss_fn(model(x), y).backward()
    model.zero_grad(set_to_none=True)
    return counter.get_total_flops()
