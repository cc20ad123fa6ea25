"""save_checkpoint passes pickle_protocol=4 (the protocol for files over 4 GB): torch.load(..., weights_only=True) cannot read that protocol and refuses the file

catches: test_save_checkpoint_contents
"""


def save_checkpoint(path, model, optimizer, epoch):
    checkpoint = {"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": epoch}
    torch.save(checkpoint, path, pickle_protocol=4)
