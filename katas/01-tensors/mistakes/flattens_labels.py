def to_labels(x):
    return x.reshape(-1).long()  # labels are not always a 1-D vector
