"""Interactive explorers: ipywidgets controls wired to plain functions.

The pattern every explorer follows:

* the computation is a plain function of the controls' values (tests call it);
* the figure is made once; ``update`` changes its artists in place (``set_data``,
  ``set_text``), it never makes a new figure on a slider move;
* on a static web page sliders do nothing, so every explorer has a static
  companion: :func:`animate` turns the same ``update`` into a self-contained
  JavaScript animation (``to_jshtml``), which plays in the HTML book offline.
"""
import matplotlib.pyplot as plt
from matplotlib.animation import FuncAnimation
from matplotlib.backends.backend_agg import FigureCanvasAgg


class Explorer:
    """A figure plus controls: moving a control calls ``update(**values)`` and redraws.

    Args:
        fig: the matplotlib figure, made once.
        update: ``update(**values)`` changes ``fig``'s artists for the controls' current values.
        controls: ``{name: ipywidgets control}``; names are ``update``'s keyword arguments.
    """

    def __init__(self, fig, update, controls):
        import ipywidgets as w
        self.fig, self.update, self.controls = fig, update, dict(controls)
        self.output = w.Output()
        for control in self.controls.values():
            control.observe(lambda change: self.redraw(), names="value")
        self.widget = w.VBox([w.HBox(list(self.controls.values()), layout=w.Layout(flex_flow="row wrap")),
                              self.output])
        plt.close(fig)       # shown through self.output only, not again by the inline backend;
        FigureCanvasAgg(fig)  # closing leaves a canvas that cannot render: give it one that does
        self.redraw()

    @property
    def values(self):
        return {name: control.value for name, control in self.controls.items()}

    def redraw(self):
        from IPython.display import display
        self.update(**self.values)
        with self.output:
            self.output.clear_output(wait=True)
            display(self.fig)

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
