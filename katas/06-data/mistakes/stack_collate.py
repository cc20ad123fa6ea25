def pad_collate(batch):
    sequences, labels = zip(*batch)
    lengths = torch.tensor([len(s) for s in sequences])
    return torch.stack(sequences), lengths, torch.tensor(labels)
