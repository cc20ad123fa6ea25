def model_device(model):
    # guesses where the model "should" be instead of asking it
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")
