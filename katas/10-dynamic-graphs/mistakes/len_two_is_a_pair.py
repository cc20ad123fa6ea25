"""tree_encode tells a pair from a leaf by len(tree) == 2: a leaf with 2 features is split as if it were a pair

catches: test_tree_encode
"""


def tree_encode(tree, leaf, combine):
    if len(tree) == 2:
        left, right = tree
        return torch.tanh(combine(torch.cat([tree_encode(left, leaf, combine), tree_encode(right, leaf, combine)])))
    return torch.tanh(leaf(tree))
