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
