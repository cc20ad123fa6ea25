"""Style: an nn.Module class with dropout, Adagrad, and accuracy from all predictions concatenated."""


class DigitNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(28 * 28, 256)
        self.drop = nn.Dropout(0.1)
        self.out = nn.Linear(256, 10)

    def forward(self, x):
        return self.out(self.drop(torch.relu(self.hidden(x.flatten(1)))))


def build_model():
    return DigitNet()


def train_model(model, loader, epochs=5, lr=1e-3):
    optimizer = torch.optim.Adagrad(model.parameters(), lr=lr)
    model.train()
    history = []
    for _ in range(epochs):
        total = torch.zeros((), dtype=torch.float64)
        for images, labels in loader:
            optimizer.zero_grad()
            loss = nn.functional.cross_entropy(model(images), labels, reduction="sum")
            (loss / len(labels)).backward()
            optimizer.step()
            total += loss.detach().double()
        history.append(total.item() / len(loader.dataset))
    return history


@torch.no_grad()
def evaluate(model, loader):
    model.eval()
    predictions, truth = zip(*[(model(images).argmax(1), labels) for images, labels in loader])
    return (torch.cat(predictions) == torch.cat(truth)).float().mean().item()


def run(root, weights_path, seed=0):
    torch.manual_seed(seed)
    train_loader, test_loader = make_loaders(root, batch_size=64, seed=seed)
    model = build_model()
    train_model(model, train_loader, epochs=8, lr=0.05)
    accuracy = evaluate(model, test_loader)
    torch.save(model.state_dict(), weights_path)
    return accuracy
