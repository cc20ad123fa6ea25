"""load_checkpoint with weights_only=False runs whatever code a pickled checkpoint carries

catches: test_load_checkpoint_is_safe
"""


def load_checkpoint(path, model, optimizer):
    checkpoint = torch.load(path, weights_only=False)  # runs whatever a pickled file carries
    model.load_state_dict(checkpoint["model"])
    optimizer.load_state_dict(checkpoint["optimizer"])
    return checkpoint["epoch"]
