"""pred.squeeze(1) is right for an (N,) target only: against an (N, 1) target it broadcasts to (N, N)

catches: test_regression_loss
"""


def regression_loss(pred, target):
    return nn.MSELoss()(pred.squeeze(1), target)  # right for an (N,) target, broadcasts against (N, 1)
