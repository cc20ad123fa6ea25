"""x.long().squeeze(): "labels are a flat vector" drops every size-1 axis, so a batch of one map loses its batch axis

catches: test_to_labels

Labels often arrive as (N, 1) and get squeezed; but squeeze() without a dim also removes the batch
axis of a batch of one (1, H, W) map (and of (1,) labels), so the shape is no longer the input's.
"""


def to_labels(x):
    return x.long().squeeze()
