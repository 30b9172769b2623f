"""Interactive explorers: ipywidgets controls wired to plain functions.

The pattern every chapter's explorer follows:

* the computation is a plain function of the controls' values (tests call it);
* the figure is made once; ``update(**values)`` changes its artists in place (``set_data``,
  ``set_text``), it never makes a new figure on a slider move;
* a move costs one redraw of the figure plus a JPEG frame, shown in an ``ipywidgets.Image``;
* on a static web page sliders do nothing, so every explorer has a static companion:
  :func:`animate` turns the same ``update`` into a self-contained JavaScript animation
  (``to_jshtml``), which plays in the HTML book offline.

A plain ``fig.canvas.draw()`` is fast enough for most figures. Where it is not, name the
artists that ``update`` changes in ``animated=``: the rest is drawn once as a background and
each move repaints only those artists, with matplotlib's documented blitting API
(``copy_from_bbox`` / ``restore_region`` / ``draw_artist``; see matplotlib's "Faster rendering
by using blitting" tutorial). ``update`` returns ``"redraw"`` when it changed something baked
into the background (axes limits, ticks), and the next frame is then a full draw.

Factories are named ``make_<thing>_explorer()`` and return an :class:`Explorer`; tests and
``benchmarks/widgets.py`` find them by that name.
"""
import io

import matplotlib.pyplot as plt
from matplotlib.animation import FuncAnimation
from matplotlib.backends.backend_agg import FigureCanvasAgg


def jpeg(canvas, quality=90):
    """The canvas's current pixels as JPEG bytes.

    Slider frames are short-lived: JPEG at quality 90 encodes in under 2 ms and is no larger than
    a PNG, which takes 10-13 ms for a typical explorer (the figures on the book's pages stay PNG).
    """
    from PIL import Image
    width, height = canvas.get_width_height()
    image = Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
    out = io.BytesIO()
    image.convert("RGB").save(out, format="JPEG", quality=quality)
    return out.getvalue()


class Explorer:
    """A figure plus controls: moving a control calls ``update(**values)`` and repaints the figure.

    Args:
        fig: the matplotlib figure, made once.
        update: ``update(**values)`` changes ``fig``'s artists for the controls' values; it may
            return ``"redraw"`` to ask for a full draw (only matters with ``animated``).
        controls: ``{name: ipywidgets control}``; names are ``update``'s keyword arguments.
        animated: artists that ``update`` changes; if given, frames are blitted (see the module
            docstring), else every frame is a full draw.

    :meth:`refresh` is the whole cost of one move: update, redraw, encode.
    """

    def __init__(self, fig, update, controls, animated=()):
        import ipywidgets as w
        self.fig, self.update, self.controls = fig, update, dict(controls)
        self.animated = list(animated)
        for artist in self.animated:
            artist.set_animated(True)
        self.background = None
        plt.close(fig)        # shown through the Image widget only, not again by the inline backend;
        FigureCanvasAgg(fig)  # closing leaves a canvas that cannot render: give it one that does
        width, height = fig.canvas.get_width_height()
        self.image = w.Image(format="jpeg",
                             layout=w.Layout(width=f"{width}px", height=f"{height}px"))
        for control in self.controls.values():
            control.observe(lambda change: self.redraw(), names="value")
        row = w.HBox(list(self.controls.values()), layout=w.Layout(flex_flow="row wrap"))
        self.widget = w.VBox([row, self.image])
        self.redraw()

    @property
    def values(self):
        return {name: control.value for name, control in self.controls.items()}

    def render(self, full=False):
        """Draw the figure as it is now; returns the canvas."""
        canvas = self.fig.canvas
        if not self.animated:
            canvas.draw()
            return canvas
        if full or self.background is None:
            canvas.draw()                                   # everything but the animated artists
            self.background = canvas.copy_from_bbox(self.fig.bbox)
        else:
            canvas.restore_region(self.background)
        for artist in self.animated:
            self.fig.draw_artist(artist)
        return canvas

    def refresh(self, values=None):
        """Update for ``values`` (default: the controls'), redraw and return the frame (JPEG)."""
        asked = self.update(**(self.values if values is None else values))
        return jpeg(self.render(full=asked == "redraw"))

    def redraw(self):
        self.image.value = self.refresh()

    def _ipython_display_(self):
        from IPython.display import display
        display(self.widget)


def animate(fig, update, frames, interval=600):
    """A static companion for a web page: ``update(**frame)`` for each dict in ``frames``.

    Returns an ``IPython.display.HTML`` with a self-contained JavaScript player
    (play, pause, step), which works offline in the built book.
    """
    from IPython.display import HTML
    frames = list(frames)
    for artist in fig.findobj():     # an explorer's blitted artists: a movie draws everything
        artist.set_animated(False)
    anim = FuncAnimation(fig, lambda i: update(**frames[i]), frames=len(frames),
                         interval=interval, blit=False)
    html = HTML(anim.to_jshtml(default_mode="loop"))
    plt.close(fig)
    return html


def find_explorers():
    """``[(name, factory)]`` for every ``make_*_explorer`` in the chapters' ``figures`` modules."""
    import importlib
    import importlib.util
    import inspect
    import pkgutil

    import cnnlib.chapters as chapters
    found = []
    for info in pkgutil.iter_modules(chapters.__path__):
        if importlib.util.find_spec(f"{chapters.__name__}.{info.name}.figures") is None:
            continue                                   # a chapter being written
        module = importlib.import_module(f"{chapters.__name__}.{info.name}.figures")
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if name.startswith("make_") and name.endswith("_explorer") and fn.__module__ == module.__name__:
                found.append((f"{info.name[:4]}.{name}", fn))
    return found


def control_values(control, most=9):
    """Up to ``most`` values a control can take, in order: an even subset of a slider's range, a
    dropdown's options, a checkbox's two states; a text box keeps its value."""
    options = getattr(control, "options", None)
    if options:
        return [o[1] if isinstance(o, tuple) else o for o in options]
    if isinstance(control.value, bool):
        return [not control.value, control.value]
    if hasattr(control, "min") and hasattr(control, "max"):
        step = getattr(control, "step", 1) or 1
        n = int(round((control.max - control.min) / step)) + 1
        picks = [control.min + step * i for i in range(0, n, max(1, -(-n // most)))]
        return [type(control.value)(v) for v in picks]
    return [control.value]


FRAMES = "_frames"      # written beside the notebook; book/_ext/explorer_frames.py publishes it

_PAGE_SCRIPT = """
(function () {
  const root = document.getElementById("%(id)s");
  const spec = JSON.parse(root.querySelector("script[type='application/json']").textContent);
  const img = root.querySelector("img"), status = root.querySelector(".cnnlib-status");
  const inputs = Array.from(root.querySelectorAll("[data-control]"));
  function show() {
    let index = 0;
    inputs.forEach((input, k) => {
      const i = Number(input.value);
      index = index * spec.sizes[k] + i;
      const out = root.querySelector("output[data-for='" + input.id + "']");
      if (out) out.textContent = spec.labels[k][i];
    });
    const src = spec.base + index + ".jpg";
    img.onerror = () => { status.textContent = spec.missing; };
    img.onload = () => { status.textContent = ""; };
    img.alt = spec.alt + ": " + inputs.map((input, k) =>
      spec.names[k] + " " + spec.labels[k][Number(input.value)]).join(", ");
    img.src = src;
  }
  inputs.forEach(input => input.addEventListener("input", show));
})();
"""


def _label(value):
    return f"{value:.3g}" if isinstance(value, float) else str(value)


def web_explorer(explorer, name, grid=None, most=6, alt="explorer frame", folder=FRAMES):
    """The static companion of an explorer for the web page: its controls over precomputed frames.

    Renders ``explorer`` once for every combination of ``grid`` (with the explorer's own
    ``refresh``, so each frame equals what the live explorer shows), writes the frames as
    ``folder/name/<index>.jpg`` and returns an ``IPython.display.HTML`` holding the same controls
    (range sliders, drop-downs) and a short script that swaps in the matching frame when a
    control moves. Frames are fetched on demand; only the first is inline. Works with no
    kernel, no server and no third-party file; sliders answer the arrow keys and every control
    has a label for screen readers.

    Args:
        explorer: an :class:`Explorer`.
        name: a name unique in the book, used in file names (letters, digits, ``-``, ``_``).
        grid: ``{control: [values]}``; controls not named keep their current value; default:
            :func:`control_values` (at most ``most`` values) for every control that is not a
            free-text box.
        alt: what the picture shows, for screen readers.

    Returns:
        ``IPython.display.HTML``.

    Raises:
        ValueError: for a bad name, an unknown control, or an empty list of values.
    """
    import base64
    import html
    import itertools
    import json
    import math
    import pathlib
    import re

    from IPython.display import HTML
    if not re.fullmatch(r"[\w-]+", name):
        raise ValueError(f"name={name!r}: use letters, digits, '-' and '_' only")
    if grid is None:
        grid = {key: control_values(c, most) for key, c in explorer.controls.items()
                if not isinstance(c.value, str) or getattr(c, "options", None)}
    unknown = set(grid) - set(explorer.controls)
    if unknown or any(len(v) == 0 for v in grid.values()):
        raise ValueError(f"grid {grid}: unknown controls {sorted(unknown)} or empty values")
    names = list(grid)
    out = pathlib.Path(folder) / name
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.jpg"):
        old.unlink()
    values = explorer.values
    first = None
    for index, combo in enumerate(itertools.product(*(grid[k] for k in names))):
        values.update(zip(names, combo))
        frame = explorer.refresh(values)
        (out / f"{index}.jpg").write_bytes(frame)
        first = frame if first is None else first
    uid = f"cnnlib-{name}"
    rows = []
    for k, key in enumerate(names):
        label = html.escape(getattr(explorer.controls[key], "description", "") or key)
        cid = f"{uid}-{k}"
        if hasattr(explorer.controls[key], "min") and not getattr(explorer.controls[key], "options", None):
            rows.append(f'<label for="{cid}">{label}</label> <input type="range" id="{cid}" data-control '
                        f'min="0" max="{len(grid[key]) - 1}" step="1" value="0"> '
                        f'<output data-for="{cid}">{html.escape(_label(grid[key][0]))}</output>')
        else:
            options = "".join(f'<option value="{i}">{html.escape(_label(v))}</option>'
                              for i, v in enumerate(grid[key]))
            rows.append(f'<label for="{cid}">{label}</label> <select id="{cid}" data-control>{options}</select>')
    total = math.prod(len(grid[k]) for k in names)
    spec = {"base": f"../{folder}/{name}/", "sizes": [len(grid[k]) for k in names], "names": names,
            "labels": [[_label(v) for v in grid[k]] for k in names], "alt": alt,
            "missing": "This setting's picture is on the web page only: run the live explorer above."}
    width, height = explorer.fig.canvas.get_width_height()
    body = (f'<div class="cnnlib-explorer" id="{uid}" role="group" aria-label="{html.escape(alt)}">'
            f'<div class="cnnlib-controls">{" &nbsp; ".join(rows)}</div>'
            f'<img src="data:image/jpeg;base64,{base64.b64encode(first).decode()}" width="{width}" '
            f'height="{height}" style="max-width:100%;height:auto" alt="{html.escape(alt)}">'
            f'<p class="cnnlib-status" aria-live="polite"></p>'
            f'<p><small>{total} settings precomputed for this page; every setting runs in the live '
            f'explorer on Colab or Jupyter.</small></p>'
            f'<script type="application/json">{json.dumps(spec)}</script>'
            f'<script>{_PAGE_SCRIPT % {"id": uid}}</script></div>')
    return HTML(body)
