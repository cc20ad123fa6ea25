"""the model moved but the input stayed on the CPU: "Expected all tensors to be on the same device"

catches: test_predict_follows_model
"""


def predict(model, x):
    return model(x)  # x stays where it was: fails once the model has moved
