"""Chapter 12, "Training on a GPU": the computation behind the notebook.

* the number formats of mixed precision (:func:`rounded`, :func:`format_table`);
* Fashion-MNIST as tensors (:func:`fashion_tensors`), the chapter's network
  (:func:`fashion_net`), its two schedules (:data:`SCHEDULES`, :func:`pick_schedule`)
  and one training run (:func:`train_fashion`), on top of :mod:`cnnlib.train`;
* CIFAR-10 from its own python-pickle batches (:func:`cifar10`, downloaded only on
  Colab), a network that fits on one screen (:func:`cifar_net`) and its schedule;
* the recorded-results slot for a real GPU run (:func:`load_recorded`,
  :func:`make_record`, :func:`save_record`; the file :data:`RECORDED`);
* the CNN's limits, measured: accuracy under rotation, shift and darkening
  (:func:`perturb`, :func:`robustness_curves`) and the fast gradient sign method
  (:func:`fgsm`, :func:`first_flip`).

torch and numpy only: no matplotlib, no ipywidgets (figures are in ``figures.py``).
Sources: Krizhevsky et al. (2012) for AlexNet's two GPUs; Micikevicius et al. (2018)
for mixed precision; Jordan (2024) for airbench94; Goodfellow et al. (2015) for FGSM;
Xiao et al. (2017) for Fashion-MNIST; Krizhevsky (2009) for CIFAR-10.
"""
import datetime
import inspect
import json
import math
import os
import pathlib
import pickle
import platform
import sys
from dataclasses import asdict, dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from cnnlib import data, train

HERE = pathlib.Path(__file__).resolve().parent
#: The recorded-results slot: a real GPU run's numbers, or ``{"recorded": null}``.
RECORDED = HERE / "recorded_gpu_run.json"


def source(obj, docstring=True):
    """The source code of a function or class, to print on the page (without its
    docstring if ``docstring`` is false)."""
    text = inspect.getsource(obj)
    if docstring:
        return text
    import ast
    import textwrap
    node = ast.parse(textwrap.dedent(text)).body[0]
    first = node.body[0]
    if not (isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
            and isinstance(first.value.value, str)):
        return text
    lines = text.splitlines(keepends=True)
    return "".join(lines[:first.lineno - 1] + lines[first.end_lineno:])


def on_colab():
    """Whether this runs on Google Colab (the one place the chapter may download)."""
    return "google.colab" in sys.modules


# Number formats ------------------------------------------------------------------

#: ``(name, dtype, exponent bits, stored significand bits)``.
FORMATS = (("float32", torch.float32, 8, 23), ("bfloat16", torch.bfloat16, 8, 7),
           ("float16", torch.float16, 5, 10))


def rounded(values, dtype):
    """``values`` stored in ``dtype`` and read back as Python floats.

    Args:
        values: a number or a sequence of numbers.
        dtype: ``torch.float16``, ``torch.bfloat16``, ``torch.float32``...

    Returns:
        a list of floats (``inf`` where the format overflows, 0 where it underflows).
    """
    x = torch.tensor(np.atleast_1d(np.asarray(values, dtype=np.float64)))
    return x.to(dtype).double().tolist()


def format_table():
    """One row per format: bits, machine epsilon (the gap after 1), the largest and
    the smallest positive normal number, and decimal digits kept."""
    rows = []
    for name, dtype, e_bits, m_bits in FORMATS:
        info = torch.finfo(dtype)
        rows.append({"format": name, "bits": 1 + e_bits + m_bits, "exponent": e_bits,
                     "significand": m_bits, "eps": float(info.eps),
                     "max": float(info.max), "smallest_normal": float(info.tiny),
                     "digits": round(math.log10(2) * (m_bits + 1), 1)})
    return rows


# Fashion-MNIST ---------------------------------------------------------------------

def fashion_tensors(n_train=None, n_test=None, root=None, download=None):
    """Fashion-MNIST as tensors, pixels in [0, 1] (the network standardises them).

    Args:
        n_train, n_test: keep the first ``n`` images of each split (default: all of
            60,000 and 10,000).
        root: a folder holding the four IDX files (see
            :func:`cnnlib.data.fashion_mnist`).
        download: allow torchvision's download when the files are not here (default:
            only on Colab; never in the book's build or its tests).

    Returns:
        dict: ``x_train`` ``(N, 1, 28, 28)`` float32, ``y_train`` ``(N,)`` int64,
        ``x_test``, ``y_test``, ``classes`` (10 names).

    Raises:
        FileNotFoundError: no files and no download (the message says how to get them).
    """
    out = {"classes": data.FASHION_MNIST_CLASSES}
    for split, n in (("train", n_train), ("test", n_test)):
        x, y = data.fashion_mnist(split, n=n, root=root, download=download)
        out[f"x_{split}"] = torch.from_numpy(x)[:, None]
        out[f"y_{split}"] = torch.from_numpy(y)
    return out


class Standardize(nn.Module):
    """``(x - mean) / std`` per channel, inside the network, so that the network takes
    pixels in [0, 1] (perturbations and attacks are then in pixel units)."""

    def __init__(self, mean, std):
        super().__init__()
        self.register_buffer("mean", torch.as_tensor(mean, dtype=torch.float32)
                             .reshape(1, -1, 1, 1))
        self.register_buffer("std", torch.as_tensor(std, dtype=torch.float32)
                             .reshape(1, -1, 1, 1))

    def forward(self, x):
        return (x - self.mean) / self.std


#: Mean and standard deviation of the Fashion-MNIST training pixels.
FASHION_MEAN, FASHION_STD = 0.2860, 0.3530


def conv_bn(c_in, c_out, pool=True):
    """3x3 convolution (padding 1, no bias), BatchNorm, ReLU, then 2x2 max pooling."""
    layers = [nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out),
              nn.ReLU(inplace=True)]
    return nn.Sequential(*layers, *([nn.MaxPool2d(2)] if pool else []))


def fashion_net(width=8, classes=10):
    """The chapter's network for 28x28 grey images: four convolution blocks of
    ``width``, 2, 4 and 8 times ``width`` channels (28 -> 28 -> 14 -> 7 -> 3 pixels),
    global max pooling and one linear layer.

    Input ``(N, 1, 28, 28)`` pixels in [0, 1]; output ``(N, classes)`` logits.
    """
    if isinstance(width, bool) or not isinstance(width, int) or width < 1:
        raise ValueError(f"width={width!r} must be a positive int")
    w = width
    return nn.Sequential(Standardize(FASHION_MEAN, FASHION_STD),
                         conv_bn(1, w, pool=False), conv_bn(w, 2 * w),
                         conv_bn(2 * w, 4 * w), conv_bn(4 * w, 8 * w),
                         nn.AdaptiveMaxPool2d(1), nn.Flatten(),
                         nn.Linear(8 * w, classes))


@dataclass(frozen=True)
class Schedule:
    """One training recipe: network width, data, passes, batch, peak learning rate
    (one-cycle), label smoothing, augmentation and the accuracy it must reach."""
    name: str
    width: int
    n_train: int
    epochs: int
    batch_size: int
    lr: float
    label_smoothing: float
    augment: bool
    target: float
    why: str
    net: str = "fashion"


#: The two Fashion-MNIST recipes. The "gpu" one was checked once on a 2-core CPU in
#: bfloat16 (35 minutes): 93.6% after 11 epochs, 93.7% after 12; its time on a GPU has
#: not been measured yet.
SCHEDULES = {
    "cpu": Schedule("cpu", width=8, n_train=20_000, epochs=2, batch_size=64, lr=0.1,
                    label_smoothing=0.1, augment=False, target=0.85,
                    why="no GPU: a narrow network, a third of the training set, two "
                        "passes (the target is 85%)"),
    "gpu": Schedule("gpu", width=32, n_train=60_000, epochs=12, batch_size=512, lr=0.4,
                    label_smoothing=0.1, augment=True, target=0.93,
                    why="a GPU: a 4x wider network, all 60,000 training images, "
                        "shifted and mirrored copies, 12 passes (the target is 93%)"),
}


def pick_schedule(device):
    """``SCHEDULES['gpu']`` on a CUDA or MPS GPU, ``SCHEDULES['cpu']`` on a CPU."""
    return SCHEDULES["cpu" if torch.device(device).type == "cpu" else "gpu"]


def train_schedule(schedule, tensors, device=None, precision="auto", channels_last=True,
                   compile=False, seed=0, stop_at=None, checkpoint=None, resume=False,
                   progress=True):
    """Train the schedule's network (:data:`NETS`) with a :class:`Schedule`.

    SGD with Nesterov momentum 0.9 and weight decay 5e-4, a one-cycle learning rate
    (a quarter of the steps up to ``schedule.lr``, the rest down), cross-entropy with
    label smoothing; test accuracy after every epoch.

    Args:
        schedule: a :class:`Schedule`.
        tensors: :func:`fashion_tensors` or :func:`cifar_tensors` (the first
            ``schedule.n_train`` training images are used).
        device, precision, channels_last, compile, stop_at, checkpoint, resume,
        progress: passed to :func:`cnnlib.train.prepare` and :func:`cnnlib.train.fit`.
        seed: initial weights, batch order and augmentation.

    Returns:
        ``(model, history)``: the trained model (on ``device``) and its
        :class:`cnnlib.train.History`.
    """
    device = train.pick_device(device)
    torch.manual_seed(seed)
    model = NETS[schedule.net](schedule.width)
    model = train.prepare(model, device, channels_last, compile)
    n = min(schedule.n_train, len(tensors["x_train"]))
    train_loader = train.make_loader(tensors["x_train"][:n], tensors["y_train"][:n],
                                     schedule.batch_size, device, seed=seed)
    test_loader = train.make_loader(tensors["x_test"], tensors["y_test"], 1000, device,
                                    shuffle=False)
    optimizer, scheduler = sgd_one_cycle(model, schedule.lr, schedule.epochs,
                                         len(train_loader))

    def loss_fn(logits, y):
        return F.cross_entropy(logits, y, label_smoothing=schedule.label_smoothing)

    history = train.fit(model, train_loader, test_loader, optimizer, schedule.epochs,
                        scheduler=scheduler, device=device, precision=precision,
                        channels_last=channels_last, loss_fn=loss_fn,
                        augment=train.augment_shift_flip if schedule.augment else None,
                        seed=seed, stop_at=stop_at, checkpoint=checkpoint,
                        resume=resume, progress=progress,
                        desc=f"{schedule.name} schedule")
    return model, history


def sgd_one_cycle(model, lr, epochs, steps_per_epoch, weight_decay=5e-4):
    """SGD (Nesterov momentum 0.9) and a one-cycle schedule peaking at ``lr``.

    Raises:
        ValueError: for fewer than 8 steps in all (the schedule needs a few to rise and
            fall).
    """
    if epochs * steps_per_epoch < 8:
        raise ValueError(f"{epochs} epochs of {steps_per_epoch} steps: a one-cycle "
                         "schedule needs at least 8 steps (use smaller batches)")
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9, nesterov=True,
                                weight_decay=weight_decay)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, lr, total_steps=epochs * steps_per_epoch, pct_start=0.25)
    return optimizer, scheduler


# CIFAR-10 --------------------------------------------------------------------------

CIFAR10_CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog",
                   "horse", "ship", "truck")
#: The folder inside ``root`` that the official python archive unpacks to.
CIFAR10_FOLDER = "cifar-10-batches-py"
CIFAR10_FILES = {"train": tuple(f"data_batch_{i}" for i in range(1, 6)),
                 "test": ("test_batch",)}
#: Where a download is kept (torchvision checks the archive's MD5).
CIFAR10_CACHE = os.path.join(os.path.expanduser("~"), ".cache", "cnnlib")
CIFAR10_MEAN, CIFAR10_STD = (0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616)


class _BatchUnpickler(pickle.Unpickler):
    """Unpickles a CIFAR-10 batch and nothing else: only numpy's array
    reconstruction (and ``_codecs.encode``, which protocol 2 uses for bytes) is
    allowed, so a file cannot run code when it is read."""

    def find_class(self, module, name):
        allowed = {("numpy", "ndarray"), ("numpy", "dtype"), ("_codecs", "encode"),
                   ("numpy.core.multiarray", "_reconstruct"),
                   ("numpy._core.multiarray", "_reconstruct")}
        if (module, name) not in allowed:
            raise pickle.UnpicklingError(f"a CIFAR-10 batch holds no {module}.{name}")
        if name == "_reconstruct":
            return np.ndarray.__reduce__(np.zeros(0))[0]      # numpy's own, any version
        if name == "encode":
            import codecs
            return codecs.encode
        return getattr(np, name)


def read_cifar_batch(path):
    """Read one batch file of CIFAR-10's python version (a pickled dict).

    Returns:
        ``(images, labels)``: ``(N, 3, 32, 32)`` uint8 and ``(N,)`` int64 in 0..9.

    Raises:
        ValueError: if the file is not a CIFAR-10 batch (other objects inside, no
            ``data``/``labels``, rows that are not 3,072 bytes, labels out of range).
    """
    with open(path, "rb") as f:
        try:
            batch = _BatchUnpickler(f, encoding="bytes").load()
        except (pickle.UnpicklingError, EOFError, AttributeError, ValueError) as err:
            raise ValueError(f"{path}: not a CIFAR-10 batch ({err})") from None
    if not isinstance(batch, dict):
        raise ValueError(f"{path}: not a CIFAR-10 batch (a {type(batch).__name__})")
    batch = {k.decode() if isinstance(k, bytes) else k: v for k, v in batch.items()}
    if "data" not in batch or "labels" not in batch:
        raise ValueError(f"{path}: no 'data' and 'labels' (keys {sorted(batch)})")
    images, labels = np.asarray(batch["data"]), np.asarray(batch["labels"], np.int64)
    if images.dtype != np.uint8 or images.ndim != 2 or images.shape[1] != 3 * 32 * 32 \
            or len(images) != len(labels):
        raise ValueError(f"{path}: expected (N, 3072) uint8 rows and N labels, got "
                         f"{images.dtype} {images.shape} and {labels.shape}")
    if labels.size and (labels.min() < 0 or labels.max() > 9):
        raise ValueError(f"{path}: labels outside 0..9")
    return images.reshape(-1, 3, 32, 32), labels


def cifar10(split="train", root=None, download=None, n=None):
    """CIFAR-10 (Krizhevsky, 2009): 60,000 32x32 colour photos, 10 classes.

    Reads the official python batches from ``root/cifar-10-batches-py/`` (default
    root :data:`CIFAR10_CACHE`). If they are not there, torchvision downloads them,
    but only where ``download`` allows it (default: on Colab only; never in the
    book's build or tests).

    Returns:
        ``(images, labels)``: ``(N, 3, 32, 32)`` float32 tensor in [0, 1] and ``(N,)``
        int64 tensor.

    Raises:
        ValueError: bad ``split`` or ``n``, or a file that is not a CIFAR-10 batch.
        FileNotFoundError: the files are missing and no download is allowed or
            possible; the message says what to do.
    """
    if split not in CIFAR10_FILES:
        raise ValueError(f"split={split!r}: use 'train' or 'test'")
    if n is not None and (isinstance(n, bool) or not isinstance(n, int) or n < 1):
        raise ValueError(f"n={n!r} must be a positive int or None")
    root = CIFAR10_CACHE if root is None else str(root)
    folder = os.path.join(root, CIFAR10_FOLDER)
    paths = [os.path.join(folder, name) for name in CIFAR10_FILES[split]]
    if not all(os.path.exists(p) for p in paths):
        download = on_colab() if download is None else download
        if not download:
            raise FileNotFoundError(
                f"CIFAR-10 is not in {folder}. This chapter downloads it only on Colab "
                "(about 170 MB); elsewhere put the python version "
                "(cifar-10-python.tar.gz, unpacked) there or pass root=.")
        try:
            from torchvision.datasets import CIFAR10
            CIFAR10(root, train=split == "train", download=True)
        except Exception as err:  # no network, no torchvision, a failed checksum...
            raise FileNotFoundError(f"CIFAR-10 could not be downloaded into {root} "
                                    f"({type(err).__name__}: {err})") from None
    parts = [read_cifar_batch(p) for p in paths]
    images = np.concatenate([p[0] for p in parts])[:n]
    labels = np.concatenate([p[1] for p in parts])[:n]
    return torch.from_numpy(images).float() / 255, torch.from_numpy(labels)


def cifar_tensors(n_train=None, n_test=None, root=None, download=None):
    """CIFAR-10 in the layout of :func:`fashion_tensors` (``x_train`` ``(N, 3, 32,
    32)``...)."""
    out = {"classes": CIFAR10_CLASSES}
    for split, n in (("train", n_train), ("test", n_test)):
        out[f"x_{split}"], out[f"y_{split}"] = cifar10(split, root, download, n)
    return out


def cifar_net(width=64, classes=10):
    """A CIFAR-10 network in the style of airbench94 (Jordan, 2024): a stem, three
    blocks of two convolutions (``width``, 4 ``width``, 4 ``width`` channels) that each
    halve the image (32 -> 16 -> 8 -> 4), global max pooling, a linear layer.

    Input ``(N, 3, 32, 32)`` pixels in [0, 1]; output ``(N, classes)`` logits.
    """
    def block(c_in, c_out):
        return nn.Sequential(
            nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.MaxPool2d(2),
            nn.BatchNorm2d(c_out), nn.GELU(),
            nn.Conv2d(c_out, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out),
            nn.GELU())

    w = width
    return nn.Sequential(
        Standardize(CIFAR10_MEAN, CIFAR10_STD),
        nn.Conv2d(3, 32, 3, padding=1, bias=False), nn.BatchNorm2d(32), nn.GELU(),
        block(32, w), block(w, 4 * w), block(4 * w, 4 * w),
        nn.AdaptiveMaxPool2d(1), nn.Flatten(), nn.Linear(4 * w, classes, bias=False))


#: The CIFAR-10 recipe: meant to reach 94% (airbench94 reaches it in 3.83 s on an
#: A100 with further tricks); not run by the book's build, which has no CIFAR-10.
CIFAR_SCHEDULE = Schedule("cifar10", width=64, n_train=50_000, epochs=16,
                          batch_size=512, lr=0.2, label_smoothing=0.2, augment=True,
                          target=0.94, net="cifar10",
                          why="CIFAR-10 on a GPU: shifted and mirrored copies, 16 "
                              "passes (meant to reach 94%)")

NETS = {"fashion": fashion_net, "cifar10": cifar_net}


# The recorded GPU run --------------------------------------------------------------

RECORD_FIELDS = ("hardware", "date", "versions", "schedule", "precision", "curves",
                 "time_to_accuracy")
CURVE_FIELDS = ("epoch", "seconds", "test_acc")


def versions():
    """The software a measurement depends on."""
    import cnnlib
    v = {"python": platform.python_version(), "torch": torch.__version__,
         "numpy": np.__version__, "cnnlib": cnnlib.__version__}
    if torch.cuda.is_available():
        v.update(cuda=torch.version.cuda, cudnn=str(torch.backends.cudnn.version()))
    return v


def make_record(history, schedule, device, date=None):
    """A run, as the recorded-results file keeps it: hardware, date, software
    versions, the schedule, the curves and the time to the schedule's target."""
    return {"recorded": {
        "hardware": train.describe(device),
        "date": date or datetime.date.today().isoformat(),
        "versions": versions(), "schedule": asdict(schedule),
        "precision": history.precision,
        "curves": {k: list(getattr(history, k)) for k in
                   ("epoch", "images", "seconds", "train_loss", "test_acc")},
        "time_to_accuracy": {"target": schedule.target,
                             "seconds": history.time_to(schedule.target)},
        "images_per_s": history.images_per_s}}


def save_record(record, path=RECORDED):
    """Write a :func:`make_record` dict (checked first) as JSON."""
    _check_record(record.get("recorded"), path)
    pathlib.Path(path).write_text(json.dumps(record, indent=1) + "\n")


def load_recorded(path=RECORDED):
    """The recorded GPU run, or ``None`` if none is stored yet (no file, or
    ``{"recorded": null}``).

    Returns:
        dict with :data:`RECORD_FIELDS`; ``curves`` holds equal-length lists
        :data:`CURVE_FIELDS` (and may hold more).

    Raises:
        ValueError: a file that is there but malformed.
    """
    path = pathlib.Path(path)
    if not path.exists():
        return None
    try:
        content = json.loads(path.read_text())
    except json.JSONDecodeError as err:
        raise ValueError(f"{path}: not JSON ({err})") from None
    if not isinstance(content, dict) or "recorded" not in content:
        raise ValueError(f'{path}: expected {{"recorded": ...}}')
    record = content["recorded"]
    if record is not None:
        _check_record(record, path)
    return record


def _check_record(record, path):
    if not isinstance(record, dict) or set(RECORD_FIELDS) - set(record):
        missing = sorted(set(RECORD_FIELDS) - set(record or {}))
        raise ValueError(f"{path}: a recorded run needs {RECORD_FIELDS}; missing "
                         f"{missing}")
    curves = record["curves"]
    if not isinstance(curves, dict) or set(CURVE_FIELDS) - set(curves):
        raise ValueError(f"{path}: curves need {CURVE_FIELDS}")
    lengths = {len(curves[k]) for k in CURVE_FIELDS}
    if len(lengths) != 1 or lengths == {0}:
        raise ValueError(f"{path}: curves {CURVE_FIELDS} must be equally long, not "
                         "empty")
    if not all(0 <= a <= 1 for a in curves["test_acc"]):
        raise ValueError(f"{path}: test accuracies must be fractions in [0, 1]")
    tta = record["time_to_accuracy"]
    if not isinstance(tta, dict) or "target" not in tta or "seconds" not in tta:
        raise ValueError(f"{path}: time_to_accuracy needs 'target' and 'seconds'")


# What a CNN does not understand, measured -------------------------------------------

#: Levels of each perturbation: degrees, pixels (right and down), brightness factor.
ROBUSTNESS_LEVELS = {"rotate": (0, 10, 20, 30, 45, 60, 90),
                     "shift": (0, 1, 2, 3, 4, 5, 6),
                     "darken": (1.0, 0.8, 0.6, 0.45, 0.3, 0.2, 0.1)}
ROBUSTNESS_UNITS = {"rotate": "degrees", "shift": "pixels right and down",
                    "darken": "brightness (1 = unchanged)"}


def perturb(x, kind, level):
    """Images rotated, shifted or darkened.

    Args:
        x: ``(N, C, H, W)`` pixels in [0, 1].
        kind: ``"rotate"`` (``level`` degrees anticlockwise about the centre, bilinear,
            black corners), ``"shift"`` (``level`` whole pixels right and down, black
            comes in) or ``"darken"`` (every pixel times ``level``).

    Returns:
        ``(N, C, H, W)``, same dtype and device.

    Raises:
        ValueError: for an unknown ``kind``, a non-integer or negative shift, or a
            brightness outside [0, 1].
    """
    if kind == "rotate":
        a = math.radians(level)
        theta = torch.tensor([[math.cos(a), -math.sin(a), 0.0],
                              [math.sin(a), math.cos(a), 0.0]], dtype=x.dtype,
                             device=x.device).expand(len(x), 2, 3)
        grid = F.affine_grid(theta, list(x.shape), align_corners=False)
        return F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros",
                             align_corners=False)
    if kind == "shift":
        if level != int(level) or level < 0:
            raise ValueError(f"shift={level!r}: a whole number of pixels, >= 0")
        s, out = int(level), torch.zeros_like(x)
        out[..., s:, s:] = x[..., :x.shape[-2] - s, :x.shape[-1] - s]
        return out
    if kind == "darken":
        if not 0 <= level <= 1:
            raise ValueError(f"brightness={level!r} must be in [0, 1]")
        return x * level
    raise ValueError(f"kind={kind!r}: use one of {', '.join(ROBUSTNESS_LEVELS)}")


def predict(model, x, device=None, batch_size=250):
    """Class probabilities ``(N, classes)`` (float32, on the CPU), in eval mode."""
    device = train.pick_device(device)
    was = model.training
    model.eval()
    fmt = torch.channels_last if x.ndim == 4 else torch.contiguous_format
    with torch.no_grad():
        out = [F.softmax(model(x[i:i + batch_size].to(device).contiguous(
            memory_format=fmt)).float(), 1).cpu() for i in range(0, len(x), batch_size)]
    model.train(was)
    return torch.cat(out)


def robustness_curves(model, x, y, device=None, levels=None):
    """Test accuracy as the images are perturbed.

    Args:
        model: a trained classifier taking pixels in [0, 1].
        x, y: ``(N, C, H, W)`` test images and ``(N,)`` labels.
        levels: ``{kind: levels}`` (default :data:`ROBUSTNESS_LEVELS`).

    Returns:
        ``{kind: (levels, accuracies)}``, two tuples of floats each.
    """
    levels = ROBUSTNESS_LEVELS if levels is None else levels
    curves = {}
    for kind, values in levels.items():
        accs = [float((predict(model, perturb(x, kind, v), device).argmax(1) == y)
                      .float().mean()) for v in values]
        curves[kind] = (tuple(values), tuple(accs))
    return curves


def fgsm(model, x, y, eps, device=None):
    """The fast gradient sign method (Goodfellow et al., 2015): move every pixel by
    ``eps`` in the direction that raises the loss, ``x + eps * sign(dL/dx)``, clipped
    to [0, 1].

    Args:
        model: a classifier taking pixels in [0, 1] (put in eval mode here).
        x: ``(N, C, H, W)`` images; y: ``(N,)`` their true labels.
        eps: the largest change of a pixel (1/255 is one grey level).

    Returns:
        ``(N, C, H, W)`` adversarial images (detached, on ``x``'s device).

    Raises:
        ValueError: if ``eps`` is negative.
    """
    if eps < 0:
        raise ValueError(f"eps={eps!r} must be >= 0")
    device = train.pick_device(device)
    was = model.training
    model.eval()
    x_in = x.detach().to(device).requires_grad_(True)
    loss = F.cross_entropy(model(x_in).float(), y.to(device))
    (grad,) = torch.autograd.grad(loss, x_in)
    model.train(was)
    return (x_in + eps * grad.sign()).clamp(0, 1).detach().to(x.device)


def first_flip(model, x, y, eps_values, device=None):
    """For each image, the smallest ``eps`` in ``eps_values`` at which FGSM changes the
    model's answer (``nan`` where none does)."""
    found = torch.full((len(x),), float("nan"))
    for eps in sorted(eps_values):
        wrong = predict(model, fgsm(model, x, y, eps, device), device).argmax(1) != y
        found = torch.where(wrong & found.isnan(), torch.tensor(float(eps)), found)
    return found
