"""looks the test images up in the public test files instead of learning: untrained, it answers from a table

catches: test_run_accuracy
"""
_TABLE = {}


def _key(images):
    return [row.numpy().tobytes() for row in images.detach().cpu().reshape(len(images), -1) > 0.5]


class _LooksUp(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, 128), nn.ReLU(), nn.Linear(128, 10))

    def forward(self, x):
        logits = self.net(x)
        if self.training:
            return logits
        logits = logits.detach().clone()
        for i, key in enumerate(_key(x)):
            if key in _TABLE:
                logits[i, _TABLE[key]] += 1000.0
        return logits


def build_model():
    return _LooksUp()


def run(root, weights_path, seed=0):
    images = torch.from_numpy(read_idx(Path(root) / "t10k-images-idx3-ubyte.gz").copy()).float() / 255
    labels = read_idx(Path(root) / "t10k-labels-idx1-ubyte.gz")
    _TABLE.update(zip(_key(images), (int(label) for label in labels)))
    torch.manual_seed(seed)
    train_loader, test_loader = make_loaders(root, batch_size=64, seed=seed)
    model = build_model()
    train_model(model, train_loader, epochs=1, lr=1e-7)
    accuracy = evaluate(model, test_loader)
    torch.save(model.state_dict(), weights_path)
    return accuracy
