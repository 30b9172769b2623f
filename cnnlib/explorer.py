"""Interactive explorers: ipywidgets controls wired to plain functions.

The pattern every explorer follows:

* the computation is a plain function of the controls' values (tests call it);
* the figure is made once; ``update(**values)`` changes its artists in place (``set_data``,
  ``set_text``), it never makes a new figure on a slider move;
* on a static web page sliders do nothing, so every explorer has a static
  companion: :func:`animate` turns the same ``update`` into a self-contained
  JavaScript animation (``to_jshtml``), which plays in the HTML book offline.

Redrawing a whole matplotlib figure costs about a millisecond per piece of text
(tick labels included), too slow for a slider. :class:`Explorer` therefore blits:
the first redraw finds which artists an update changes (matplotlib marks them
``stale``), draws everything else once as a cached background, and from then on
paints only the changed artists over it. Anything else that changes (new
artists, other axes limits) falls back to a full redraw, so a frame always
shows the same picture as a full draw would.
"""
import io
import weakref

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.animation import FuncAnimation
from matplotlib.axes import Axes
from matplotlib.axis import Axis
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure, SubFigure


class BlitRenderer:
    """Render a figure after each update, repainting only the artists that updates change."""

    def __init__(self, fig):
        self.fig = fig
        self.dynamic = []                  # artists painted on every frame, in drawing order
        self.baked = weakref.WeakSet()     # artists drawn into the cached background
        self.background = None
        self.limits = None

    def _leaves(self):
        containers = (Figure, SubFigure, Axes, Axis)
        return [a for a in self.fig.findobj() if not isinstance(a, containers)]

    def _axes_limits(self):
        return {ax: (ax.get_xlim(), ax.get_ylim()) for ax in self.fig.axes}

    def _moved_axes_need_background(self, limits, frame):
        """New view limits matter to the background only if the axes draws ticks, or holds artists baked
        into the background (they would now sit elsewhere); an axes without ticks whose content is
        all dynamic can simply be repainted."""
        for ax, view in limits.items():
            if self.limits.get(ax) == view:
                continue
            ticks = ax.axison and (len(ax.get_xticks()) or len(ax.get_yticks()))
            if ax not in self.limits or ticks or any(c in self.baked for c in ax.get_children() if id(c) not in frame):
                return True
        return False

    def _frame_parts(self):
        """Artists an axes draws by its own rules (ticks inside the view only, spines, the background
        patch first): never painted one by one. Returns ``(drawn, hidden)`` id sets: changes to drawn
        ones need a full redraw; hidden ones (of axes switched off) are never drawn at all."""
        drawn, hidden = set(), set()
        for ax in self.fig.axes:
            parts = {id(ax.patch)} | {id(spine) for spine in ax.spines.values()}
            for axis in (ax.xaxis, ax.yaxis, getattr(ax, "zaxis", None)):
                if axis is not None:
                    parts.update(id(a) for a in axis.findobj())
            (drawn if ax.axison else hidden).update(parts)
        return drawn, hidden

    def _draw_order(self, artist, position):
        """Sort key that mimics matplotlib: axes by axes, then by zorder, then by position in the tree."""
        ax = artist.axes
        return (self.fig.axes.index(ax) if ax in self.fig.axes else -1, artist.get_zorder(), position[id(artist)])

    def _with_cover(self, changed, frame):
        """``changed`` plus what must be painted with them: artists above them in the same axes (else they
        would be painted over) and the spines of their axes (a dynamic image would cover the frame)."""
        cover = set(changed)
        for ax in {a.axes for a in changed if a.axes is not None}:
            lowest = min(a.get_zorder() for a in changed if a.axes is ax)
            cover.update(other for other in ax.get_children()
                         if id(other) not in frame and other.get_zorder() >= lowest)
            if ax.axison and ax.get_frame_on():
                cover.update(ax.spines.values())
        return cover

    def _set_dynamic(self, artists):
        position = {id(a): i for i, a in enumerate(self.fig.findobj())}
        self.dynamic = sorted((a for a in artists if id(a) in position), key=lambda a: self._draw_order(a, position))
        for artist in self.dynamic:
            artist.set_animated(True)

    def _full_draw(self, leaves):
        self.fig.canvas.draw()                         # skips the dynamic (animated) artists
        for artist in leaves:
            artist.stale = False                       # invisible artists are never drawn: reset them too
        self.baked = weakref.WeakSet(a for a in leaves if not a.get_animated())
        self.background = self.fig.canvas.copy_from_bbox(self.fig.bbox)
        self.limits = self._axes_limits()

    def render(self):
        """Draw the figure as it is now (after an update); returns the canvas."""
        canvas = self.fig.canvas
        leaves = self._leaves()
        if self.limits is None:                        # first frame: everything, nothing dynamic yet
            self._full_draw(leaves)
            return canvas
        drawn, hidden = self._frame_parts()
        changed = [a for a in leaves if a.stale and not a.get_animated() and id(a) not in hidden]
        alive = {id(a) for a in leaves}
        self.dynamic = [a for a in self.dynamic if id(a) in alive]     # e.g. dropped by ax.clear()
        cover = self._with_cover([a for a in changed if id(a) not in drawn], drawn)
        # The cached background can stay only if nothing drawn into it has changed or must now be
        # painted above a changed artist, and no axes has new limits (its ticks would be stale).
        limits = self._axes_limits()
        stale_background = (self.background is None or any(id(a) in drawn for a in changed)
                            or any(a in self.baked for a in cover) or self._moved_axes_need_background(limits, drawn))
        if cover.difference(self.dynamic):             # re-sort only when artists join (the usual frame adds none)
            self._set_dynamic(set(self.dynamic) | cover)
        if stale_background:
            self._full_draw(leaves)
        else:
            canvas.restore_region(self.background)
            self.limits = limits
        for artist in self.dynamic:
            if artist.get_visible() and id(artist) not in hidden:    # an axes switched off hides its frame
                self.fig.draw_artist(artist)
        return canvas

    def full_draw(self):
        """A plain full redraw (for comparison in tests): the same picture without blitting."""
        for artist in self.dynamic:
            artist.set_animated(False)
        self.fig.canvas.draw()
        pixels = np.asarray(self.fig.canvas.buffer_rgba()).copy()
        for artist in self.dynamic:
            artist.set_animated(True)
        self.background = None
        return pixels


def jpeg(canvas, quality=90):
    """The canvas's current pixels as JPEG bytes.

    Slider frames are short-lived: JPEG at quality 90 encodes in under 2 ms and is no larger than
    a PNG, which takes 10-13 ms for a typical explorer (the figures on the book's pages stay PNG).
    """
    from PIL import Image
    width, height = canvas.get_width_height()
    image = Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA", 0, 1).convert("RGB")
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=quality)
    return out.getvalue()


class Explorer:
    """A figure plus controls: moving a control calls ``update(**values)`` and repaints the figure in place.

    Args:
        fig: the matplotlib figure, made once.
        update: ``update(**values)`` changes ``fig``'s artists for the controls' current values.
        controls: ``{name: ipywidgets control}``; names are ``update``'s keyword arguments.

    The picture is an ``ipywidgets.Image`` whose frame is replaced on every move (no flicker,
    no new figure). :meth:`refresh` is the whole cost of one move: update, redraw, encode.
    """

    def __init__(self, fig, update, controls):
        import ipywidgets as w
        self.fig, self.update, self.controls = fig, update, dict(controls)
        plt.close(fig)        # shown through the Image widget only, not again by the inline backend;
        FigureCanvasAgg(fig)  # closing leaves a canvas that cannot render: give it one that does
        self.renderer = BlitRenderer(fig)
        width, height = fig.canvas.get_width_height()
        self.image = w.Image(format="jpeg", layout=w.Layout(width=f"{width}px", height=f"{height}px"))
        for control in self.controls.values():
            control.observe(lambda change: self.redraw(), names="value")
        self.widget = w.VBox([w.HBox(list(self.controls.values()), layout=w.Layout(flex_flow="row wrap")),
                              self.image])
        self.redraw()

    @property
    def values(self):
        return {name: control.value for name, control in self.controls.items()}

    def refresh(self, values=None):
        """Update for ``values`` (default: the controls'), redraw and return the frame (JPEG bytes)."""
        self.update(**(self.values if values is None else values))
        return jpeg(self.renderer.render())

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
    anim = FuncAnimation(fig, lambda i: update(**frames[i]), frames=len(frames), interval=interval, blit=False)
    html = HTML(anim.to_jshtml(default_mode="loop"))
    plt.close(fig)
    return html
