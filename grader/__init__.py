"""torch-katas: PyTorch fundamentals as katas, graded in isolated child processes."""

__version__ = "0.1.0"
