"""the checkpoint keys of PyTorch's tutorial ("model_state_dict", "optimizer_state_dict") instead of the README's "model" and "optimizer"

catches: test_save_checkpoint_contents
"""


def save_checkpoint(path, model, optimizer, epoch):
    torch.save(
        {"epoch": epoch, "model_state_dict": model.state_dict(), "optimizer_state_dict": optimizer.state_dict()}, path
    )


def load_checkpoint(path, model, optimizer):
    checkpoint = torch.load(path, weights_only=True)
    model.load_state_dict(checkpoint["model_state_dict"])
    optimizer.load_state_dict(checkpoint["optimizer_state_dict"])
    return checkpoint["epoch"]
