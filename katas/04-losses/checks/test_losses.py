"""Hidden checks for the losses kata. Each docstring: English title, then Chinese title."""

import torch
import torch.nn.functional as F

from grader import expect

# What learner code can raise on a wrongly shaped or typed tensor (torch's own errors are RuntimeError,
# IndexError or ValueError; Python's TypeError). NotImplementedError is a RuntimeError: let it through first.
_CALL_ERRORS = (RuntimeError, IndexError, ValueError, TypeError)


def _ce_gradient(logits, targets):
    """d(mean cross-entropy)/d(logits) worked out by hand: (softmax − one-hot) / N."""
    one_hot = F.one_hot(targets, logits.shape[1]).to(logits.dtype)
    return (logits.softmax(dim=1) - one_hot) / logits.shape[0]


def _call(fn, *args, what, tip=""):
    """Call learner code; turn an error into a message that says which call failed (and why, if known)."""
    try:
        return fn(*args)
    except NotImplementedError:
        raise
    except _CALL_ERRORS as exc:
        text = f"{what} raised {type(exc).__name__}: {(str(exc).splitlines() or [''])[0][:200]}"
        raise AssertionError(f"{text}. {tip}" if tip else text) from None


def _saved(*tensors):
    return [t.detach().clone() for t in tensors]


def _unchanged(tensors, saved, what):
    """Learner code must leave its inputs alone (an in-place shift or cast changes the caller's data)."""
    for i, (t, before) in enumerate(zip(tensors, saved)):
        if t.dtype != before.dtype or not torch.equal(t.detach(), before):
            raise AssertionError(
                f"{what} changed its argument {i + 1} in place: leave the caller's tensors as they were "
                "(no in-place ops such as sub_(), no -= on the inputs)"
            )


def _classification_case(seed, rows, classes, dtype=torch.float32):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(rows, classes, generator=g, dtype=dtype) * 3, torch.randint(0, classes, (rows,), generator=g)


_LABEL_KINDS = (("int64", torch.int64), ("int32", torch.int32), ("float32", torch.float32), ("float64", torch.float64))


def test_classification_loss_value(solution):
    """classification_loss equals cross-entropy on raw logits, for int64, int32 and float labels
    classification_loss 等于原始 logits 上的交叉熵（标签为 int64、int32 或 float 时都对）"""
    for seed, rows, classes, dtype in ((40, 6, 4, torch.float32), (50, 9, 3, torch.float64), (51, 1, 5, torch.float32)):
        logits, labels = _classification_case(seed, rows, classes, dtype)
        expected = F.cross_entropy(logits, labels)
        of_softmax = F.cross_entropy(logits.softmax(dim=1), labels)
        for label_kind, label_dtype in _LABEL_KINDS:
            given = labels.to(label_dtype)
            saved = _saved(logits, given)
            name = f"classification_loss({dtype} logits {tuple(logits.shape)}, {label_kind} labels)"
            out = _call(solution.classification_loss, logits, given, what=name,
                        tip="CrossEntropyLoss wants int64 class indices: convert the labels with .long()")
            expect.is_tensor(out, name=name)
            expect.shape(out, (), name=name, why="the batch mean is one number: a 0-d tensor")
            got = out.detach().to(expected.dtype)
            if rows > 1 and torch.allclose(got, of_softmax, atol=1e-5):
                raise AssertionError(
                    f"{name} is the loss of softmax(logits): CrossEntropyLoss already applies log-softmax, so a "
                    "softmax before it squashes the scores twice (and learning stalls); pass the raw logits"
                )
            if rows > 1 and torch.allclose(got, expected * rows, atol=1e-4):
                raise AssertionError(
                    f"{name} is the sum over the batch, expected the mean: keep reduction='mean' (the default)"
                )
            expect.matches(out, expected, name=name,
                           why="nn.CrossEntropyLoss()(logits, labels.long()): a scalar, the batch mean, in the logits' dtype")
            _unchanged((logits, given), saved, name)


def test_classification_loss_gradient(solution):
    """classification_loss has the gradient (softmax − one-hot) / N w.r.t. the logits
    classification_loss 关于 logits 的梯度是 (softmax − one-hot) / N"""
    for seed, rows, classes, dtype in ((41, 6, 4, torch.float32), (52, 5, 7, torch.float64)):
        logits, labels = _classification_case(seed, rows, classes, dtype)
        expected = _ce_gradient(logits, labels)
        logits.requires_grad_(True)
        name = f"classification_loss({dtype} logits {tuple(logits.shape)}, labels)"
        loss = _call(solution.classification_loss, logits, labels, what=name)
        expect.is_tensor(loss, name=name)
        assert loss.requires_grad, (
            f"{name} does not require grad: the loss should stay connected to the logits so backward() can reach them"
        )
        loss.backward()
        expect.close(
            logits.grad, expected, name=f"the gradient of {name} w.r.t. the logits",
            why="for the batch-mean cross-entropy it is (softmax(logits) − one_hot(labels)) / N; a softmax before the "
                "loss shrinks it, a sum instead of the mean makes it N times too big",
        )


def test_regression_loss(solution):
    """regression_loss is the mean squared error of matching pairs, for (N,) and (N, 1) targets
    regression_loss 是逐对的均方误差（目标形状为 (N,) 或 (N, 1) 时都对）"""
    g = torch.Generator().manual_seed(42)
    for rows, dtype in ((7, torch.float32), (4, torch.float64)):
        values = torch.randn(rows, generator=g, dtype=dtype)
        targets = torch.randn(rows, generator=g, dtype=dtype)
        expected = ((values - targets) ** 2).mean()
        expected_grad = (2 * (values - targets) / rows).reshape(rows, 1)
        all_pairs = ((values[:, None] - targets[None, :]) ** 2).mean()
        for target_shape in ((rows,), (rows, 1)):
            pred = values.reshape(rows, 1).clone().requires_grad_(True)
            target = targets.reshape(target_shape).clone()
            saved = _saved(pred, target)
            name = f"regression_loss(pred {(rows, 1)}, target {target_shape}, {dtype})"
            out = _call(solution.regression_loss, pred, target, what=name,
                        tip="make both shapes agree first, e.g. pred.view_as(target) or pred.reshape(target.shape)")
            expect.is_tensor(out, name=name)
            if out.numel() == 1 and torch.allclose(out.detach().reshape(()).to(dtype), all_pairs, atol=1e-6):
                raise AssertionError(
                    f"{name} averaged all {rows}×{rows} pairs: (N, 1) against (N,), or (N,) against (N, 1), "
                    "broadcasts to an (N, N) table; reshape the prediction to the target's own shape "
                    "(pred.view_as(target) or pred.reshape(target.shape)) before the loss"
                )
            expect.matches(out, expected, name=name, why="the mean of (pred_i − target_i)² over the N pairs")
            out.backward()
            expect.close(pred.grad, expected_grad, name=f"the gradient of {name} w.r.t. pred")
            _unchanged((pred, target), saved, name)


def _forbid_builtin(monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError(
            "stable_cross_entropy called F.cross_entropy (or nn.CrossEntropyLoss): this exercise is to write it by "
            "hand, loss_i = logsumexp(logits_i) − logits_i[targets_i]"
        )

    monkeypatch.setattr(torch.nn.functional, "cross_entropy", forbidden)


def test_stable_ce_by_hand(solution, monkeypatch):
    """stable_cross_entropy matches F.cross_entropy without calling it
    stable_cross_entropy 不调用 F.cross_entropy 也能得到相同结果"""
    g = torch.Generator().manual_seed(43)
    for rows, classes, dtype in ((8, 5, torch.float32), (3, 7, torch.float64), (1, 2, torch.float32)):
        logits = torch.randn(rows, classes, generator=g, dtype=dtype)
        targets = torch.randint(0, classes, (rows,), generator=g)
        expected = F.cross_entropy(logits, targets)
        saved = _saved(logits, targets)
        name = f"stable_cross_entropy({dtype} logits {tuple(logits.shape)}, targets)"
        _forbid_builtin(monkeypatch)
        try:
            out = _call(solution.stable_cross_entropy, logits, targets, what=name)
        finally:
            monkeypatch.undo()
        expect.matches(out, expected, name=name,
                       why="logsumexp over the classes minus the target's logit, averaged over the batch, in the "
                           "logits' dtype")
        _unchanged((logits, targets), saved, name)


def test_stable_ce_large_logits(solution):
    """stable_cross_entropy stays finite and right for logits in the thousands
    stable_cross_entropy 在 logits 上千时仍然有限且正确"""
    g = torch.Generator().manual_seed(44)
    logits = torch.randn(6, 5, generator=g) * 5000
    targets = logits.argmin(dim=1)  # the worst class: its softmax probability underflows to exactly 0
    targets[:2] = logits[:2].argmax(dim=1)  # and two confident, correct rows
    expected = F.cross_entropy(logits.double(), targets)
    expected_grad = _ce_gradient(logits.double(), targets)
    logits.requires_grad_(True)
    name = "stable_cross_entropy(logits around ±5000, targets)"
    out = _call(solution.stable_cross_entropy, logits, targets, what=name)
    expect.is_tensor(out, name=name)
    expect.shape(out, (), name=name, why="return the mean over the batch: a scalar")
    assert torch.isfinite(out).all(), (
        f"{name} gave {out.item()}, expected {expected.item():.6g}: exp() of a large logit overflows to inf, and "
        "log(softmax) of a vanishing probability is log(0) = -inf; use torch.logsumexp (it subtracts each row's "
        "maximum first; one maximum for the whole batch is not enough), or log_softmax"
    )
    expect.close(out, expected, name=name, rtol=1e-5,
                 why="loss_i = logsumexp(logits_i) − logits_i[targets_i]; subtract each row's own maximum")
    assert out.requires_grad, f"{name} does not require grad: backward() cannot reach the logits"
    out.backward()
    grad = logits.grad
    assert grad is not None and torch.isfinite(grad).all(), f"the gradient of {name} should be finite"
    expect.close(grad, expected_grad, atol=1e-6, name=f"the gradient of {name}")


def test_stable_ce_gradient(solution):
    """stable_cross_entropy is differentiable in float64, with the analytic gradient
    stable_cross_entropy 在 float64 下可求导，梯度与解析结果一致"""
    g = torch.Generator().manual_seed(45)
    logits = torch.randn(5, 3, generator=g, dtype=torch.float64)
    targets = torch.randint(0, 3, (5,), generator=g)
    expected_grad = _ce_gradient(logits, targets)
    logits.requires_grad_(True)
    name = "stable_cross_entropy(float64 logits (5, 3), targets)"
    out = _call(solution.stable_cross_entropy, logits, targets, what=name)
    expect.is_tensor(out, name=name)
    expect.shape(out, (), name=name, why="return the mean over the batch: a scalar")
    assert out.requires_grad, (
        f"{name} does not require grad: keep the computation in tensor operations on the logits (no .item(), no "
        "NumPy, no detach) so backward() can reach them"
    )
    expect.dtype(out, torch.float64, name=name, why="compute in the logits' dtype")
    out.backward()
    expect.close(logits.grad, expected_grad, atol=1e-10, name=f"the gradient of {name} w.r.t. the logits",
                 why="for the batch-mean cross-entropy it is (softmax(logits) − one_hot(targets)) / N")


def test_hardest_examples(solution):
    """hardest_examples returns the indices of the k largest per-sample losses, largest first
    hardest_examples 按从大到小返回逐样本损失最大的 k 个下标"""
    g = torch.Generator().manual_seed(46)
    for rows, classes, dtype, ks in ((10, 4, torch.float32, (3, 1)), (7, 3, torch.float64, (7, 2))):
        logits = torch.randn(rows, classes, generator=g, dtype=dtype) * 2
        targets = torch.randint(0, classes, (rows,), generator=g)
        losses = F.cross_entropy(logits, targets, reduction="none")
        saved = _saved(logits, targets)
        for k in ks:
            name = f"hardest_examples({dtype} logits {tuple(logits.shape)}, targets, k={k})"
            out = _call(solution.hardest_examples, logits, targets, k, what=name,
                        tip="Was the loss averaged into one number? reduction='none' keeps one loss per sample to rank")
            expect.matches(out, losses.topk(k).indices, name=name,
                           why="rank the per-sample losses (reduction='none'), largest first, and return their "
                               "indices as int64")
        _unchanged((logits, targets), saved, name)


def _token_case(seed, batch, steps, classes, pad_index):
    g = torch.Generator().manual_seed(seed)
    logits = torch.randn(batch, steps, classes, generator=g)
    real = [c for c in range(classes) if c != pad_index]
    targets = torch.tensor(real)[torch.randint(0, len(real), (batch, steps), generator=g)]
    for row, length in enumerate(torch.randint(1, steps, (batch,), generator=g).tolist()):
        targets[row, length:] = pad_index  # padding at the end of each sequence
    return logits, targets


def _token_error_tip(exc):
    text = str(exc)
    if "floating point target" in text or "one_hot" in text:
        return "keep the targets as int64 class indices, not one-hot rows"
    if "view size is not compatible" in text:
        return ("these logits and targets are not contiguous in memory (they came from a transpose), so view() "
                "cannot flatten them: use reshape()")
    return "CrossEntropyLoss wants the classes on dim 1: flatten logits to (B·T, C) and targets to (B·T,)"


def test_masked_token_loss(solution):
    """masked_token_loss averages cross-entropy over the real tokens only
    masked_token_loss 只在真实词元上平均交叉熵"""
    cases = ((47, (3, 6, 5, 0), False), (48, (4, 5, 5, 2), False), (49, (2, 7, 3, 1), True))
    for seed, (batch, steps, classes, pad_index), transposed in cases:
        logits, targets = _token_case(seed, batch, steps, classes, pad_index)
        if transposed:  # the same values, laid out (B, C, T) and (T, B) in memory, as transposes leave them
            logits = logits.transpose(1, 2).contiguous().transpose(1, 2)
            targets = targets.t().contiguous().t()
        per_token = F.cross_entropy(logits.reshape(-1, classes), targets.reshape(-1), reduction="none")
        real = targets.reshape(-1) != pad_index
        expected = per_token[real].mean()
        over_pads = per_token.mean()
        zero_skipped = per_token[targets.reshape(-1) != 0].mean()  # what a pad index hard-coded to 0 gives
        saved = _saved(logits, targets)
        logits.requires_grad_(True)
        layout = ", not contiguous" if transposed else ""
        name = (f"masked_token_loss(logits {tuple(logits.shape)}{layout}, targets {tuple(targets.shape)}{layout}, "
                f"pad_index={pad_index})")
        try:
            out = solution.masked_token_loss(logits, targets, pad_index)
        except NotImplementedError:
            raise
        except _CALL_ERRORS as exc:
            text = (str(exc).splitlines() or [""])[0]
            raise AssertionError(f"{name} raised {type(exc).__name__} {text[:160]!r}: {_token_error_tip(exc)}") from None
        expect.is_tensor(out, name=name)
        if out.shape == () and torch.allclose(out.detach(), over_pads, atol=1e-6):
            raise AssertionError(
                f"{name} averaged over the padding too: exclude positions whose target is pad_index "
                "(ignore_index=pad_index, or a mask and divide by the number of real tokens)"
            )
        if pad_index != 0 and out.shape == () and torch.allclose(out.detach(), zero_skipped, atol=1e-6):
            raise AssertionError(
                f"{name} left out the positions whose target is 0 instead of those equal to pad_index={pad_index}: "
                "use the pad_index argument (ignore_index=pad_index), not a fixed 0"
            )
        expect.matches(out, expected, name=name,
                       why="the mean cross-entropy over positions whose target is not pad_index, classes on the last axis")
        out.backward()
        pad_grad = logits.grad.reshape(-1, classes)[~real]
        assert torch.equal(pad_grad, torch.zeros_like(pad_grad)), (
            f"{name}: padding positions received a gradient; they must not influence the loss at all"
        )
        _unchanged((logits, targets), saved, name)
