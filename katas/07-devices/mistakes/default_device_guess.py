"""model_device guesses "cuda"/"cpu" instead of asking where the model's parameters are

catches: test_model_device
"""


def model_device(model):
    # guesses where the model "should" be instead of asking it
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")
