"""x.clone().detach().to(device): the moved tensor is cut from the graph, gradients never reach x

catches: test_move_to
"""


def move_to(x, device):
    return x.clone().detach().to(device)  # a copy outside the graph: gradients never reach x
