def scale_lr(optimizer, factor):
    optimizer.param_groups[0]["lr"] *= factor
