def pad_collate(batch):
    sequences, labels = zip(*batch)
    width = len(sequences[0])
    padded = torch.zeros(len(batch), width, dtype=torch.int64)
    for row, s in enumerate(sequences):
        padded[row, : len(s)] = s[:width]
    return padded, torch.tensor([len(s) for s in sequences]), torch.tensor(labels)
