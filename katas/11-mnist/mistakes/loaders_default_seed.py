"""run calls make_loaders(root) without seed=seed: the shuffle order is seed 0's whatever run's seed

catches: test_run_uses_seed
"""


def run(root, weights_path, seed=0):
    torch.manual_seed(seed)
    train_loader, test_loader = make_loaders(root, batch_size=64)  # seed left at its default
    model = build_model()
    train_model(model, train_loader, epochs=10, lr=1e-3)
    accuracy = evaluate(model, test_loader)
    torch.save(model.state_dict(), weights_path)
    return accuracy
