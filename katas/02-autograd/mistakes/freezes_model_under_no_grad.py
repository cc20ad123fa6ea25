"""model.requires_grad_(False) on top of torch.no_grad(): the output is right, but the caller's model stays frozen and stops learning

catches: test_predict_no_grad

predict runs in the middle of training (validation): after it, every parameter has
requires_grad=False, so the next backward() gives them no gradient and the optimizer never moves them.
"""


def predict(model, x):
    model.requires_grad_(False)  # "inference: no gradients", but this is the caller's model
    with torch.no_grad():
        return model(x)
