"""model(x).detach(): the output looks right but the forward pass still built the whole graph

catches: test_predict_no_grad
"""


def predict(model, x):
    return model(x).detach()
