"""Chapter 4, "Convolution in 1D, 2D and 3D": the plain computation (no display).

* :func:`match_map`: template matching of a +1/-1 pattern over a +1/-1 glyph, the
  classic X-versus-O example (the glyphs are :func:`cnnlib.data.glyph`), with the
  3x3 :data:`PATTERNS`;
* :func:`never_read`: the input rows (or columns) that no output window reads;
* :func:`window_numbers`: the explorer's numbers (input and kernel values, the
  products of one output and their sum);
* :func:`window_state`: which input cells one output of a padded, strided, dilated
  2D convolution reads, the computation behind the chapter's explorer
  (``figures.make_sliding_window_explorer``).

Conventions: glyph images are ``(H, W)`` float arrays whose pixels are ``+1`` (ink) or
``-1`` (background); every convolution is cross-correlation (no kernel flip), as in
:func:`cnnlib.functional.conv2d`. The X/O set-up follows Brandon Rohrer's tutorial
"How do convolutional neural networks work?" (2016); output sizes follow Dumoulin &
Visin (2016).
"""

import numpy as np

from cnnlib.counting import conv_multiplies
from cnnlib.functional import conv2d, conv_output_size

# 3x3 pattern patches (+1 ink, -1 background), named by what they look like.
PATTERNS = {
    "diagonal \\": np.array([[1, -1, -1], [-1, 1, -1], [-1, -1, 1]], dtype=float),
    "diagonal /": np.array([[-1, -1, 1], [-1, 1, -1], [1, -1, -1]], dtype=float),
    "centre cross": np.array([[1, -1, 1], [-1, 1, -1], [1, -1, 1]], dtype=float),
}


def match_map(image, pattern):
    """Template-matching scores: ``conv2d(image, pattern) / pattern.size`` ('valid',
    stride 1).

    Every pixel product is ``(+1)(+1)`` or ``(-1)(-1) = +1`` where pattern and glyph
    agree
    and ``-1`` where they disagree, so the mean of the products is a match score.

    Args:
        image: ``(H, W)`` array (typically +1/-1 pixels from :func:`cnnlib.data.glyph`).
        pattern: ``(K_h, K_w)`` array with ``K_h <= H`` and ``K_w <= W``.

    Returns:
        ``(H - K_h + 1, W - K_w + 1)``: entry ``(i, j)`` is the mean of the products of
        the
        pattern with the image patch whose top-left corner is ``(i, j)``. For +1/-1
        images
        and patterns it lies in [-1, 1]: 1 for a perfect match, -1 for the exact
        negative,
        and ``1 - 2m/K_h K_w`` when ``m`` pixels disagree.

    Raises:
        ValueError: if either array is not 2D, or the pattern is larger than the image.
    """
    image, pattern = np.asarray(image, dtype=float), np.asarray(pattern, dtype=float)
    if image.ndim != 2 or pattern.ndim != 2:
        raise ValueError(
            f"image {image.shape} and pattern {pattern.shape} must both be 2D (H, W)"
        )
    if pattern.shape[0] > image.shape[0] or pattern.shape[1] > image.shape[1]:
        raise ValueError(
            f"pattern of shape {pattern.shape} is larger than the image of shape "
            f"{image.shape}"
        )
    return conv2d(image[None, None], pattern[None, None])[0, 0] / pattern.size


# The sliding-window explorer -------------------------------------------------

# Clamped ranges of the explorer's controls (name: (min, max, default)).
CONTROLS = {
    "size": (3, 9, 7),
    "kernel": (1, 4, 3),
    "padding": (0, 2, 1),
    "stride": (1, 3, 2),
    "dilation": (1, 3, 1),
    "step": (0, 168, 0),
}
# The largest padded grid (and output) the controls allow: 13.
LARGEST_GRID = CONTROLS["size"][1] + 2 * CONTROLS["padding"][1]

# Cell classes drawn in the input panel, and their colours (index = class).
EMPTY, PAD, INPUT, READ_PAD, READ_INPUT, NEVER_READ = 0, 1, 2, 3, 4, 5
CELL_COLORS = ("white", "#c8c8c8", "#dbe9f6", "#e6550d", "#fdae6b", "#c51b7d")


def _axis(size, kernel, padding, stride, dilation):
    """``(H, K, P, S, D)`` as ints, after checking their ranges."""
    if size < 1 or kernel < 1 or stride < 1 or dilation < 1 or padding < 0:
        raise ValueError(
            f"size={size}, kernel={kernel}, stride={stride}, dilation={dilation} "
            f"must be >= 1 and padding={padding} >= 0"
        )
    return int(size), int(kernel), int(padding), int(stride), int(dilation)


def never_read(size, kernel, padding=0, stride=1, dilation=1):
    """Input indices (along one axis) that no output window reads.

    Output ``i`` reads padded cells ``i*S + D*k`` for ``k = 0..K-1``, so input index
    ``r`` is read when ``r + P`` is one of them for some output ``i``. With a stride
    larger than the kernel's step, or when ``(H + 2P - D(K-1) - 1)`` is not a multiple
    of ``S``, some inputs are skipped: for ``H = 6, K = 3, S = 2`` the last row.

    Args:
        size, kernel, padding, stride, dilation: ``H, K, P, S, D`` of one axis, as in
            :func:`cnnlib.functional.conv_output_size`.

    Returns:
        sorted list of input indices in ``[0, H)`` that no window touches; every index
        when the kernel does not fit (no output exists, so nothing is read).

    Raises:
        ValueError: for a non-positive size, kernel, stride or dilation, or negative
            padding.
    """
    H, K, P, S, D = _axis(size, kernel, padding, stride, dilation)
    if H + 2 * P - D * (K - 1) - 1 < 0:
        return list(range(H))
    out = conv_output_size(H, K, stride=S, padding=P, dilation=D)
    read = {i * S + D * k - P for i in range(out) for k in range(K)}
    return [r for r in range(H) if r not in read]


def window_state(size, kernel, padding=0, stride=1, dilation=1, step=0):
    """Geometry of one step of a 2D convolution's sliding window.

    The geometry is that of :func:`cnnlib.functional.conv2d` (square input and kernel,
    the same padding, stride and dilation along both axes). Coordinates are those of the
    *padded* input: cell ``(r, c)`` is input pixel ``(r - P, c - P)``, and cells with
    ``r < P`` or ``r >= H + P`` (likewise for ``c``) are padding zeros.

    Args:
        size: input height = width ``H`` (>= 1).
        kernel: kernel height = width ``K`` (>= 1).
        padding: zeros added on every side ``P`` (>= 0).
        stride: ``S`` (>= 1). dilation: ``D`` (>= 1; 1 = no gaps).
        step: which output position, in raster order (row by row); clamped into
            ``[0, out*out - 1]`` so any value is safe.

    Returns:
        dict with ``padded`` (``H + 2P``), ``span`` (``D(K-1) + 1``), ``out`` (output
        side
        from :func:`cnnlib.functional.conv_output_size`, 0 when the kernel does not
        fit),
        ``fits`` (bool), ``step`` (after clamping), ``pos`` (output ``(row, col)`` or
        None), ``taps`` (``(K*K, 2)`` int array of the padded-input cells the current
        output reads, in kernel order; empty when it does not fit), ``cells``
        (``(padded, padded)`` int array of classes :data:`PAD`, :data:`INPUT`,
        :data:`READ_PAD`, :data:`READ_INPUT`, and :data:`NEVER_READ` for input cells
        in a row or column that no output reads, see :func:`never_read`),
        ``never_read`` (that list), ``multiplies`` (of the whole output, from
        :func:`cnnlib.counting.conv_multiplies`) and ``formula`` (the output-size
        formula
        written out with these numbers, or the reason no output exists).

    Raises:
        ValueError: for a non-positive size, kernel, stride or dilation, or negative
            padding.
    """
    H, K, P, S, D = _axis(size, kernel, padding, stride, dilation)
    padded, span = H + 2 * P, D * (K - 1) + 1
    cells = np.full((padded, padded), PAD)
    cells[P : P + H, P : P + H] = INPUT
    numer = padded - span
    expr = f"out = ⌊({H} + 2·{P} − {D}·({K}−1) − 1) / {S}⌋ + 1"
    if numer < 0:
        return dict(
            padded=padded,
            span=span,
            out=0,
            fits=False,
            step=0,
            pos=None,
            taps=np.zeros((0, 2), int),
            cells=cells,
            never_read=list(range(H)),
            multiplies=0,
            formula=f"{expr}: the dilated kernel spans {D}·({K}−1)+1 = {span} "
            f"cells, more than the padded input's {H}+2·{P} = {padded}; "
            "no output fits",
        )
    out = conv_output_size(H, K, stride=S, padding=P, dilation=D)
    step = int(np.clip(step, 0, out * out - 1))
    i, j = divmod(step, out)
    rows = i * S + D * np.arange(K)
    cols = j * S + D * np.arange(K)
    taps = np.stack(np.meshgrid(rows, cols, indexing="ij"), axis=-1).reshape(-1, 2)
    skipped = np.array(never_read(H, K, P, S, D), dtype=int) + P
    cells[skipped, P : P + H] = NEVER_READ
    cells[P : P + H, skipped] = NEVER_READ
    inside = cells[taps[:, 0], taps[:, 1]] == INPUT
    cells[taps[:, 0], taps[:, 1]] = np.where(inside, READ_INPUT, READ_PAD)
    formula = f"{expr} = ⌊{numer} / {S}⌋ + 1 = {out}"
    return dict(
        padded=padded,
        span=span,
        out=out,
        fits=True,
        step=step,
        pos=(i, j),
        taps=taps,
        cells=cells,
        never_read=never_read(H, K, P, S, D),
        multiplies=conv_multiplies((out, out), (K, K)),
        formula=formula,
    )


def window_numbers(size, kernel, padding=0, stride=1, dilation=1, step=0):
    """The numbers the explorer writes: small integer input and kernel values, the
    products of the current output, and every output.

    The input is ``x[r, c] = (r * H + c) mod 10`` and the kernel
    ``w[p, q] = (p * K + q) mod 4`` (for ``H = 3, K = 2`` the chapter's worked example),
    so every value is one digit.

    Args:
        as :func:`window_state`.

    Returns:
        dict with ``input`` (``(H, H)``), ``kernel`` (``(K, K)``), ``padded``
        (``(H + 2P, H + 2P)``, zeros around), ``output`` (``conv2d`` of them, ``(out,
        out)``; ``(0, 0)`` when the kernel does not fit), ``products`` (the ``K*K``
        products of the current output's taps with the kernel, kernel order; empty when
        it does not fit) and ``value`` (their sum, the current output; None when it
        does not fit).

    Raises:
        ValueError: as :func:`window_state`.
    """
    st = window_state(size, kernel, padding, stride, dilation, step)
    H, K, P = int(size), int(kernel), int(padding)
    x = np.arange(H * H).reshape(H, H) % 10.0
    w = np.arange(K * K).reshape(K, K) % 4.0
    xp = np.pad(x, P)
    if not st["fits"]:
        return dict(input=x, kernel=w, padded=xp, output=np.zeros((0, 0)),
                    products=np.zeros(0), value=None)  # fmt: skip
    y = conv2d(x[None, None], w[None, None], stride=stride, padding=P,
               dilation=dilation)[0, 0]  # fmt: skip
    products = xp[st["taps"][:, 0], st["taps"][:, 1]] * w.ravel()
    return dict(input=x, kernel=w, padded=xp, output=y, products=products,
                value=float(products.sum()))  # fmt: skip
