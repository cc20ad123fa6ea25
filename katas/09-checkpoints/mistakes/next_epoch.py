"""load_checkpoint returns the epoch to start from (saved epoch + 1) instead of the saved epoch

catches: test_resume_matches_uninterrupted
"""


def load_checkpoint(path, model, optimizer):
    checkpoint = torch.load(path, weights_only=True)
    model.load_state_dict(checkpoint["model"])
    optimizer.load_state_dict(checkpoint["optimizer"])
    return checkpoint["epoch"] + 1  # the next epoch, not the saved one
