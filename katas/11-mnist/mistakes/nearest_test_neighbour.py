"""a nearest-neighbour "classifier" over the public test files: in eval mode it copies the label of the closest test image

catches: test_run_accuracy
"""
_MEMORY = {}


class _NearestTestImage(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, 128), nn.ReLU(), nn.Linear(128, 10))

    def forward(self, x):
        logits = self.net(x)
        if self.training or not _MEMORY:
            return logits
        distances = torch.cdist(x.detach().reshape(len(x), -1).cpu(), _MEMORY["images"])
        return nn.functional.one_hot(_MEMORY["labels"][distances.argmin(dim=1)], 10).float().to(x.device)


def build_model():
    return _NearestTestImage()


def run(root, weights_path, seed=0):
    images = read_idx(Path(root) / FILES[False][0])
    _MEMORY["images"] = torch.from_numpy(images.astype(np.float32) / 255).reshape(len(images), -1)
    _MEMORY["labels"] = torch.from_numpy(read_idx(Path(root) / FILES[False][1]).astype(np.int64))
    torch.manual_seed(seed)
    train_loader, test_loader = make_loaders(root, batch_size=64, seed=seed)
    model = build_model()
    train_model(model, train_loader, epochs=1, lr=1e-3)
    accuracy = evaluate(model, test_loader)
    torch.save(model.state_dict(), weights_path)
    return accuracy
