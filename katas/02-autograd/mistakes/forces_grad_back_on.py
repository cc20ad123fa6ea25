"""set_grad_enabled(False) then set_grad_enabled(True): a caller that had tracking off gets it switched on

catches: test_predict_restores_grad_mode
"""


def predict(model, x):
    torch.set_grad_enabled(False)
    out = model(x)
    torch.set_grad_enabled(True)  # forces tracking on, even if the caller had it off
    return out
