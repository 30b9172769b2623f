"""Weight sharing: one small neuron applied at every position (chapter 1, "Why convolution").

A convolutional layer is one small group of neurons, ``A(x) = sigma(W x + b)``, evaluated at
every window of its input, the way a program calls one function many times (Olah, 2014,
"Conv Nets: A Modular Perspective"). This module keeps that view explicit:

* :func:`neuron`, :func:`slide_neuron`, :func:`slide_neuron_2d`: the neuron and readable
  loops that apply it at every window (the fast equivalent is :func:`cnnlib.functional.conv1d`
  / :func:`~cnnlib.functional.conv2d` followed by the activation);
* :func:`conv_matrix_1d`, :func:`conv_matrix_2d`: the dense weight matrix of a fully-connected
  layer that computes the same thing: tied, mostly-zero weights (a Toeplitz-like band);
* :func:`parameter_counts`: fully-connected vs convolutional parameters as the input grows;
* :func:`eeg_neurons`, :func:`peak_detector`: hand-made neurons for the EEG traces of
  :func:`cnnlib.data.eeg` (80 samples per second);
* :func:`colour_feature_bank`: three hand-made ``3x3x3`` filters (horizontal edge, vertical
  edge, red-green contrast) for one ``conv2d`` call on an RGB photo;
* :func:`mlpconv`: Lin et al.'s (2013) "Network in Network" layer, a small MLP slid over the
  input, i.e. a convolution followed by ``1x1`` convolutions;
* :func:`input_influence`, :func:`draw_stack`: which inputs one output of a stack depends on
  (its receptive field), measured and drawn.

Conventions: cross-correlation (no kernel flip) and channels-first arrays, as in
:mod:`cnnlib.functional` and ``torch.nn.functional``; window ``n`` starts at input index ``n``.
"""
import numpy as np

from . import counting
from .functional import conv1d, conv2d

RATE = 80  # samples per second of cnnlib.data.eeg()


def sigmoid(z):
    """The logistic function ``1 / (1 + exp(-z))``, elementwise, without overflow warnings."""
    z = np.asarray(z, dtype=float)
    return np.exp(-np.logaddexp(0.0, -z))


def relu(z):
    """``max(z, 0)`` elementwise."""
    return np.maximum(np.asarray(z, dtype=float), 0.0)


def identity(z):
    """No activation: returns ``z`` as a float array."""
    return np.asarray(z, dtype=float)


def neuron(window, weight, bias=0.0, activation=sigmoid):
    """One neuron ``A(x) = activation(w . x + b)`` on one window.

    Args:
        window, weight: arrays of the same shape (any number of dims: ``(K,)``, ``(C, K)``,
            ``(C, K_h, K_w)``); the dot product runs over all their entries.
        bias: a number.
        activation: elementwise function (default :func:`sigmoid`).

    Returns:
        A float.

    Raises:
        ValueError: if ``window`` and ``weight`` have different shapes.
    """
    window, weight = np.asarray(window, dtype=float), np.asarray(weight, dtype=float)
    if window.shape != weight.shape:
        raise ValueError(f"window has shape {window.shape} but weight has shape {weight.shape}")
    return float(activation(np.sum(window * weight) + bias))


def slide_neuron(x, weight, bias=0.0, activation=sigmoid, stride=1):
    """Apply one neuron at every window of a 1D signal, with a plain Python loop.

    ``y[n] = A(x[..., n*stride : n*stride + K])``, the same ``A`` everywhere (weight sharing).

    Args:
        x: ``(L,)`` signal, or ``(C, L)`` with ``C`` channels.
        weight: ``(K,)`` for a ``(L,)`` signal, ``(C, K)`` for a ``(C, L)`` one.
        bias: a number. activation: elementwise function. stride: positive int.

    Returns:
        ``(L_out,)`` with ``L_out = (L - K) // stride + 1``; equal to
        ``activation(conv1d(x[None], weight[None], [bias], stride=stride)[0, 0])``.

    Raises:
        ValueError: if the dims or channel counts of ``x`` and ``weight`` disagree, the kernel
        is longer than the signal, or ``stride`` is not positive.
    """
    x, weight = np.atleast_2d(np.asarray(x, dtype=float)), np.atleast_2d(np.asarray(weight, dtype=float))
    if x.ndim != 2 or weight.ndim != 2 or x.shape[0] != weight.shape[0]:
        raise ValueError(f"signal of shape {np.shape(x)} and weight of shape {np.shape(weight)} do not match: "
                         "use (L,) with (K,) or (C, L) with (C, K)")
    if stride <= 0:
        raise ValueError(f"stride={stride} must be positive")
    length, k = x.shape[1], weight.shape[1]
    if k > length:
        raise ValueError(f"kernel of length {k} is longer than the signal of length {length}")
    n_out = (length - k) // stride + 1
    return np.array([neuron(x[:, n * stride:n * stride + k], weight, bias, activation) for n in range(n_out)])


def slide_neuron_2d(image, weight, bias=0.0, activation=sigmoid):
    """Apply one neuron at every patch of an image (stride 1, no padding), with Python loops.

    ``y[n, m] = A(image[..., n:n+K_h, m:m+K_w])``.

    Args:
        image: ``(H, W)`` or ``(C, H, W)``.
        weight: ``(K_h, K_w)`` or ``(C, K_h, K_w)``, matching ``image``.

    Returns:
        ``(H - K_h + 1, W - K_w + 1)``.

    Raises:
        ValueError: on mismatched dims/channels or a kernel larger than the image.
    """
    image, weight = np.asarray(image, dtype=float), np.asarray(weight, dtype=float)
    if image.ndim == 2:
        image = image[None]
    if weight.ndim == 2:
        weight = weight[None]
    if image.ndim != 3 or weight.ndim != 3 or image.shape[0] != weight.shape[0]:
        raise ValueError(f"image of shape {np.shape(image)} and weight of shape {np.shape(weight)} do not match")
    _, h, w = image.shape
    _, kh, kw = weight.shape
    if kh > h or kw > w:
        raise ValueError(f"kernel {weight.shape[1:]} is larger than the image {image.shape[1:]}")
    out = np.empty((h - kh + 1, w - kw + 1))
    for n in range(out.shape[0]):
        for m in range(out.shape[1]):
            out[n, m] = neuron(image[:, n:n + kh, m:m + kw], weight, bias, activation)
    return out


def conv_matrix_1d(weight, length, stride=1):
    """The dense matrix ``M`` with ``M @ x == conv1d(x, weight)`` for signals of ``length`` samples.

    Row ``n`` holds the kernel at columns ``n*stride .. n*stride + K - 1`` and zeros elsewhere:
    a fully-connected layer whose weights are tied (every row is the same kernel, shifted) and
    mostly zero (each output sees only ``K`` inputs).

    Args:
        weight: ``(K,)`` kernel. length: input length ``L >= K``. stride: positive int.

    Returns:
        ``(L_out, L)`` with ``L_out = (L - K) // stride + 1``.

    Raises:
        ValueError: for a kernel that is not 1D, longer than ``length``, or a non-positive stride.
    """
    weight = np.asarray(weight, dtype=float)
    if weight.ndim != 1:
        raise ValueError(f"weight has shape {weight.shape}; expected a 1D kernel (K,)")
    if stride <= 0 or weight.size > length:
        raise ValueError(f"kernel of length {weight.size}, input length {length}, stride {stride}: "
                         "need 0 < K <= L and stride > 0")
    n_out = (length - weight.size) // stride + 1
    m = np.zeros((n_out, length))
    for n in range(n_out):
        m[n, n * stride:n * stride + weight.size] = weight
    return m


def conv_matrix_2d(weight, shape):
    """The dense matrix ``M`` with ``M @ image.ravel() == conv2d(image, weight).ravel()``.

    Args:
        weight: ``(K_h, K_w)`` kernel. shape: the image's ``(H, W)``.

    Returns:
        ``(H_out * W_out, H * W)``, stride 1 and no padding; output and input are flattened
        row by row (C order), so each row is the kernel scattered into an ``H x W`` grid.

    Raises:
        ValueError: if ``weight`` is not 2D or larger than the image.
    """
    weight = np.asarray(weight, dtype=float)
    h, w = shape
    if weight.ndim != 2 or weight.shape[0] > h or weight.shape[1] > w:
        raise ValueError(f"weight of shape {weight.shape} does not fit an image of shape {tuple(shape)}")
    kh, kw = weight.shape
    ho, wo = h - kh + 1, w - kw + 1
    m = np.zeros((ho * wo, h, w))
    for n in range(ho):
        for j in range(wo):
            m[n * wo + j, n:n + kh, j:j + kw] = weight
    return m.reshape(ho * wo, h * w)


def parameter_counts(sizes, kernel_size=3, c_in=1, c_out=1, bias=True):
    """Parameters of a fully-connected vs a convolutional layer on ``S x S`` inputs.

    For each side ``S`` in ``sizes`` the layer maps ``c_in x S x S`` to ``c_out x S' x S'`` with
    ``S' = S - kernel_size + 1`` (a valid convolution). The fully-connected layer has one weight
    per (input, output) pair (:func:`cnnlib.counting.dense_params`), about ``c_in c_out S^4``; the
    convolution (:func:`cnnlib.counting.conv_params`) has the same count for every ``S``.

    Returns:
        ``(dense, conv)``: int arrays with one entry per size.

    Raises:
        ValueError: if a size is smaller than the kernel.
    """
    sizes = np.asarray(sizes, dtype=int)
    if np.any(sizes < kernel_size):
        raise ValueError(f"sizes {sizes.tolist()} must all be at least kernel_size={kernel_size}")
    out = sizes - kernel_size + 1
    dense = np.array([counting.dense_params(c_in * s * s, c_out * o * o, bias) for s, o in zip(sizes, out)],
                     dtype=np.int64)
    conv = np.full(sizes.shape, counting.conv_params(c_in, c_out, (kernel_size, kernel_size), bias=bias),
                   dtype=np.int64)
    return dense, conv


def eeg_neurons():
    """Hand-made single neurons ``(weight (K,), bias)`` for the standardised EEG traces.

    * ``'rising'``: a ramp ``[-2, -1, 0, 1, 2]`` (5 samples, 62.5 ms) is ``10 x`` the
      least-squares slope per sample; bias ``-4`` makes the sigmoid fire for steep rises only;
    * ``'falling'``: the same ramp, negated;
    * ``'oscillation'``: two cycles of a cosine over 24 samples (300 ms, amplitude 0.4, bias
      ``-3``), so it fires on a strong rhythm near ``80 / 12 = 6.7`` Hz (the theta band) in phase
      with the template; two cycles make it frequency-selective (a 10 Hz sine gives ``w . x = 0``).
    """
    ramp = np.array([-2.0, -1.0, 0.0, 1.0, 2.0])
    cycles = 0.4 * np.cos(2 * np.pi * np.arange(24) / 12)
    return {"rising": (ramp, -4.0), "falling": (-ramp, -4.0), "oscillation": (cycles, -3.0)}


def peak_detector():
    """A two-layer detector of sharp peaks: layer ``A`` = (rising, falling), layer ``B`` on top.

    ``B`` looks at 7 consecutive outputs of both ``A`` neurons: it wants "rising" in its first
    three positions and "falling" in its last three, so it fires on a steep rise followed
    within ~0.1 s by a steep fall: a spike.

    Returns:
        ``(weight_a (2, 1, 5), bias_a (2,), weight_b (1, 2, 7), bias_b (1,))`` in
        :func:`cnnlib.functional.conv1d`'s layout; the stack's receptive field is
        ``5 + 7 - 1 = 11`` samples.
    """
    neurons = eeg_neurons()
    weight_a = np.stack([neurons["rising"][0], neurons["falling"][0]])[:, None, :]
    bias_a = np.array([neurons["rising"][1], neurons["falling"][1]])
    weight_b = np.zeros((1, 2, 7))
    weight_b[0, 0, :3] = 2.0
    weight_b[0, 1, 4:] = 2.0
    return weight_a, bias_a, weight_b, np.array([-7.0])


def peak_stack(x):
    """Run :func:`peak_detector` on a 1D signal ``(L,)``; returns ``(a (2, L-4), b (L-10,))``."""
    x = np.asarray(x, dtype=float)
    if x.ndim != 1:
        raise ValueError(f"signal has shape {x.shape}; expected (L,)")
    weight_a, bias_a, weight_b, bias_b = peak_detector()
    a = sigmoid(conv1d(x[None, None], weight_a, bias_a))
    b = sigmoid(conv1d(a, weight_b, bias_b))
    return a[0], b[0, 0]


def colour_feature_bank():
    """Three hand-made filters for an RGB image, in ``conv2d``'s layout ``(C_out=3, C_in=3, 3, 3)``.

    * 0, horizontal edge: Sobel's vertical-derivative kernel (Sobel & Feldman, 1968) on the mean
      of the three channels; responds where brightness changes from top to bottom;
    * 1, vertical edge: the same turned by 90 degrees (left-to-right change);
    * 2, red-green contrast: the mean red in the 3x3 patch minus the mean green; positive on
      red/orange things, negative on green ones.

    Returns:
        ``(weight (3, 3, 3, 3), names)``.
    """
    sobel_x = np.array([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])
    weight = np.zeros((3, 3, 3, 3))
    weight[0] = sobel_x.T / 3.0
    weight[1] = sobel_x / 3.0
    weight[2, 0] = 1.0 / 9.0
    weight[2, 1] = -1.0 / 9.0
    return weight, ["horizontal edge", "vertical edge", "red-green contrast"]


def mlpconv(x, weights, biases, activation=relu):
    """Lin et al.'s (2013) mlpconv layer: a small MLP applied to every patch of the input.

    The first layer is a ``K_h x K_w`` convolution (the MLP's first layer, seeing one patch);
    every later layer is a ``1x1`` convolution (the MLP's next layers, seeing one position's
    hidden units). ``activation`` follows every layer, as in the paper.

    Args:
        x: ``(N, C, H, W)``.
        weights: list; ``weights[0]`` is ``(O_1, C, K_h, K_w)``, ``weights[i]`` is
            ``(O_{i+1}, O_i, 1, 1)`` for ``i >= 1``.
        biases: list of ``(O_i,)``, one per weight.

    Returns:
        ``(N, O_last, H - K_h + 1, W - K_w + 1)``.

    Raises:
        ValueError: if the lists differ in length, a later layer is not ``1x1``, or shapes
        do not chain (from :func:`cnnlib.functional.conv2d`).
    """
    if len(weights) != len(biases) or not weights:
        raise ValueError(f"got {len(weights)} weights and {len(biases)} biases; need the same, at least one")
    for i, w in enumerate(weights[1:], 1):
        if np.shape(w)[2:] != (1, 1):
            raise ValueError(f"weights[{i}] has shape {np.shape(w)}; layers after the first must be 1x1")
    y = np.asarray(x, dtype=float)
    for w, b in zip(weights, biases):
        y = activation(conv2d(y, w, b))
    return y


def input_influence(fn, x, index, eps=1.0):
    """Which inputs an output depends on, measured by perturbing one input at a time.

    Args:
        fn: a function from a 1D signal ``(L,)`` to a 1D output.
        x: the ``(L,)`` signal. index: the output position to watch.
        eps: size of the perturbation added to each input in turn.

    Returns:
        ``(L,)`` bool: ``True`` where changing ``x[i]`` changes ``fn(x)[index]``. Its count is
        the output's receptive field (for ``fn`` whose neurons all have non-zero weights).

    Raises:
        ValueError: if ``x`` is not 1D or ``index`` is outside the output.
    """
    x = np.asarray(x, dtype=float)
    if x.ndim != 1:
        raise ValueError(f"signal has shape {x.shape}; expected (L,)")
    base = np.asarray(fn(x))
    if not -base.shape[0] <= index < base.shape[0]:
        raise ValueError(f"index {index} is outside the output of length {base.shape[0]}")
    changed = np.zeros(x.shape, dtype=bool)
    for i in range(x.size):
        bumped = x.copy()
        bumped[i] += eps
        changed[i] = np.asarray(fn(bumped))[index] != base[index]
    return changed


def draw_stack(ax, kernel_sizes, n_in=11, out_index=None, labels=None):
    """Draw a stack of 1D valid convolutions as rows of units joined by their connections.

    The units one output of the top layer depends on (its receptive field, layer by layer)
    are highlighted.

    Args:
        ax: matplotlib axes. kernel_sizes: one kernel size per layer, bottom first.
        n_in: number of input units. out_index: top-layer unit to trace (default: the middle).
        labels: row names, bottom first (default ``'input'``, ``'layer 1'``, ...).

    Returns:
        The number of input units in the traced unit's receptive field.

    Raises:
        ValueError: if the stack leaves no output unit.
    """
    sizes = [n_in]
    for k in kernel_sizes:
        sizes.append(sizes[-1] - k + 1)
    if sizes[-1] < 1:
        raise ValueError(f"kernels {list(kernel_sizes)} leave no output for {n_in} inputs")
    labels = labels or ["input"] + [f"layer {i + 1}" for i in range(len(kernel_sizes))]
    out_index = sizes[-1] // 2 if out_index is None else out_index
    lit = [set() for _ in sizes]
    lit[-1] = {out_index}
    for level in range(len(kernel_sizes), 0, -1):
        k = kernel_sizes[level - 1]
        lit[level - 1] = {i + j for i in lit[level] for j in range(k)}
    x_of = [np.arange(s) + (n_in - s) / 2 for s in sizes]
    for level, k in enumerate(kernel_sizes, 1):
        for i in range(sizes[level]):
            for j in range(k):
                on = i in lit[level] and (i + j) in lit[level - 1]
                ax.plot([x_of[level][i], x_of[level - 1][i + j]], [level, level - 1],
                        color="C3" if on else "0.85", lw=1.6 if on else 0.6, zorder=2 if on else 1)
    for level, s in enumerate(sizes):
        on = np.array([i in lit[level] for i in range(s)])
        ax.scatter(x_of[level], np.full(s, level), s=110, c=np.where(on, "C3", "white"),
                   edgecolors="0.3", zorder=3)
        ax.text(-1.2, level, labels[level], ha="right", va="center", fontsize=9)
    ax.set_xlim(-4.5, n_in)
    ax.set_ylim(-0.5, len(sizes) - 0.5)
    ax.axis("off")
    return len(lit[0])
