"""Arithmetic masks instead of torch.where; converged elements frozen one by one"""


def rnn_last_hidden(cell, x, lengths):
    h = x.new_zeros(x.shape[0], cell.hidden_size)
    for t in range(int(lengths.max())):
        keep_going = (lengths > t).to(x.dtype).unsqueeze(1)  # 1.0 while the sequence runs, then 0.0
        h = keep_going * cell(x[:, t], h) + (1 - keep_going) * h
    return h


def newton_sqrt(a, tol=1e-6):
    x = (a + 1) / 2
    pending = (x * x - a).abs() > tol * a
    while pending.any():
        # only the elements that still fail the test take a step
        x = torch.where(pending, (x + a / x) / 2, x)
        pending = (x * x - a).abs() > tol * a
    return x
