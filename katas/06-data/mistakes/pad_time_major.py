"""pad_sequence without batch_first=True: padded comes out (longest, batch), time-major, transposed

catches: test_pad_collate, test_pad_collate_in_loader
"""


def pad_collate(batch):
    sequences, labels = zip(*batch)
    lengths = torch.tensor([len(s) for s in sequences], dtype=torch.int64)
    padded = torch.nn.utils.rnn.pad_sequence(sequences, padding_value=0)  # batch_first defaults to False
    return padded, lengths, torch.tensor(labels, dtype=torch.int64)
