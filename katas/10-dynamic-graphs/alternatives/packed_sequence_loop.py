"""Style: pack_padded_sequence(enforce_sorted=False) drives the loop — only the first batch_sizes[t] rows take step t, then unsorted_indices restores the order."""
from torch.nn.utils.rnn import pack_padded_sequence


def rnn_last_hidden(cell, x, lengths):
    packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
    h = x.new_zeros(x.shape[0], cell.hidden_size)  # rows in the packed (longest-first) order
    offset = 0
    for size in packed.batch_sizes.tolist():
        step = packed.data[offset : offset + size]
        offset += size
        h = torch.cat([cell(step, h[:size]), h[size:]])
    return h.index_select(0, packed.unsorted_indices)
