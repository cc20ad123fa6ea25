"""changing only param_groups[0] leaves every other group at its old learning rate

catches: test_scale_lr
"""


def scale_lr(optimizer, factor):
    optimizer.param_groups[0]["lr"] *= factor
