"""model.requires_grad_(False) instead of torch.no_grad(): the caller's model is frozen for good, and an x that requires grad still builds a graph

catches: test_predict_no_grad
"""


def predict(model, x):
    model.requires_grad_(False)
    return model(x)
