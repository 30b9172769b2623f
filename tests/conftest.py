import matplotlib

# Tests draw figures headless. Only this process: setting MPLBACKEND in the environment would
# reach the notebook kernels that the book build starts, and their figures would vanish.
matplotlib.use("Agg")
