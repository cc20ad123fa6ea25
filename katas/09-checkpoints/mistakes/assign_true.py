"""load_checkpoint loads the model with assign=True: the model gets new parameter objects, and the optimizer, built on the old ones, never updates the model again

catches: test_resume_matches_uninterrupted
"""


def load_checkpoint(path, model, optimizer):
    checkpoint = torch.load(path, weights_only=True)
    model.load_state_dict(checkpoint["model"], assign=True)  # replaces the parameters the optimizer holds
    optimizer.load_state_dict(checkpoint["optimizer"])
    return checkpoint["epoch"]
