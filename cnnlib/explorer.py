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
    import inspect
    import pkgutil

    import cnnlib.chapters as chapters
    found = []
    for info in pkgutil.iter_modules(chapters.__path__):
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
