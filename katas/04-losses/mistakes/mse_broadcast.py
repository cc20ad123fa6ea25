def regression_loss(pred, target):
    return nn.MSELoss()(pred, target)
