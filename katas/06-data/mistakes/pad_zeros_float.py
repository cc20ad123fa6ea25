"""torch.zeros(len(batch), longest) without dtype: padded comes out float32, not int64 token ids

catches: test_pad_collate
"""


def pad_collate(batch):
    sequences, labels = zip(*batch)
    longest = max(len(s) for s in sequences)
    padded = torch.zeros(len(batch), longest)  # the slip: float32
    for row, s in enumerate(sequences):
        padded[row, : len(s)] = s
    lengths = torch.tensor([len(s) for s in sequences])
    return padded, lengths, torch.tensor(labels)
