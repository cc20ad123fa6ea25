def newton_sqrt(a, tol=1e-6):
    x = (a + 1) / 2
    while ((x * x - a).abs() > tol).any():  # an absolute test: tiny a stops far from its root
        x = (x + a / x) / 2
    return x
