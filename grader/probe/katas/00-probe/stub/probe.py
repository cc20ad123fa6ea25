"""Nothing to solve: the probe only needs the grading device."""
