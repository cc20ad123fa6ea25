"""group["lr"] = optimizer.defaults["lr"] * factor: every group gets the optimizer's base rate, its own rate is lost

catches: test_scale_lr
"""


def scale_lr(optimizer, factor):
    optimizer.defaults["lr"] *= factor
    for group in optimizer.param_groups:
        group["lr"] = optimizer.defaults["lr"]
