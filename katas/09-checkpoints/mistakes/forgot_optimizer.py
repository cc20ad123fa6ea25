"""a checkpoint without the optimizer state: Adam starts over and the resumed run drifts

catches: test_save_checkpoint_contents, test_resume_matches_uninterrupted
"""


def save_checkpoint(path, model, optimizer, epoch):
    torch.save({"model": model.state_dict(), "epoch": epoch}, path)


def load_checkpoint(path, model, optimizer):
    checkpoint = torch.load(path, weights_only=True)
    model.load_state_dict(checkpoint["model"])
    return checkpoint["epoch"]
