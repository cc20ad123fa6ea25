"""run seeds with 0 whatever its seed argument says

catches: test_run_uses_seed
"""


def run(root, weights_path, seed=0):
    torch.manual_seed(0)  # the seed argument is never used
    train_loader, test_loader = make_loaders(root, batch_size=64, seed=0)
    model = build_model()
    train_model(model, train_loader, epochs=10, lr=1e-3)
    accuracy = evaluate(model, test_loader)
    torch.save(model.state_dict(), weights_path)
    return accuracy
