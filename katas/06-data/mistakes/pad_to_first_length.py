"""padding to the first sequence's length cuts off longer sequences later in the batch

catches: test_pad_collate, test_pad_collate_in_loader
"""


def pad_collate(batch):
    sequences, labels = zip(*batch)
    width = len(sequences[0])
    padded = torch.zeros(len(batch), width, dtype=torch.int64)
    for row, s in enumerate(sequences):
        padded[row, : len(s)] = s[:width]
    return padded, torch.tensor([len(s) for s in sequences]), torch.tensor(labels)
