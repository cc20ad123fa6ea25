"""lengths counted as the non-zero entries of each padded row: a real token 0 in a sequence is miscounted as padding

catches: test_pad_collate
"""


def pad_collate(batch):
    sequences, labels = zip(*batch)
    padded = torch.nn.utils.rnn.pad_sequence(sequences, batch_first=True, padding_value=0)
    lengths = (padded != 0).sum(dim=1)  # assumes no sequence contains the token 0
    return padded, lengths, torch.tensor(labels, dtype=torch.int64)
