"""torch.save(model, path) pickles the whole module: torch.load(..., weights_only=True) refuses it

catches: test_save_weights_writes_state_dict
"""


def save_weights(model, path):
    torch.save(model, path)
