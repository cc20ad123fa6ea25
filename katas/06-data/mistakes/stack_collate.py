"""torch.stack on sequences of different lengths raises 'stack expects each tensor to be equal size'

catches: test_pad_collate, test_pad_collate_in_loader
"""


def pad_collate(batch):
    sequences, labels = zip(*batch)
    lengths = torch.tensor([len(s) for s in sequences])
    return torch.stack(sequences), lengths, torch.tensor(labels)
