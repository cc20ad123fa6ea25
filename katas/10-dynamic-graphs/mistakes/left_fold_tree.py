"""flattening the tree into a list of leaves forgets its shape: (a, (b, c)) encodes like ((a, b), c)

catches: test_tree_encode
"""


def tree_encode(tree, leaf, combine):
    def leaves(t):
        return [t] if isinstance(t, torch.Tensor) else leaves(t[0]) + leaves(t[1])

    items = leaves(tree)  # flattening the tree forgets its shape
    h = torch.tanh(leaf(items[0]))
    for item in items[1:]:
        h = torch.tanh(combine(torch.cat([h, torch.tanh(leaf(item))])))
    return h
