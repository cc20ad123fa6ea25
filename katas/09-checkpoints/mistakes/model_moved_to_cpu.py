"""save_weights saves model.cpu().state_dict() "so the file loads anywhere": Module.cpu() moves the caller's model itself, so a model trained on a GPU is on the CPU after saving

catches: test_save_weights_writes_state_dict
"""


def save_weights(model, path):
    torch.save(model.cpu().state_dict(), path)  # model.cpu() is not a copy: the model itself moves
