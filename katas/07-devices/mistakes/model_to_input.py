def predict(model, x):
    return model.to(x.device)(x)  # moves the model to the data instead of the data to the model
