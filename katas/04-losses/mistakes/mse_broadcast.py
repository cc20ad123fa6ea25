"""MSELoss on an (N, 1) prediction and an (N,) target: broadcasting averages all N×N pairs

catches: test_regression_loss
"""


def regression_loss(pred, target):
    return nn.MSELoss()(pred, target)
