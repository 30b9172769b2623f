"""Chapter 1, "Why convolution": one small neuron applied at every position.

A convolutional layer is one small group of neurons, ``A(x) = sigma(W x + b)``,
evaluated at every window of its input, the way a program calls one function many times
(Olah, 2014, "Conv Nets: A Modular Perspective"). This module keeps that view explicit:

* :func:`neuron`, :func:`slide_neuron_2d`: the neuron, and readable loops that apply it
  at every patch of an image (the fast equivalent is :func:`cnnlib.functional.conv2d`
  followed by the activation);
* :func:`parameter_counts`: fully-connected vs convolutional parameters as the input
  grows; :func:`sharing_counts`: dense, locally connected (untied) and convolutional
  layers side by side, parameters and multiplications, separating locality from weight
  sharing;
* :func:`eeg_neurons`, :func:`peak_detector`, :func:`peak_stack`: hand-made neurons for
  the EEG traces of :func:`cnnlib.data.eeg` (80 samples per second) and a two-layer
  stack;
* :func:`window_outputs`, :func:`window_frames`: the numbers behind the window explorer;
* :func:`colour_feature_bank`: three hand-made ``3x3x3`` filters (horizontal edge,
  vertical edge, red-green contrast) for one ``conv2d`` call on an RGB photo;
* :func:`mlpconv`: Lin et al.'s (2013) "Network in Network" layer, a small MLP slid over
  the input, i.e. a convolution followed by ``1x1`` convolutions;
* :func:`input_influence`: which inputs one output of a stack depends on (its receptive
  field), measured.

The dense matrix of a convolution (a fully-connected layer with tied weights) is
:func:`cnnlib.functional.linear_matrix`. Conventions: cross-correlation (no kernel flip)
and channels-first arrays, as in :mod:`cnnlib.functional` and ``torch.nn.functional``;
window ``n`` starts at input index ``n``.
"""

import numpy as np

from cnnlib import counting, data, kernels
from cnnlib.functional import conv1d, conv2d, conv_output_size

RATE = 80  # samples per second of cnnlib.data.eeg()
SEGMENT = (6.0, 9.0)  # seconds the window explorer shows: two sharp spikes on channel 0


def sigmoid(z):
    """The logistic function ``1 / (1 + exp(-z))``, elementwise, without overflow."""
    z = np.asarray(z, dtype=float)
    return np.exp(-np.logaddexp(0.0, -z))


def relu(z):
    """``max(z, 0)`` elementwise."""
    return np.maximum(np.asarray(z, dtype=float), 0.0)


def neuron(window, weight, bias=0.0, activation=sigmoid):
    """One neuron ``A(x) = activation(w . x + b)`` on one window.

    Args:
        window, weight: arrays of the same shape (any number of dims: ``(K,)``, ``(C,
            K)``, ``(C, K_h, K_w)``); the dot product runs over all their entries.
        bias: a number.
        activation: elementwise function (default :func:`sigmoid`).

    Returns:
        A float.

    Raises:
        ValueError: if ``window`` and ``weight`` have different shapes.
    """
    window, weight = np.asarray(window, dtype=float), np.asarray(weight, dtype=float)
    if window.shape != weight.shape:
        raise ValueError(
            f"window has shape {window.shape} but weight has shape {weight.shape}"
        )
    return float(activation(np.sum(window * weight) + bias))


def slide_neuron_2d(image, weight, bias=0.0, activation=sigmoid):
    """Apply one neuron at every patch of an image (stride 1, no padding), with loops.

    ``y[n, m] = A(image[..., n:n+K_h, m:m+K_w])``: what exercise ch01-slide-2d asks the
    reader to write (its check forbids calling this function).

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
        raise ValueError(
            f"image of shape {np.shape(image)} and weight of shape {np.shape(weight)} "
            "do not match"
        )
    _, h, w = image.shape
    _, kh, kw = weight.shape
    if kh > h or kw > w:
        raise ValueError(
            f"kernel {weight.shape[1:]} is larger than the image {image.shape[1:]}"
        )
    out = np.empty((conv_output_size(h, kh), conv_output_size(w, kw)))
    for n in range(out.shape[0]):
        for m in range(out.shape[1]):
            out[n, m] = neuron(
                image[:, n : n + kh, m : m + kw], weight, bias, activation
            )
    return out


def parameter_counts(sizes, kernel_size=3, c_in=1, c_out=1, bias=True):
    """Parameters of a fully-connected vs a convolutional layer on ``S x S`` inputs.

    For each side ``S`` in ``sizes`` the layer maps ``c_in x S x S`` to ``c_out x S' x
    S'`` with ``S' = S - kernel_size + 1`` (a valid convolution,
    :func:`cnnlib.functional.conv_output_size`). The fully-connected layer has one
    weight per (input, output) pair (:func:`cnnlib.counting.dense_params`), about ``c_in
    c_out S^4``; the convolution (:func:`cnnlib.counting.conv_params`) has the same
    count for every ``S``.

    Returns:
        ``(dense, conv)``: int arrays with one entry per size.

    Raises:
        ValueError: if a size is smaller than the kernel.
    """
    sizes = np.asarray(sizes, dtype=int)
    if np.any(sizes < kernel_size):
        raise ValueError(
            f"sizes {sizes.tolist()} must all be at least kernel_size={kernel_size}"
        )
    out = [conv_output_size(int(s), kernel_size) for s in sizes]
    dense = np.array(
        [
            counting.dense_params(c_in * s * s, c_out * o * o, bias)
            for s, o in zip(sizes, out)
        ],
        dtype=np.int64,
    )
    conv = np.full(
        sizes.shape,
        counting.conv_params(c_in, c_out, (kernel_size, kernel_size), bias=bias),
        dtype=np.int64,
    )
    return dense, conv


def sharing_counts(side=28, kernel_size=3, c_in=1, c_out=1, bias=True):
    """Three layers from ``c_in x side x side`` to ``c_out x S' x S'`` (valid, stride
    1), counted.

    * ``'dense'``: every output unit has its own weight for every input value;
    * ``'locally connected'``: every output unit sees only its ``K x K`` window
      (locality) but has its own weights there (no sharing, "untied" weights);
    * ``'convolution'``: locality and one shared filter per output channel.

    Locality removes most of the dense layer's parameters; sharing removes the rest, but
    leaves the multiplications as they are: the locally connected layer and the
    convolution do the same ``S'^2 K^2 C_in C_out`` multiplies
    (:func:`cnnlib.counting.conv_multiplies`).

    Returns:
        ``{name: (parameters, multiplications)}`` with the three names above, in order.

    Raises:
        ValueError: if ``kernel_size > side``.
    """
    if kernel_size > side:
        raise ValueError(f"kernel_size={kernel_size} is larger than side={side}")
    out = conv_output_size(side, kernel_size)
    n_in, n_out = c_in * side * side, c_out * out * out
    window = c_in * kernel_size * kernel_size
    conv_mults = counting.conv_multiplies(
        (out, out), (kernel_size, kernel_size), c_in=c_in, c_out=c_out
    )
    local = n_out * window + (n_out if bias else 0)  # one filter per output unit
    return {
        "dense": (counting.dense_params(n_in, n_out, bias), n_in * n_out),
        "locally connected": (local, conv_mults),
        "convolution": (
            counting.conv_params(c_in, c_out, (kernel_size, kernel_size), bias=bias),
            conv_mults,
        ),
    }


def eeg_neurons():
    """Hand-made single neurons ``(weight (K,), bias)`` for the standardised EEG traces.

    * ``'rising'``: a ramp ``[-2, -1, 0, 1, 2]`` (5 samples, 62.5 ms) is ``10 x`` the
      least-squares slope per sample; bias ``-4`` makes the sigmoid fire for steep rises
      only;
    * ``'falling'``: the same ramp, negated;
    * ``'oscillation'``: two cycles of a cosine over 24 samples (300 ms, amplitude 0.4,
      bias ``-3``), so it fires on a strong rhythm near ``80 / 12 = 6.7`` Hz (the theta
      band) in phase with the template; two cycles make it frequency-selective (a 10 Hz
      sine gives ``w . x = 0``).
    """
    ramp = np.array([-2.0, -1.0, 0.0, 1.0, 2.0])
    cycles = 0.4 * np.cos(2 * np.pi * np.arange(24) / 12)
    return {
        "rising": (ramp, -4.0),
        "falling": (-ramp, -4.0),
        "oscillation": (cycles, -3.0),
    }


def peak_detector():
    """A two-layer detector of sharp peaks: layer ``A`` (rising, falling), ``B`` on top.

    ``B`` looks at 7 consecutive outputs of both ``A`` neurons: it wants "rising" in its
    first three positions and "falling" in its last three, so it fires on a steep rise
    followed within ~0.1 s by a steep fall: a spike.

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
    """Run :func:`peak_detector` on a signal ``(L,)``: ``(a (2, L-4), b (L-10,))``."""
    x = np.asarray(x, dtype=float)
    if x.ndim != 1:
        raise ValueError(f"signal has shape {x.shape}; expected (L,)")
    weight_a, bias_a, weight_b, bias_b = peak_detector()
    a = sigmoid(conv1d(x[None, None], weight_a, bias_a))
    b = sigmoid(conv1d(a, weight_b, bias_b))
    return a[0], b[0, 0]


def window_outputs(segment=SEGMENT):
    """The EEG segment the window explorer shows, and every neuron's output on it.

    Args:
        segment: ``(start, stop)`` in seconds, inside the 10-s recording.

    Returns:
        ``(t (L,), traces (4, L), outputs)`` where ``outputs[name]`` is ``(4, L - K +
        1)``: ``sigmoid(conv1d(trace, w) + b)`` for each neuron of :func:`eeg_neurons`.
    """
    t, traces = data.eeg()
    lo, hi = (int(round(s * RATE)) for s in segment)
    t, traces = t[lo:hi], traces[:, lo:hi]
    outputs = {
        name: sigmoid(conv1d(traces[:, None], w[None, None], np.array([b]))[:, 0])
        for name, (w, b) in eeg_neurons().items()
    }
    return t, traces, outputs


def window_frames(n_frames=24, neuron="rising", channel=0, segment=SEGMENT):
    """Evenly spaced window positions: control values for the window animation.

    Returns:
        ``n_frames`` dicts ``{"position", "neuron", "channel"}``; the last window is the
        last that fits the neuron's kernel.

    Raises:
        ValueError: for ``n_frames`` outside 1-30 (the page's size).
    """
    if not 1 <= n_frames <= 30:
        raise ValueError(
            f"n_frames={n_frames} must be between 1 and 30 (the page's size)"
        )
    length = int(round((segment[1] - segment[0]) * RATE))
    k = eeg_neurons()[neuron][0].size
    last = conv_output_size(length, k) - 1
    positions = np.linspace(0, last, n_frames).round().astype(int)
    return [
        {"position": int(p), "neuron": neuron, "channel": channel} for p in positions
    ]


def colour_feature_bank():
    """Three hand-made filters for an RGB image: ``conv2d`` weights ``(3, 3, 3, 3)``.

    * 0, horizontal edge: Sobel's vertical-derivative kernel
      :data:`cnnlib.kernels.SOBEL_Y` (Sobel & Feldman, 1968) on the mean of the three
      channels; responds where brightness changes from top to bottom;
    * 1, vertical edge: :data:`cnnlib.kernels.SOBEL_X`, the same turned by 90 degrees
      (left-to-right change);
    * 2, red-green contrast: the mean red in the 3x3 patch minus the mean green;
      positive on red/orange things, negative on green ones.

    Returns:
        ``(weight (3, 3, 3, 3), names)``.
    """
    weight = np.zeros((3, 3, 3, 3))
    weight[0] = kernels.SOBEL_Y / 3.0
    weight[1] = kernels.SOBEL_X / 3.0
    weight[2, 0] = 1.0 / 9.0
    weight[2, 1] = -1.0 / 9.0
    return weight, ["horizontal edge", "vertical edge", "red-green contrast"]


def mlpconv(x, weights, biases, activation=relu):
    """Lin et al.'s (2013) mlpconv layer: a small MLP applied to every input patch.

    The first layer is a ``K_h x K_w`` convolution (the MLP's first layer, seeing one
    patch); every later layer is a ``1x1`` convolution (the MLP's next layers, seeing
    one position's hidden units). ``activation`` follows every layer, as in the paper.

    Args:
        x: ``(N, C, H, W)``.
        weights: list; ``weights[0]`` is ``(O_1, C, K_h, K_w)``, ``weights[i]`` is
            ``(O_{i+1}, O_i, 1, 1)`` for ``i >= 1``.
        biases: list of ``(O_i,)``, one per weight.

    Returns:
        ``(N, O_last, H - K_h + 1, W - K_w + 1)``.

    Raises:
        ValueError: if the lists differ in length, a later layer is not ``1x1``, or
            shapes do not chain (from :func:`cnnlib.functional.conv2d`).
    """
    if len(weights) != len(biases) or not weights:
        raise ValueError(
            f"got {len(weights)} weights and {len(biases)} biases; "
            "need the same, at least one"
        )
    for i, w in enumerate(weights[1:], 1):
        if np.shape(w)[2:] != (1, 1):
            raise ValueError(
                f"weights[{i}] has shape {np.shape(w)}; "
                "layers after the first must be 1x1"
            )
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
        ``(L,)`` bool: ``True`` where changing ``x[i]`` changes ``fn(x)[index]``. Its
        count is the output's receptive field (for ``fn`` whose neurons all have
        non-zero weights).

    Raises:
        ValueError: if ``x`` is not 1D or ``index`` is outside the output.
    """
    x = np.asarray(x, dtype=float)
    if x.ndim != 1:
        raise ValueError(f"signal has shape {x.shape}; expected (L,)")
    base = np.asarray(fn(x))
    if not -base.shape[0] <= index < base.shape[0]:
        raise ValueError(
            f"index {index} is outside the output of length {base.shape[0]}"
        )
    changed = np.zeros(x.shape, dtype=bool)
    for i in range(x.size):
        bumped = x.copy()
        bumped[i] += eps
        changed[i] = np.asarray(fn(bumped))[index] != base[index]
    return changed
