"""Chapter 11, "Seq2seq and attention": figures, the attention explorer and its web
page.

* :func:`encoder_decoder_figure`: the encoder-decoder unrolled, without attention (the
  chatbot) and with it (a sentence in Chinese characters translated into English);
* :func:`loss_figure`, :func:`bottleneck_figure`: training curves; accuracy against
  input length with and without attention;
* :func:`attention_heatmap`, :func:`attention_maps_figure`: where each output character
  looked;
* :func:`transformer_parts_figure`: a transformer layer's parameters by part;
* :func:`make_attention_explorer`: pick a date, a language and a style (or type any
  text) and see the model's output and its attention map; :func:`attention_web_explorer`
  is its static companion.

Korean, Chinese and Japanese characters need a CJK font: :func:`text_fonts` adds the
first Noto Sans CJK font it finds on the system to matplotlib's list; where there is
none, :func:`char_label` writes such characters as code points (``U+B144``) so that no
glyph is missing from a figure.
"""

import calendar
import datetime as dt
import functools
import os

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import FancyArrowPatch

from cnnlib.explorer import FRAMES, Explorer, web_explorer
from cnnlib.plot import box

from . import (
    FIRST,
    LAST,
    LOCALES,
    STYLES,
    TARGET_VOCAB,
    build_model,
    human_date,
    task_vocab,
    translate,
)

#: Longest input the explorer shows (typed text is cut there) and its output rows.
MAX_INPUT, MAX_OUTPUT = 40, 12


@functools.lru_cache(maxsize=None)
def text_fonts():
    """Font families for figure text: DejaVu Sans, then a CJK font if the system has
    one."""
    import matplotlib.font_manager as fm

    families = ["DejaVu Sans"]
    found = sorted(
        p
        for p in fm.findSystemFonts()
        if "SansCJK" in os.path.basename(p) and "Regular" in os.path.basename(p)
    )
    if found:
        fm.fontManager.addfont(found[0])
        families.append(fm.FontProperties(fname=found[0]).get_name())
    return tuple(families)


@functools.lru_cache(maxsize=None)
def _charmaps():
    """For each of :func:`text_fonts`, the code points it can draw."""
    import matplotlib.font_manager as fm
    from matplotlib.ft2font import FT2Font

    maps = []
    for family in text_fonts():
        path = fm.findfont(fm.FontProperties(family=family), fallback_to_default=False)
        maps.append(frozenset(FT2Font(path).get_charmap()))
    return tuple(maps)


@functools.lru_cache(maxsize=None)
def _covered():
    """Code points that :func:`text_fonts` can draw."""
    return frozenset().union(*_charmaps())


def char_label(c):
    """A tick label for one input character: ``"␣"`` for a space, the character if a
    font can draw it, else its code point (``"U+B144"``)."""
    if c == " ":
        return "\u2423"
    return c if ord(c) in _covered() else f"U+{ord(c):04X}"


def safe_text(text):
    """``text`` with every character no font can draw replaced by ``"?"``."""
    return "".join(c if ord(c) in _covered() or c.isspace() else "?" for c in text)




def _arrow(ax, a, b, **kw):
    style = dict(arrowstyle="-|>", mutation_scale=8, lw=0.9, color="0.35")
    style.update(kw)
    ax.add_patch(FancyArrowPatch(a, b, shrinkA=2, shrinkB=2, **style))


def encoder_decoder_figure():
    """The encoder-decoder unrolled in time, twice.

    Top: a chatbot without attention. The encoder reads "Are you free tomorrow ?"; its
    last state is the summary ``c``, from which the decoder, starting at ``<s>``, writes
    a reply word by word, each word fed back as the next input, until ``</s>``.
    Bottom: translating a sentence written in Chinese characters, with attention. For
    the output word "tomorrow" the decoder mixes all the encoder's states; the thick
    line marks the word it needs (an illustration of the idea, not weights of a trained
    model).

    Returns:
        The ``Figure``.
    """
    fonts = list(text_fonts())
    cjk = len(fonts) > 1
    fig, axes = plt.subplots(2, 1, figsize=(11, 6.6))
    panels = [
        (
            ["Are", "you", "free", "tomorrow", "?"],
            ["Yes", ",", "what", "time", "?"],
            False,
            "Without attention (a chatbot): the decoder sees the input only through c",
        ),
        (
            ["你\nnǐ", "明天\nmíngtiān", "有空\nyǒukòng", "吗\nma", "？"]
            if cjk
            else ["nǐ", "míngtiān", "yǒukòng", "ma", "?"],
            ["Are", "you", "free", "tomorrow", "?"],
            True,
            "With attention (translation): each output word looks at the input words "
            "it needs",
        ),
    ]
    for ax, (words, reply, attend, title) in zip(axes, panels):
        n_in, n_out = len(words), len(reply) + 1
        xs_in = np.arange(n_in) * 1.25
        xs_out = xs_in[-1] + 2.3 + np.arange(n_out) * 1.25
        for i, (x, word) in enumerate(zip(xs_in, words)):
            ax.text(x, 0, word, ha="center", va="center", fontsize=9, fontfamily=fonts)
            _arrow(ax, (x, 0.3), (x, 0.75))
            box(ax, x, 1, f"h{i + 1}", "#cfe3f3")
            if i:
                _arrow(ax, (xs_in[i - 1] + 0.4, 1), (x - 0.4, 1))
        inputs = ["<s>"] + reply
        outputs = reply + ["</s>"]
        for t, x in enumerate(xs_out):
            ax.text(x, 0, inputs[t], ha="center", va="center", fontsize=9)
            _arrow(ax, (x, 0.3), (x, 0.75))
            box(ax, x, 1, f"s{t + 1}", "#f8d9b5")
            _arrow(ax, (x, 1.25), (x, 1.75))
            ax.text(
                x,
                2.0,
                outputs[t],
                ha="center",
                va="center",
                fontsize=9,
                fontweight="bold",
            )
            if t:
                _arrow(ax, (xs_out[t - 1] + 0.4, 1), (x - 0.4, 1))
            if t + 1 < n_out:  # the word written is the next step's input
                _arrow(
                    ax,
                    (x + 0.3, 1.85),
                    (xs_out[t + 1] - 0.3, 0.15),
                    linestyle=(0, (2, 2)),
                    lw=0.7,
                    color="tab:orange",
                )
        if not attend:
            cx = (xs_in[-1] + xs_out[0]) / 2
            box(ax, cx, 1, "c", "#d8f0d0", w=0.5)
            _arrow(ax, (xs_in[-1] + 0.4, 1), (cx - 0.25, 1))
            _arrow(ax, (cx + 0.25, 1), (xs_out[0] - 0.4, 1))
            ax.text(cx, 1.45, "summary", ha="center", fontsize=8, color="0.3")
        else:
            t = reply.index("tomorrow")  # step t + 1 (s4) writes "tomorrow"
            cx, cy = (xs_in[-1] + xs_out[0]) / 2, 2.4
            box(ax, cx, cy, f"c{t + 1}", "#d8f0d0", w=0.55)
            for i, x in enumerate(xs_in):
                ax.plot(
                    [x, cx],
                    [1.25, cy - 0.25],
                    color="tab:green",
                    lw=3.0 if i == 1 else 0.6,
                    alpha=0.9 if i == 1 else 0.5,
                )
            _arrow(ax, (cx + 0.3, cy), (xs_out[t] - 0.2, 1.25), color="tab:green")
            ax.text(
                cx,
                cy + 0.45,
                f"c{t + 1} = sum of the h_j, weighted by attention",
                ha="center",
                fontsize=8,
                color="tab:green",
            )
        ax.text(xs_in.mean(), -0.6, "encoder", ha="center", fontsize=9, color="0.3")
        ax.text(
            xs_out.mean(),
            -0.6,
            "decoder (its own parameters)",
            ha="center",
            fontsize=9,
            color="0.3",
        )
        ax.set_xlim(xs_in[0] - 0.9, xs_out[-1] + 0.9)
        ax.set_ylim(-0.9, 3.0)
        ax.set_title(title, fontsize=10, loc="left")
        ax.axis("off")
    fig.tight_layout()
    return fig


def loss_figure(losses):
    """Training loss per step; ``losses`` is ``{label: list of floats}``. Returns the
    figure."""
    fig, ax = plt.subplots(figsize=(6.5, 3.4))
    for label, values in losses.items():
        ax.plot(np.arange(1, len(values) + 1), values, label=label, lw=1.2)
    ax.set(
        xlabel="training step (a batch of 128 dates)",
        ylabel="cross-entropy per character",
        yscale="log",
        title="Teacher-forced training loss",
    )
    ax.legend(fontsize=9)
    fig.tight_layout()
    return fig


def bottleneck_figure(panels):
    """Exact-match accuracy against input length, with and without attention.

    Args:
        panels: list of ``(title, edges, {label: accuracies}, counts)``; the accuracies
            and counts are per bin of input length (:func:`~..accuracy_by_length`).

    Returns:
        The ``Figure``: one panel per task, bars (right axis) for how many test
        inputs fall in each bin.
    """
    fig, axes = plt.subplots(
        1, len(panels), figsize=(5.6 * len(panels), 3.8), squeeze=False
    )
    styles = {
        0: dict(color="tab:green", marker="o"),
        1: dict(color="tab:red", marker="s"),
    }
    for ax, (title, edges, accuracies, counts) in zip(axes[0], panels):
        edges = np.asarray(edges)
        mids = (edges[:-1] + edges[1:] - 1) / 2
        bars = ax.twinx()
        bars.bar(mids, counts, width=0.8 * np.diff(edges), color="0.9", zorder=0)
        bars.set_ylabel("test inputs", color="0.5")
        bars.tick_params(colors="0.5")
        ax.set_zorder(bars.get_zorder() + 1)
        ax.patch.set_visible(False)
        for k, (label, acc) in enumerate(accuracies.items()):
            ax.plot(mids, acc, label=label, **styles[k % 2])
        ax.set(
            xlabel="input length (characters)",
            ylabel="exact-match accuracy",
            ylim=(-0.03, 1.03),
            title=title,
        )
        ax.set_xticks(edges)
        ax.legend(fontsize=8, loc="center right")
    fig.tight_layout()
    return fig


def attention_heatmap(ax, weights, text, output, fontsize=8):
    """Draw one attention map: a row per output character, a column per input character.

    Args:
        ax: the axes; weights: ``(T, S)`` (rows beyond ``len(output) + 1`` are dropped).
        text: the input (S characters); output: the decoded string (the last row is
            ``</s>``).

    Returns:
        The ``AxesImage``.
    """
    rows = list(output) + ["</s>"]
    weights = np.asarray(weights)[: len(rows), : len(text)]
    im = ax.imshow(weights, cmap="magma", vmin=0, vmax=1, aspect="auto")
    ax.set_xticks(range(len(text)))
    ax.set_xticklabels(
        [char_label(c) for c in text], fontsize=fontsize, fontfamily=list(text_fonts())
    )
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels(rows, fontsize=fontsize)
    ax.tick_params(length=0)
    return im


def attention_maps_figure(examples, ncols=2):
    """Small multiples of :func:`attention_heatmap`.

    Args:
        examples: list of ``(text, output, weights, title)``.

    Returns:
        The ``Figure``.
    """
    nrows = int(np.ceil(len(examples) / ncols))
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(6.0 * ncols, 3.0 * nrows), squeeze=False
    )
    for ax, (text, output, weights, title) in zip(axes.flat, examples):
        im = attention_heatmap(ax, weights, text, output)
        ax.set_title(safe_text(title), fontsize=9, fontfamily=list(text_fonts()))
    for ax in axes.flat[len(examples) :]:
        ax.axis("off")
    fig.colorbar(im, ax=axes, shrink=0.6, label="attention weight")
    return fig


def transformer_parts_figure(parts, title):
    """Bar chart of a transformer layer's parameters by part (``{part: count}``)."""
    fig, ax = plt.subplots(figsize=(7.5, 2.8))
    names, counts = list(parts), list(parts.values())
    ax.barh(names, counts, color=["tab:green", "tab:blue", "tab:gray"][: len(names)])
    for y, c in enumerate(counts):
        ax.text(c, y, f" {c:,}", va="center", fontsize=9)
    ax.invert_yaxis()
    ax.set(xlabel="parameters", xlim=(0, 1.2 * max(counts)))
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return fig


def _font_index(c):
    """Index in :func:`text_fonts` of the first font that draws ``c`` (0 if none
    does)."""
    for k, points in enumerate(_charmaps()):
        if ord(c) in points:
            return k
    return 0


@functools.lru_cache(maxsize=1024)
def glyphs(label, dpi, fontsize=9):
    """``label`` rendered once by FreeType: ``(coverage, baseline)``.

    ``coverage`` is an ``(h, w)`` uint8 bitmap (0 = empty, 255 = ink) and ``baseline``
    the row of the text's baseline in it. The explorer pastes these into one image
    instead of drawing a text artist per character (one image is about ten times faster
    to draw).
    """
    import matplotlib.font_manager as fm

    family = text_fonts()[max(_font_index(c) for c in label)]
    font = fm.get_font(fm.findfont(fm.FontProperties(family=family)))
    font.clear()
    font.set_size(fontsize, dpi)
    font.set_text(label, 0.0)
    font.draw_glyphs_to_bitmap(antialiased=True)
    coverage = np.asarray(font.get_image()).copy()
    return coverage, coverage.shape[0] - int(round(font.get_descent() / 64))


def line_glyphs(text, dpi, fontsize=9):
    """Like :func:`glyphs` for a line that mixes scripts: each run of characters that
    one font draws is rendered in that font, and the runs are joined on one baseline."""
    import itertools

    space = int(round(0.32 * fontsize * dpi / 72))  # a bitmap has no width for spaces
    runs = []
    key = lambda c: -1 if c == " " else _font_index(c)  # noqa: E731
    for font, chars in itertools.groupby(text, key=key):
        run = "".join(chars)
        runs.append(
            (np.zeros((1, space * len(run)), np.uint8), 0)
            if font < 0
            else glyphs(run, dpi, fontsize)
        )
    if not runs:
        return np.zeros((1, 1), np.uint8), 0
    above = max(b for _, b in runs)
    below = max(c.shape[0] - b for c, b in runs)
    out = np.zeros((above + below, sum(c.shape[1] for c, _ in runs)), np.uint8)
    left = 0
    for coverage, baseline in runs:
        top = above - baseline
        out[top : top + coverage.shape[0], left : left + coverage.shape[1]] = coverage
        left += coverage.shape[1]
    return out, above


def _paste(canvas, coverage, top, left):
    """Ink ``coverage`` into the alpha channel of the RGBA ``canvas`` at (top, left),
    clipped."""
    h, w = coverage.shape
    t0, l0 = max(top, 0), max(left, 0)
    t1, l1 = min(top + h, canvas.shape[0]), min(left + w, canvas.shape[1])
    if t1 > t0 and l1 > l0:
        patch = coverage[t0 - top : t1 - top, l0 - left : l1 - left]
        np.maximum(canvas[t0:t1, l0:l1, 3], patch, out=canvas[t0:t1, l0:l1, 3])


def _pixels(ax):
    """The axes' size in whole pixels, ``(height, width)``."""
    box = ax.get_window_extent()
    return int(round(box.height)), int(round(box.width))


def label_strip(labels, shape, dpi, axis="x", fontsize=9):
    """An RGBA image of character labels, one per cell, for a strip beside a heatmap.

    Args:
        labels: the label of each cell (``char_label`` of each character, or output
            characters); ``shape``: the strip's ``(height, width)`` in pixels.
        axis: ``"x"``: cells side by side, labels centred under each column, baselines
            aligned (labels longer than one character are turned upright); ``"y"``:
            cells stacked, labels right-aligned next to each row.

    Returns:
        ``(height, width, 4)`` uint8, black ink on a transparent background.
    """
    canvas = np.zeros(shape + (4,), dtype=np.uint8)
    height, width = shape
    for k, label in enumerate(labels):
        if not label:
            continue
        coverage, baseline = glyphs(label, dpi, fontsize)
        if axis == "x":
            centre = (k + 0.5) * width / len(labels)
            if len(label) > 1:  # a code point: written bottom to top
                coverage = np.rot90(coverage)
                top = 3
            else:
                top = 3 + int(round(dpi * fontsize / 72)) - baseline
            _paste(canvas, coverage, top, int(round(centre - coverage.shape[1] / 2)))
        else:
            centre = (k + 0.5) * height / len(labels)
            top = int(round(centre - coverage.shape[0] / 2))
            _paste(canvas, coverage, top, width - 4 - coverage.shape[1])
    return canvas


def _explorer_panel(model, src_vocab):
    """The explorer's figure, ``update(locale, style, year, month, day, text)`` and the
    artists that ``update`` changes.

    The axes are fixed; the map is stretched over them whatever its size, and the
    character labels are two images (:func:`label_strip`), so that a move repaints three
    images and the title over a still background (blitting).
    """
    fig = plt.figure(figsize=(9.5, 3.6))
    ax = fig.add_axes((0.07, 0.22, 0.82, 0.66))
    ax_x = fig.add_axes((0.07, 0.09, 0.82, 0.13))
    ax_y = fig.add_axes((0.0, 0.22, 0.07, 0.66))
    cax = fig.add_axes((0.905, 0.22, 0.015, 0.66))
    extent = (-0.5, MAX_INPUT - 0.5, MAX_OUTPUT - 0.5, -0.5)
    im = ax.imshow(
        np.zeros((MAX_OUTPUT, MAX_INPUT)),
        cmap="magma",
        vmin=0,
        vmax=1,
        aspect="auto",
        interpolation="nearest",
        extent=extent,
    )
    fig.colorbar(im, cax=cax, label="attention weight")
    ax.set_xticks([]), ax.set_yticks([])
    fig.canvas.draw()  # to know the strips' pixel sizes
    strips = {}
    for name, strip_ax in (("x", ax_x), ("y", ax_y)):
        strip_ax.axis("off")
        shape = _pixels(strip_ax)
        strips[name] = strip_ax.imshow(
            np.zeros(shape + (4,), np.uint8),
            aspect="auto",
            interpolation="nearest",
            extent=(0, 1, 0, 1),
        )
        strip_ax.set_xlim(0, 1), strip_ax.set_ylim(0, 1)
    fig.text(0.48, 0.05, "input character", ha="center", fontsize=9)
    fig.text(0.005, 0.55, "output character", rotation=90, va="center", fontsize=9)
    ax_t = fig.add_axes((0.07, 0.89, 0.82, 0.1))
    ax_t.axis("off")
    title = ax_t.imshow(
        np.zeros(_pixels(ax_t) + (4,), np.uint8),
        aspect="auto",
        interpolation="nearest",
        extent=(0, 1, 0, 1),
    )
    ax_t.set_xlim(0, 1), ax_t.set_ylim(0, 1)

    def update(locale="ko_KR", style="full", year=2024, month=3, day=5, text=""):
        locale = locale if locale in LOCALES else "ko_KR"
        style = style if style in STYLES else "full"
        year = int(np.clip(year, FIRST.year, LAST.year))
        month = int(np.clip(month, 1, 12))
        day = int(np.clip(day, 1, calendar.monthrange(year, month)[1]))
        typed = (text or "").strip()[:MAX_INPUT]
        source = typed or human_date(dt.date(year, month, day), locale, style)
        truth = None if typed else dt.date(year, month, day).isoformat()
        (output,), weights = translate(
            model, [source], src_vocab, TARGET_VOCAB, max_len=MAX_OUTPUT
        )
        rows = (list(output) + ["</s>"])[:MAX_OUTPUT]
        if weights is None:  # no attention: nothing to show but the output
            shown = np.zeros((len(rows), len(source)))
        else:
            shown = weights[0][: len(rows), : len(source)]
        im.set_data(shown)  # stretched over the fixed extent
        for name, labels in (("x", [char_label(c) for c in source]), ("y", rows)):
            shape = strips[name].get_array().shape[:2]
            strips[name].set_data(label_strip(labels, shape, fig.dpi, axis=name))
        verdict = (
            ""
            if truth is None
            else ("  \u2713 right" if output == truth else f"  \u2717 (true: {truth})")
        )
        line = f"{safe_text(source)}  \u2192  {output or '(nothing)'}{verdict}"
        coverage, _ = line_glyphs(line, fig.dpi, 10)
        canvas = np.zeros(title.get_array().shape, np.uint8)
        _paste(
            canvas,
            coverage,
            (canvas.shape[0] - coverage.shape[0]) // 2,
            (canvas.shape[1] - coverage.shape[1]) // 2,
        )
        title.set_data(canvas)

    update()
    # the frame is drawn over the map (as in a full draw), so it is repainted after it
    return fig, update, [im, *ax.spines.values(), strips["x"], strips["y"], title]


def make_attention_explorer(model=None, src_vocab=None):
    """The explorer: a date, its language and style (or any typed text) -> output and
    map.

    Args:
        model: a trained :class:`~cnnlib.models.seq2seq.Seq2Seq` with attention
            (default: a new, untrained one, which shows the machinery and random
            weights).
        src_vocab: its input :class:`~..Vocab` (default :func:`~..task_vocab`).

    Returns:
        a :class:`cnnlib.explorer.Explorer`; controls clamp their values, so no setting
        raises (a typed text is cut at :data:`MAX_INPUT` characters).
    """
    import ipywidgets as w

    src_vocab = task_vocab() if src_vocab is None else src_vocab
    model = build_model(src_vocab, hidden_size=48) if model is None else model
    fig, update, changing = _explorer_panel(model, src_vocab)
    controls = {
        "locale": w.Dropdown(
            options=list(LOCALES), value="ko_KR", description="language"
        ),
        "style": w.Dropdown(options=list(STYLES), value="full", description="style"),
        "year": w.IntSlider(
            value=2024, min=FIRST.year, max=LAST.year, description="year"
        ),
        "month": w.IntSlider(value=3, min=1, max=12, description="month"),
        "day": w.IntSlider(value=5, min=1, max=31, description="day"),
        "text": w.Text(value="", placeholder="or type a date here", description="text"),
    }
    return Explorer(fig, update, controls, animated=changing)


def attention_web_explorer(explorer, folder=FRAMES):
    """The explorer on the web page: every language and style for the explorer's date.

    Returns:
        ``IPython.display.HTML`` (:func:`cnnlib.explorer.web_explorer`), named
        ``"ch11-attention"``.
    """
    alt = "attention map: output characters against the input characters of a date"
    first = explorer.values["locale"]  # the explorer's language comes first
    grid = {
        "locale": [first] + [loc for loc in LOCALES if loc != first],
        "style": list(STYLES),
    }
    return web_explorer(explorer, "ch11-attention", grid=grid, alt=alt, folder=folder)
