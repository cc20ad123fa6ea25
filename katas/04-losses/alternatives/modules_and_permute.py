"""nn.Module losses with reduction="none" and sort; the maximum subtracted by hand; classes moved to dim 1 with permute."""


def classification_loss(logits, labels):
    loss_fn = nn.CrossEntropyLoss(reduction="mean")
    return loss_fn(logits, labels.long())


def regression_loss(pred, target):
    return nn.MSELoss()(pred.flatten(), target.flatten())


def stable_cross_entropy(logits, targets):
    top = logits.max(dim=1, keepdim=True).values.detach()  # each row's own maximum: exp() stays <= 1
    log_normalizer = (logits - top).exp().sum(dim=1).log() + top.squeeze(1)
    picked = logits[range(logits.shape[0]), targets]
    return torch.mean(log_normalizer - picked)


def hardest_examples(logits, targets, k):
    losses = nn.CrossEntropyLoss(reduction="none")(logits, targets)
    return losses.sort(descending=True).indices[:k]


def masked_token_loss(logits, targets, pad_index):
    # (B, T, C) -> (B, C, T): CrossEntropyLoss reads dim 1 as the classes and takes (B, T) targets as they are
    return nn.CrossEntropyLoss(ignore_index=pad_index)(logits.permute(0, 2, 1), targets)
