"""Style: the CNN path — two convolutions (padding="same", then padding=1) and a hidden layer, Adam: 8 epochs at lr=1e-3, then 2 at 1e-4."""


def build_model():
    # 28 → 28 (padding "same", i.e. 1) → 14 (pool) → 14 → 7: the Linear takes 64 · 7 · 7 numbers per image.
    return nn.Sequential(
        nn.Conv2d(1, 32, kernel_size=3, padding="same"), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, 10),
    )


def run(root, weights_path, seed=0):
    torch.manual_seed(seed)
    train_loader, test_loader = make_loaders(root, batch_size=64, seed=seed)
    model = build_model()
    train_model(model, train_loader, epochs=8, lr=1e-3)
    train_model(model, train_loader, epochs=2, lr=1e-4)  # smaller steps settle the weights at the end
    accuracy = evaluate(model, test_loader)
    torch.save(model.state_dict(), weights_path)
    return accuracy
