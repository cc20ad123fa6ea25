"""torch.save(model, path) pickles the module: it does not load with weights_only=True

catches: test_run_saves_weights
"""


def run(root, weights_path, seed=0):
    torch.manual_seed(seed)
    train_loader, test_loader = make_loaders(root, batch_size=64, seed=seed)
    model = build_model()
    train_model(model, train_loader, epochs=10, lr=1e-3)
    accuracy = evaluate(model, test_loader)
    torch.save(model, weights_path)  # pickles the module, not its state_dict
    return accuracy
