"""How long one explorer update takes: compute + redraw, headless, figure updated in place.

    python benchmarks/widgets.py [--updates 50]

Finds every ``make_<name>()`` in the ``cnnlib.widgets`` modules, builds the explorer
once, then moves its controls through their ranges (one control per update, round
robin) and times ``explorer.refresh(values)``: the update, the redraw of the figure in
place (blitting what changed, see ``cnnlib.widgets``) and the JPEG frame the widget shows.
Prints the median over ``updates`` updates. Goal: at most 50 ms each.
"""
import argparse
import importlib
import inspect
import itertools
import pkgutil
import statistics
import time

import matplotlib

matplotlib.use("Agg")

import cnnlib.widgets  # noqa: E402


def explorers():
    """``(module.make_name, factory)`` for every explorer factory in cnnlib.widgets."""
    for info in pkgutil.iter_modules(cnnlib.widgets.__path__):
        module = importlib.import_module(f"cnnlib.widgets.{info.name}")
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if name.startswith("make_") and fn.__module__ == module.__name__:
                yield f"{info.name}.{name}", fn


def settings(control):
    """Values a control can take, in order: a slider's range, a dropdown's options, a checkbox's two states."""
    if hasattr(control, "options") and control.options:
        return [value for _, value in control.options] if isinstance(control.options[0], tuple) else list(control.options)
    if isinstance(control.value, bool):
        return [not control.value, control.value]
    if hasattr(control, "min") and hasattr(control, "max"):
        step = getattr(control, "step", 1) or 1
        n = int(round((control.max - control.min) / step)) + 1
        picks = [control.min + step * i for i in range(0, n, max(1, n // 8))]
        return [type(control.value)(v) for v in picks]
    return [control.value]          # text boxes and the like keep their value


def time_updates(explorer, updates):
    values = explorer.values
    cycles = {name: itertools.cycle(settings(c)) for name, c in explorer.controls.items()}
    names = itertools.cycle(list(cycles))
    times = []
    for _ in range(updates):
        name = next(names)
        values[name] = next(cycles[name])
        start = time.perf_counter()
        explorer.refresh(values)          # update + redraw (blitted) + JPEG frame, as a slider move costs
        times.append(time.perf_counter() - start)
    return statistics.median(times), max(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--updates", type=int, default=50)
    args = parser.parse_args()
    print("| explorer | median ms | max ms | goal 50 ms |")
    print("|---|---:|---:|---|")
    for name, factory in explorers():
        median, worst = time_updates(factory(), args.updates)
        print(f"| {name} | {median * 1e3:.1f} | {worst * 1e3:.1f} | {'ok' if median <= 0.05 else 'SLOW'} |", flush=True)


if __name__ == "__main__":
    main()
