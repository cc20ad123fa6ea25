"""run calls torch.manual_seed(seed) after build_model(): the seed arrives too late to decide the initial weights

catches: test_run_uses_seed
"""


def run(root, weights_path, seed=0):
    train_loader, test_loader = make_loaders(root, batch_size=64, seed=seed)
    model = build_model()  # drawn from whatever the global random state was
    torch.manual_seed(seed)
    train_model(model, train_loader, epochs=10, lr=1e-3)
    accuracy = evaluate(model, test_loader)
    torch.save(model.state_dict(), weights_path)
    return accuracy
