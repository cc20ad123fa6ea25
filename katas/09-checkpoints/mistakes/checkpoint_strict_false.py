"""load_checkpoint loads the model with strict=False: a checkpoint with "module." keys resumes nothing, silently

catches: test_load_checkpoint_strict
"""


def load_checkpoint(path, model, optimizer):
    checkpoint = torch.load(path, weights_only=True)
    model.load_state_dict(checkpoint["model"], strict=False)
    optimizer.load_state_dict(checkpoint["optimizer"])
    return checkpoint["epoch"]
