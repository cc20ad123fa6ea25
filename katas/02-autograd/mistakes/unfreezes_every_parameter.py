"""model.requires_grad_(False), then requires_grad_(True) for every parameter: a layer the caller froze comes back unfrozen

catches: test_predict_restores_grad_mode

torch.no_grad() alone records no graph; the parameters' requires_grad is the caller's choice, left
as it was.
"""


def predict(model, x):
    model.requires_grad_(False)
    with torch.no_grad():
        out = model(x)
    model.requires_grad_(True)
    return out
