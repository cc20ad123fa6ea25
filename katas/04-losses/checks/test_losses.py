"""Hidden checks for the losses kata. Each docstring: English title, then Chinese title."""

import torch
import torch.nn.functional as F

from grader import expect


def _ce_gradient(logits, targets):
    """d(mean cross-entropy)/d(logits) worked out by hand: (softmax − one-hot) / N."""
    one_hot = F.one_hot(targets, logits.shape[1]).to(logits.dtype)
    return (logits.softmax(dim=1) - one_hot) / logits.shape[0]


def _call(fn, *args, what, tip=""):
    """Call learner code; turn a RuntimeError into a message that says which call failed (and why, if known)."""
    try:
        return fn(*args)
    except NotImplementedError:
        raise
    except RuntimeError as exc:
        text = f"{what} raised {type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
        raise AssertionError(f"{text}. {tip}" if tip else text) from None


def _classification_case(seed):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(6, 4, generator=g) * 3, torch.randint(0, 4, (6,), generator=g)


def test_classification_loss_value(solution):
    """classification_loss equals cross-entropy on raw logits, for int64, int32 and float labels
    classification_loss 等于原始 logits 上的交叉熵（标签为 int64、int32 或 float 时都对）"""
    logits, labels = _classification_case(40)
    expected = F.cross_entropy(logits, labels)
    for label_kind, given in (("int64", labels), ("int32", labels.int()), ("float", labels.float())):
        name = f"classification_loss(logits, {label_kind} labels)"
        try:
            out = solution.classification_loss(logits, given)
        except NotImplementedError:
            raise
        except RuntimeError as exc:
            raise AssertionError(
                f"{name} raised {str(exc).splitlines()[0][:160]!r}: CrossEntropyLoss wants int64 class "
                "indices; convert the labels with .long()"
            ) from None
        expect.is_tensor(out, name=name)
        if torch.allclose(out.detach(), F.cross_entropy(logits.softmax(dim=1), labels), atol=1e-5):
            raise AssertionError(
                f"{name} is the loss of softmax(logits): CrossEntropyLoss already applies log-softmax, so a softmax "
                "before it squashes the scores twice (and learning stalls); pass the raw logits"
            )
        if torch.allclose(out.detach(), expected * len(labels), atol=1e-4):
            raise AssertionError(f"{name} is the sum over the batch, expected the mean: keep reduction='mean' (the default)")
        expect.matches(out, expected, name=name, why="nn.CrossEntropyLoss()(logits, labels.long()): a scalar, the batch mean")


def test_classification_loss_gradient(solution):
    """classification_loss has the gradient (softmax − one-hot) / N w.r.t. the logits
    classification_loss 关于 logits 的梯度是 (softmax − one-hot) / N"""
    logits, labels = _classification_case(41)
    logits.requires_grad_(True)
    loss = _call(solution.classification_loss, logits, labels, what="classification_loss(logits, labels)")
    assert loss.requires_grad, "the loss should stay connected to the logits (requires_grad) so backward() can reach them"
    loss.backward()
    expect.close(
        logits.grad, _ce_gradient(logits.detach(), labels), name="the gradient of classification_loss w.r.t. the logits",
        why="for the batch-mean cross-entropy it is (softmax(logits) − one_hot(labels)) / N; a softmax before the "
            "loss shrinks it, a sum instead of the mean makes it N times too big",
    )


def test_regression_loss(solution):
    """regression_loss is the mean squared error of matching pairs, whatever the (N,)/(N, 1) shapes
    regression_loss 是逐对的均方误差，与 (N,)/(N, 1) 形状无关"""
    g = torch.Generator().manual_seed(42)
    values, targets = torch.randn(7, generator=g), torch.randn(7, generator=g)
    expected = ((values - targets) ** 2).mean()
    for pred_shape, target_shape in (((7, 1), (7,)), ((7, 1), (7, 1)), ((7,), (7,))):
        pred = values.reshape(pred_shape).clone().requires_grad_(True)
        target = targets.reshape(target_shape)
        name = f"regression_loss(pred {pred_shape}, target {target_shape})"
        out = _call(solution.regression_loss, pred, target, what=name)
        expect.is_tensor(out, name=name)
        if torch.allclose(out.detach(), ((values[:, None] - targets[None, :]) ** 2).mean(), atol=1e-6):
            raise AssertionError(
                f"{name} averaged all N×N pairs: (N, 1) against (N,) broadcasts to an (N, N) table; reshape the "
                "prediction to the target's shape (pred.squeeze(1) or pred.view_as(target)) first"
            )
        expect.matches(out, expected, name=name, why="the mean of (pred_i − target_i)² over the N pairs")
        out.backward()
        expect.close(pred.grad, (2 * (values - targets) / 7).reshape(pred_shape), name=f"the gradient of {name} w.r.t. pred")


def test_stable_ce_by_hand(solution, monkeypatch):
    """stable_cross_entropy matches F.cross_entropy without calling it
    stable_cross_entropy 不调用 F.cross_entropy 也能得到相同结果"""
    g = torch.Generator().manual_seed(43)
    logits, targets = torch.randn(8, 5, generator=g), torch.randint(0, 5, (8,), generator=g)
    expected = F.cross_entropy(logits, targets)

    def forbidden(*args, **kwargs):
        raise AssertionError(
            "stable_cross_entropy called F.cross_entropy (or nn.CrossEntropyLoss): this exercise is to write it by "
            "hand, loss_i = logsumexp(logits_i) − logits_i[targets_i]"
        )

    monkeypatch.setattr(torch.nn.functional, "cross_entropy", forbidden)
    out = solution.stable_cross_entropy(logits, targets)
    monkeypatch.undo()
    expect.matches(out, expected, name="stable_cross_entropy(logits, targets)",
                   why="logsumexp over the classes minus the target's logit, averaged over the batch")


def test_stable_ce_large_logits(solution):
    """stable_cross_entropy stays finite and right for logits in the thousands
    stable_cross_entropy 在 logits 上千时仍然有限且正确"""
    g = torch.Generator().manual_seed(44)
    logits = torch.randn(6, 5, generator=g) * 5000
    targets = logits.argmin(dim=1)  # the worst class: its softmax probability underflows to exactly 0
    targets[:2] = logits[:2].argmax(dim=1)  # and two confident, correct rows
    logits.requires_grad_(True)
    out = _call(solution.stable_cross_entropy, logits, targets, what="stable_cross_entropy(logits around ±5000, targets)")
    expected = F.cross_entropy(logits.detach().double(), targets)
    expect.is_tensor(out, name="stable_cross_entropy(large logits)")
    assert torch.isfinite(out).all(), (
        f"stable_cross_entropy(logits around ±5000) gave {out.item()}, expected {expected.item():.6g}: exp() of a large "
        "logit overflows to inf, and log(softmax) of a vanishing probability is log(0) = -inf; use torch.logsumexp "
        "(it subtracts the maximum first), or log_softmax"
    )
    expect.close(out, expected, name="stable_cross_entropy(logits around ±5000)", rtol=1e-5,
                 why="loss_i = logsumexp(logits_i) − logits_i[targets_i]")
    assert out.requires_grad, "stable_cross_entropy's result does not require grad: backward() cannot reach the logits"
    out.backward()
    grad = logits.grad
    assert grad is not None and torch.isfinite(grad).all(), "the gradient w.r.t. large logits should be finite"
    expect.close(grad, _ce_gradient(logits.detach().double(), targets), atol=1e-6,
                 name="the gradient of stable_cross_entropy for large logits")


def test_stable_ce_gradient(solution):
    """stable_cross_entropy is differentiable in float64, with the analytic gradient
    stable_cross_entropy 在 float64 下可求导，梯度与解析结果一致"""
    g = torch.Generator().manual_seed(45)
    logits = torch.randn(5, 3, generator=g, dtype=torch.float64).requires_grad_(True)
    targets = torch.randint(0, 3, (5,), generator=g)
    out = _call(solution.stable_cross_entropy, logits, targets, what="stable_cross_entropy(float64 logits, targets)")
    expect.is_tensor(out, name="stable_cross_entropy(float64 logits, targets)")
    expect.shape(out, (), name="stable_cross_entropy(float64 logits, targets)", why="return the mean over the batch: a scalar")
    assert out.requires_grad, (
        "stable_cross_entropy's result does not require grad: keep the computation in tensor operations on the "
        "logits (no .item(), no NumPy, no detach) so backward() can reach them"
    )
    expect.dtype(out, torch.float64, name="stable_cross_entropy(float64 logits, targets)", why="compute in the logits' dtype")
    out.backward()
    expect.close(logits.grad, _ce_gradient(logits.detach(), targets), atol=1e-10,
                 name="the gradient of stable_cross_entropy w.r.t. float64 logits",
                 why="for the batch-mean cross-entropy it is (softmax(logits) − one_hot(targets)) / N")


def test_hardest_examples(solution):
    """hardest_examples returns the indices of the k largest per-sample losses
    hardest_examples 返回逐样本损失最大的 k 个下标"""
    g = torch.Generator().manual_seed(46)
    logits, targets = torch.randn(10, 4, generator=g) * 2, torch.randint(0, 4, (10,), generator=g)
    losses = F.cross_entropy(logits, targets, reduction="none")
    for k in (3, 1):
        name = f"hardest_examples(logits, targets, k={k})"
        out = _call(solution.hardest_examples, logits, targets, k, what=name,
                    tip="Was the loss averaged into one number? reduction='none' keeps one loss per sample to rank")
        expect.matches(out, losses.topk(k).indices, name=name,
                       why="rank the per-sample losses (reduction='none'), largest first, and return their indices")


def _token_case(seed, batch, steps, classes, pad_index):
    g = torch.Generator().manual_seed(seed)
    logits = torch.randn(batch, steps, classes, generator=g)
    real = [c for c in range(classes) if c != pad_index]
    targets = torch.tensor(real)[torch.randint(0, len(real), (batch, steps), generator=g)]
    for row, length in enumerate(torch.randint(1, steps, (batch,), generator=g).tolist()):
        targets[row, length:] = pad_index  # padding at the end of each sequence
    return logits, targets


def test_masked_token_loss(solution):
    """masked_token_loss averages cross-entropy over the real tokens only
    masked_token_loss 只在真实词元上平均交叉熵"""
    for seed, (batch, steps, classes, pad_index) in ((47, (3, 6, 5, 0)), (48, (4, 5, 5, 2))):
        logits, targets = _token_case(seed, batch, steps, classes, pad_index)
        logits.requires_grad_(True)
        name = f"masked_token_loss(logits {tuple(logits.shape)}, targets {tuple(targets.shape)}, pad_index={pad_index})"
        try:
            out = solution.masked_token_loss(logits, targets, pad_index)
        except NotImplementedError:
            raise
        except RuntimeError as exc:
            text = str(exc).splitlines()[0]
            tip = ("keep the targets as int64 class indices, not one-hot rows"
                   if "floating point target" in text or "one_hot" in text
                   else "CrossEntropyLoss wants the classes on dim 1: flatten logits to (B·T, C) and targets to (B·T,)")
            raise AssertionError(f"{name} raised {text[:160]!r}: {tip}") from None
        per_token = F.cross_entropy(logits.detach().reshape(-1, classes), targets.reshape(-1), reduction="none")
        real = targets.reshape(-1) != pad_index
        expected = per_token[real].mean()
        expect.is_tensor(out, name=name)
        if torch.allclose(out.detach(), per_token.mean(), atol=1e-6):
            raise AssertionError(
                f"{name} averaged over the padding too: exclude positions whose target is pad_index "
                "(ignore_index=pad_index, or a mask and divide by the number of real tokens)"
            )
        expect.matches(out, expected, name=name,
                       why="the mean cross-entropy over positions whose target is not pad_index, classes on the last axis")
        out.backward()
        pad_grad = logits.grad.reshape(-1, classes)[~real]
        assert torch.equal(pad_grad, torch.zeros_like(pad_grad)), (
            f"{name}: padding positions received a gradient; they must not influence the loss at all"
        )
