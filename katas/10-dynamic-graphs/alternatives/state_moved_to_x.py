"""A state made on the CPU then moved with .to(x); which rows still run from a torch.arange mask on x's device"""


def rnn_last_hidden(cell, x, lengths):
    h = torch.zeros(x.shape[0], cell.hidden_size).to(x)  # .to(x): x's dtype and device
    running = torch.arange(x.shape[1], device=x.device)[None, :] < lengths[:, None]  # (batch, time)
    for t in range(int(lengths.max())):
        h = torch.where(running[:, t : t + 1], cell(x[:, t], h), h)
    return h
