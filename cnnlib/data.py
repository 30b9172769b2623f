"""Real images and signals that installed packages ship: nothing here downloads.

* photos from scikit-image (``skimage.data``), scikit-learn and matplotlib;
* :func:`eeg`: real EEG traces from matplotlib's sample data (1D signals);
* :func:`digits`: 1,797 real handwritten digits, 8x8 (scikit-learn);
* :func:`video`: the frames of a short real video clip shipped by scikit-image (3D convolution);
* :func:`mri`: a real MRI slice from matplotlib's sample data;
* :func:`mnist1d`: the MNIST-1D benchmark (Greydanus, 2020), generated offline.

Images are returned as float64 arrays scaled to [0, 1]: ``(H, W)`` in grayscale
or ``(H, W, 3)`` in colour.
"""
import gzip
import os
import sys

import numpy as np

# Images whose files ship inside scikit-image (others in skimage.data download).
SKIMAGE_IMAGES = ("astronaut", "camera", "chelsea", "coffee", "coins", "horse", "hubble_deep_field",
                  "moon", "rocket", "text", "brick", "grass", "gravel", "page")
SKLEARN_IMAGES = ("china", "flower")
IMAGES = SKIMAGE_IMAGES + SKLEARN_IMAGES + ("grace_hopper",)


def _to_unit(img):
    img = np.asarray(img)
    if img.dtype == bool:
        return img.astype(float)
    if np.issubdtype(img.dtype, np.integer):
        return img.astype(float) / np.iinfo(img.dtype).max
    return img.astype(float)


def _rgb_to_gray(img):
    """Luminance with the ITU-R BT.709 weights (0.2125, 0.7154, 0.0721), as ``skimage.color.rgb2gray``."""
    return img[..., :3] @ np.array([0.2125, 0.7154, 0.0721])


def _mpl_sample(name):
    import matplotlib
    return os.path.join(matplotlib.get_data_path(), "sample_data", name)


def image(name="camera", gray=False, size=None):
    """A real photo as floats in [0, 1].

    Args:
        name: one of :data:`IMAGES` (``'camera'``, ``'chelsea'`` (a cat), ``'astronaut'``, ``'coins'``,
            ``'china'``, ``'flower'``, ``'grace_hopper'``, ...).
        gray: convert colour photos to one luminance plane.
        size: optional ``(H, W)``; the photo is resized (anti-aliased) to it.

    Returns:
        ``(H, W)`` for grayscale photos or ``gray=True``, else ``(H, W, 3)``.

    Raises:
        ValueError: for a name that is not shipped offline.
    """
    if name in SKIMAGE_IMAGES:
        import skimage.data
        img = getattr(skimage.data, name)()
    elif name in SKLEARN_IMAGES:
        from sklearn.datasets import load_sample_image
        img = load_sample_image(f"{name}.jpg")
    elif name == "grace_hopper":
        import matplotlib.image
        img = matplotlib.image.imread(_mpl_sample("grace_hopper.jpg"))
    else:
        raise ValueError(f"unknown image {name!r}; offline images are {', '.join(IMAGES)}")
    img = _to_unit(img)
    if img.ndim == 3 and img.shape[-1] == 4:      # drop an alpha channel
        img = img[..., :3]
    if gray and img.ndim == 3:
        img = _rgb_to_gray(img)
    if size is not None:
        from skimage.transform import resize
        img = resize(img, tuple(size) + img.shape[2:], anti_aliasing=True)
    return img


def eeg():
    """Real EEG recordings from matplotlib's sample data.

    Returns:
        ``(t, traces)``: ``t`` ``(800,)`` in seconds (10 s at 80 samples per second) and
        ``traces`` ``(4, 800)``, one row per electrode, in the file's units.
    """
    data = np.fromfile(_mpl_sample("eeg.dat"), dtype=float).reshape(800, 4)
    return 10 * np.arange(800) / 800, data.T.copy()


def mri():
    """A real 256x256 MRI slice (matplotlib's ``s1045.ima.gz``), floats in [0, 1]."""
    with gzip.open(_mpl_sample("s1045.ima.gz")) as f:
        img = np.frombuffer(f.read(), np.uint16).astype(float).reshape(256, 256)
    return img / img.max()


def digits():
    """Real handwritten digits (scikit-learn's copy of the UCI set).

    Returns:
        ``(images, labels)``: ``(1797, 8, 8)`` floats in [0, 1] and ``(1797,)`` ints 0-9.
    """
    from sklearn.datasets import load_digits
    d = load_digits()
    return d.images / 16.0, d.target


def video(gray=True):
    """The frames of a short real video (scikit-image's ``no_time_for_that_tiny.gif``).

    Returns:
        ``(T, H, W)`` grayscale frames (or ``(T, H, W, 3)`` with ``gray=False``), floats in [0, 1].
    """
    import imageio.v3 as iio
    import skimage.data
    frames = _to_unit(iio.imread(os.path.join(skimage.data.data_dir, "no_time_for_that_tiny.gif"), index=None))
    frames = frames[..., :3]
    return _rgb_to_gray(frames) if gray else frames


def mnist1d(seed=0):
    """The MNIST-1D data set (Greydanus, 2020): 4,000 training and 1,000 test signals of length 40.

    Generated offline by the ``mnist1d`` package (about 2 s).

    Returns:
        dict with ``x`` ``(4000, 40)``, ``y`` ``(4000,)``, ``x_test`` ``(1000, 40)``, ``y_test``, ``t`` ``(40,)``.
    """
    from mnist1d.data import get_dataset_args, make_dataset
    args = get_dataset_args()
    args.seed = seed
    return make_dataset(args)


# Synthetic X and O glyphs ----------------------------------------------------
#
# Chapter 4 uses them for template matching, and the planned training chapter 8
# trains a small CNN on :func:`glyph_dataset`. The X/O set-up follows Brandon Rohrer's
# tutorial "How do convolutional neural networks work?" (2016); here the glyphs are
# drawn by code, so any size, shift and amount of noise can be made.

GLYPHS = ("x", "o")  # label k is GLYPHS[k]: 0 for X, 1 for O


def _stroke(kind, extent):
    """The glyph drawn on an ``extent x extent`` block of +1/-1 pixels."""
    i, j = np.indices((extent, extent))
    if kind == "x":
        ink = (i == j) | (i + j == extent - 1)
    else:
        # A ring: pixels whose distance from the centre rounds to the radius.
        # Distances are measured to a slightly squashed "superellipse" so that
        # the ring is one pixel thick and has no gaps at small sizes.
        c = (extent - 1) / 2
        d = (np.abs(i - c) ** 3 + np.abs(j - c) ** 3) ** (1 / 3)
        ink = np.abs(d - c) < 0.5
    return np.where(ink, 1.0, -1.0)


def glyph(kind, size=9, shift=(0, 0), extent=None):
    """An X or an O of +1 (ink) and -1 (background) pixels (chapters 4 and 8).

    Args:
        kind: ``'x'`` or ``'o'`` (case-insensitive), one of :data:`GLYPHS`.
        size: the image is ``(size, size)``; at least 5.
        shift: ``(rows, cols)`` to move the glyph down and to the right (negative: up, left).
        extent: side of the glyph's own square, at least 3 and at most ``size``; default
            ``size - 2`` (a one-pixel background border, as in the classic 9x9 example).

    Returns:
        ``(size, size)`` float array of +1 and -1. The X is the two diagonals of its square;
        the O is a one-pixel-thick ring inscribed in it.

    Raises:
        ValueError: for an unknown kind, ``size < 5``, a bad ``extent``, or a shift that
        would move part of the glyph's square outside the image.
    """
    kind = str(kind).lower()
    if kind not in GLYPHS:
        raise ValueError(f"kind={kind!r}: expected one of {GLYPHS}")
    if not isinstance(size, (int, np.integer)) or size < 5:
        raise ValueError(f"size={size} must be an int >= 5")
    extent = size - 2 if extent is None else extent
    if not isinstance(extent, (int, np.integer)) or not 3 <= extent <= size:
        raise ValueError(f"extent={extent} must be an int with 3 <= extent <= size={size}")
    dy, dx = (int(s) for s in shift)
    top, left = (size - extent) // 2 + dy, (size - extent) // 2 + dx
    if not (0 <= top <= size - extent and 0 <= left <= size - extent):
        lo, hi = -((size - extent) // 2), size - extent - (size - extent) // 2
        raise ValueError(
            f"shift={tuple(shift)} moves a {extent}x{extent} glyph out of a "
            f"{size}x{size} image; each component must lie in [{lo}, {hi}]"
        )
    img = -np.ones((size, size))
    img[top : top + extent, left : left + extent] = _stroke(kind, extent)
    return img


def glyph_dataset(n, size=9, extent=None, max_shift=0, flip_prob=0.0, rng=None):
    """A balanced, shuffled set of noisy, shifted X and O glyphs (for chapter 8's training).

    Args:
        n: number of images (half X, half O; an odd ``n`` has one more X).
        size, extent: as in :func:`glyph`.
        max_shift: each glyph is shifted by a uniform random integer in
            ``[-max_shift, max_shift]`` in each direction (clipped so it stays inside).
        flip_prob: each pixel's sign is flipped with this probability (noise), in [0, 1].
        rng: a ``numpy.random.Generator`` (default: ``np.random.default_rng(0)``).

    Returns:
        ``(images, labels)``: ``(n, size, size)`` floats of +1/-1 and ``(n,)`` ints
        (0 = X, 1 = O, the index in :data:`GLYPHS`).

    Raises:
        ValueError: for ``n < 1``, a negative ``max_shift``, ``flip_prob`` outside [0, 1],
        or a bad ``size``/``extent`` (from :func:`glyph`).
    """
    if not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n={n} must be a positive int")
    if max_shift < 0:
        raise ValueError(f"max_shift={max_shift} must be non-negative")
    if not 0.0 <= flip_prob <= 1.0:
        raise ValueError(f"flip_prob={flip_prob} must lie in [0, 1]")
    rng = np.random.default_rng(0) if rng is None else rng
    glyph("x", size, extent=extent)  # validates size and extent
    ext = size - 2 if extent is None else extent
    lo, hi = -((size - ext) // 2), size - ext - (size - ext) // 2
    labels = rng.permutation(np.arange(n) % 2)
    images = np.empty((n, size, size))
    for k, label in enumerate(labels):
        dy, dx = np.clip(rng.integers(-max_shift, max_shift + 1, size=2), lo, hi)
        images[k] = glyph(GLYPHS[label], size, (dy, dx), extent)
    flips = rng.random(images.shape) < flip_prob
    images[flips] *= -1
    return images, labels


# Fashion-MNIST ---------------------------------------------------------------
#
# Xiao, Rasul and Vollgraf (2017): 70,000 28x28 grayscale photos of clothing, 10
# classes. Chapter 9 trains on it. Found in Debian's package dataset-fashion-mnist (no
# download), in a folder you give, or (the one download in this module) fetched by
# torchvision where the network exists. Debian rewrote the .gz headers, so torchvision's
# MD5 of the .gz files rejects them: we read the IDX files directly and check a SHA-256
# of the decoded arrays.

FASHION_MNIST_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                         "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")
#: Folders searched first: Debian's package (``apt-get install dataset-fashion-mnist``).
FASHION_MNIST_DIRS = ("/usr/share/datasets/fashion-mnist",)
#: Where a torchvision download is kept (``<cache>/FashionMNIST/raw``).
FASHION_MNIST_CACHE = os.path.join(os.path.expanduser("~"), ".cache", "cnnlib")
#: SHA-256 of the decoded image bytes followed by the label bytes, per split, of the
#: standard files (Debian's dataset-fashion-mnist 0.0~git20200523.55506a9-1).
FASHION_MNIST_SHA256 = {
    "train": "16d82e2b505296aa2b78bd5ea0992634f30419a4c97def7c907d154a35ac6157",
    "test": "9f1ec356a747bfe4ebab3cfb722d3694c9ca737e2570f6f90cf31d7b6fd689d4",
}
_FASHION_FILES = {"train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
                  "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}


def read_idx(path):
    """Read an IDX file (LeCun's MNIST format), gzipped (``.gz``) or not, as an array.

    The header is two zero bytes, a type code (``0x08``: unsigned byte) and the number
    of dimensions, then each dimension as a big-endian int32; the values follow.

    Returns:
        ``uint8`` array of the stored shape (``(N, 28, 28)`` images, ``(N,)`` labels).

    Raises:
        ValueError: for a bad header, a type other than unsigned bytes, or a size that
            does not match the header.
    """
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rb") as f:
        raw = f.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise ValueError(f"{path}: not an unsigned-byte IDX file (header {raw[:4]!r})")
    ndim = raw[3]
    shape = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    offset = 4 + 4 * ndim
    if len(raw) - offset != int(np.prod(shape)):
        raise ValueError(f"{path}: header says shape {shape}, but the file holds "
                         f"{len(raw) - offset} values")
    return np.frombuffer(raw, np.uint8, offset=offset).reshape(shape)


def _find_fashion(split, folders):
    for folder in folders:
        for sub in ("", os.path.join("FashionMNIST", "raw")):
            paths = []
            for name in _FASHION_FILES[split]:
                for candidate in (name + ".gz", name):
                    if os.path.exists(os.path.join(folder, sub, candidate)):
                        paths.append(os.path.join(folder, sub, candidate))
                        break
            if len(paths) == 2:
                return paths
    return None


def fashion_mnist(split="train", n=None, root=None, download=None, verify=True):
    """Fashion-MNIST (Xiao, Rasul and Vollgraf, 2017): photos of clothing, 10 classes.

    Looks in ``root`` (if given), then :data:`FASHION_MNIST_DIRS` (Debian's package),
    then :data:`FASHION_MNIST_CACHE`, for the four standard IDX files (``.gz`` or not,
    also in a ``FashionMNIST/raw`` subfolder as torchvision keeps them). If none is
    there and ``download`` allows it, torchvision downloads them into the cache (this
    needs the network). By default that happens only on Google Colab, so the book's build
    and tests never download.

    Args:
        split: ``'train'`` (60,000 images) or ``'test'`` (10,000).
        n: keep only the first ``n`` images of the split (in file order), or all.
        root: a folder holding the files.
        download: allow the torchvision download when no files are found (default
            None: only on Colab).
        verify: check :data:`FASHION_MNIST_SHA256` of the decoded arrays (turn off only
            for files that are not the standard ones, e.g. small test files).

    Returns:
        ``(images, labels)``: ``(n, 28, 28)`` float32 in [0, 1] and ``(n,)`` int64 class
        indices into :data:`FASHION_MNIST_CLASSES`.

    Raises:
        ValueError: for a bad ``split`` or ``n``, files that are not IDX, or a checksum
            mismatch.
        FileNotFoundError: no files found and no download allowed or possible; the
            message says how to install them (:func:`digits` is an offline alternative).
    """
    import hashlib
    if split not in _FASHION_FILES:
        raise ValueError(f"split={split!r}: use 'train' or 'test'")
    if n is not None and (not isinstance(n, (int, np.integer)) or n < 1):
        raise ValueError(f"n={n!r} must be a positive int or None")
    folders = [root] if root is not None else []
    folders += list(FASHION_MNIST_DIRS) + [FASHION_MNIST_CACHE]
    paths = _find_fashion(split, folders)
    if download is None:
        download = "google.colab" in sys.modules
    if paths is None:
        how = ("Install Debian's package (apt-get install dataset-fashion-mnist), "
               "pass root= a folder holding the four IDX files, or use "
               "cnnlib.data.digits(), which needs no download.")
        if not download:
            raise FileNotFoundError(f"Fashion-MNIST not found in {folders}. {how}")
        try:
            from torchvision.datasets import FashionMNIST
            FashionMNIST(FASHION_MNIST_CACHE, train=split == "train", download=True)
        except Exception as err:  # no network, no torchvision, a failed checksum, ...
            raise FileNotFoundError(
                f"Fashion-MNIST is not installed here and could not be downloaded "
                f"({type(err).__name__}: {err}). {how}") from None
        paths = _find_fashion(split, [FASHION_MNIST_CACHE])
        if paths is None:
            raise FileNotFoundError(f"torchvision's download left no files in "
                                    f"{FASHION_MNIST_CACHE}. {how}")
    images, labels = (read_idx(p) for p in paths)
    if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
        raise ValueError(f"{paths}: expected (N, H, W) images and (N,) labels, got "
                         f"{images.shape} and {labels.shape}")
    if verify:
        digest = hashlib.sha256(images.tobytes())
        digest.update(labels.tobytes())
        if digest.hexdigest() != FASHION_MNIST_SHA256[split]:
            raise ValueError(f"{paths}: the decoded arrays do not match the "
                             f"Fashion-MNIST {split} split (SHA-256 mismatch); pass "
                             "verify=False only for files you made yourself")
    if n is not None:
        images, labels = images[:n], labels[:n]
    return images.astype(np.float32) / 255, labels.astype(np.int64)
