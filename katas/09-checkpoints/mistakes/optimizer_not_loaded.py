"""the optimizer state is saved but load_checkpoint never restores it

catches: test_resume_matches_uninterrupted
"""


def load_checkpoint(path, model, optimizer):
    checkpoint = torch.load(path, weights_only=True)
    model.load_state_dict(checkpoint["model"])
    return checkpoint["epoch"]
