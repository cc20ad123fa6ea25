"""An explicit stack instead of recursion for the tree; recursion instead of loops for grow_until and Newton"""


def grow_until(a, limit=1000.0):
    def grow(b):
        return grow(b * 2) if b.norm() < limit else b

    b = grow(a * 2)
    return b if b.sum() > 0 else 100 * b


def tree_encode(tree, leaf, combine):
    # post-order walk: a node is combined once both of its children's codes are on the stack
    codes, todo = [], [(tree, False)]
    while todo:
        node, children_done = todo.pop()
        if isinstance(node, torch.Tensor):
            codes.append(torch.tanh(leaf(node)))
        elif children_done:
            right, left = codes.pop(), codes.pop()
            codes.append(torch.tanh(combine(torch.cat([left, right]))))
        else:
            todo.append((node, True))
            todo.append((node[1], False))
            todo.append((node[0], False))
    return codes[0]


def newton_sqrt(a, tol=1e-6):
    def refine(x):
        if ((x * x - a).abs() > tol * a).any():
            return refine(0.5 * (x + a / x))
        return x

    return refine((a + 1) / 2)
