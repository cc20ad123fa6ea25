"""batch.sort(key=..., reverse=True) for pack_padded_sequence: the rows leave the batch's order, and the caller's list is reordered too

catches: test_pad_collate
"""


def pad_collate(batch):
    batch.sort(key=lambda pair: len(pair[0]), reverse=True)
    sequences, labels = zip(*batch)
    lengths = torch.tensor([len(s) for s in sequences], dtype=torch.int64)
    padded = torch.nn.utils.rnn.pad_sequence(sequences, batch_first=True)
    return padded, lengths, torch.tensor(labels, dtype=torch.int64)
