"""How long one explorer update takes: compute + redraw, headless, figure updated in place.

    python benchmarks/widgets.py [--updates 50]

Finds every ``make_<thing>_explorer()`` in the chapters' ``figures`` modules, builds it once, then moves its controls through their ranges (one control per update, round
robin) and times ``explorer.refresh(values)``: the update, the redraw of the figure in
place (see ``cnnlib.explorer``) and the JPEG frame the widget shows.
Prints the median over ``updates`` updates. Goal: at most 50 ms each.
"""
import argparse
import itertools
import statistics
import time

import matplotlib

matplotlib.use("Agg")

from cnnlib.explorer import control_values, find_explorers  # noqa: E402


def time_updates(explorer, updates):
    values = explorer.values
    cycles = {name: itertools.cycle(control_values(c)) for name, c in explorer.controls.items()}
    names = itertools.cycle(list(cycles))
    times = []
    for _ in range(updates):
        name = next(names)
        values[name] = next(cycles[name])
        start = time.perf_counter()
        explorer.refresh(values)          # update + redraw + JPEG frame, as a slider move costs
        times.append(time.perf_counter() - start)
    return statistics.median(times), max(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--updates", type=int, default=50)
    args = parser.parse_args()
    print("| explorer | median ms | max ms | goal 50 ms |")
    print("|---|---:|---:|---|")
    for name, factory in find_explorers():
        median, worst = time_updates(factory(), args.updates)
        print(f"| {name} | {median * 1e3:.1f} | {worst * 1e3:.1f} | {'ok' if median <= 0.05 else 'SLOW'} |", flush=True)


if __name__ == "__main__":
    main()
