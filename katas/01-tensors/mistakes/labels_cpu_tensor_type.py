"""x.type(torch.LongTensor): int64, but a CPU tensor type, so labels on a GPU are copied to the CPU

catches: test_to_labels
"""


def to_labels(x):
    return x.type(torch.LongTensor)
