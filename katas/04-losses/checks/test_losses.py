"""Checks for the losses kata, judge half: inputs from `rng`, verdicts on what the child observed.

Runs in the `kata` process only; exercise_losses.py (same function names) runs the learner's code on
these inputs in the grading child. Each docstring: English title, then Chinese title. A known wrong
value (softmax applied twice, a sum, all N×N pairs, pads averaged in) is named only when the result is
not the right one, so no draw of the inputs can make a correct answer look like a mistake.
"""

import torch
import torch.nn.functional as F

from grader import expect
from grader.bilingual import Bilingual, Text, both
from grader.observations import Raised
from grader.stand_in import STAND_IN

THE_LOGITS = both("the logits", "logits")
BATCH_MEAN = both("return the mean over the batch: a scalar", "请返回批次上的均值：一个标量")


def _ce_gradient(logits, targets):
    """d(mean cross-entropy)/d(logits) worked out by hand: (softmax − one-hot) / N."""
    one_hot = F.one_hot(targets, logits.shape[1]).to(logits.dtype)
    return (logits.softmax(dim=1) - one_hot) / logits.shape[0]


def _logits_call(function: str, logits: torch.Tensor, rest: Text) -> Bilingual:
    """How the messages name a call on a batch of logits: `function(<dtype> logits <shape>, rest)`."""
    return both(
        "{function}({dtype} logits {shape}, {rest})", "{function}(形状为 {shape} 的 {dtype} logits, {rest})"
    ).format(function=function, dtype=logits.dtype, shape=tuple(logits.shape), rest=rest)


def _backward_of(name: Text) -> Bilingual:
    return both("backward() of {name}", "{name} 的 backward()").format(name=name)


def _gradient_of(name: Text, wrt: Text = "") -> Bilingual:
    if not wrt:
        return both("the gradient of {name}", "{name} 的梯度").format(name=name)
    return both("the gradient of {name} w.r.t. {wrt}", "{name} 对 {wrt} 的梯度").format(name=name, wrt=wrt)


def _unchanged(tensors, after, what: Text) -> None:
    """Learner code must leave its inputs alone (an in-place shift or cast changes the caller's data)."""
    for i, (before, now) in enumerate(zip(tensors, after, strict=True)):
        if now.dtype != before.dtype or now.shape != before.shape or not torch.equal(now.detach(), before.detach()):
            raise AssertionError(
                both(
                    "{what} changed its argument {i} in place: leave the caller's tensors as they were "
                    "(no in-place ops such as sub_(), no -= on the inputs)",
                    "{what} 原地修改了它的第 {i} 个参数：请让调用方的张量保持原样"
                    "（不要用 sub_() 这类原地操作，也不要对输入用 -=）",
                ).format(what=what, i=i + 1)
            )


def _scalar_near(out, value, atol):
    """A 0-d (or one-element) result within atol of value: how a known wrong answer is recognised."""
    return out.numel() == 1 and torch.allclose(out.detach().reshape(()).to(value.dtype), value, atol=atol)


def _classification_case(rng, rows, classes, dtype=torch.float32):
    return torch.randn(rows, classes, generator=rng, dtype=dtype) * 3, torch.randint(0, classes, (rows,), generator=rng)


def _draw(rng, low: int, high: int) -> int:
    """An int in [low, high], from the job's rng."""
    return int(torch.randint(low, high + 1, (1,), generator=rng))


_LABEL_KINDS = (("int64", torch.int64), ("int32", torch.int32), ("float32", torch.float32), ("float64", torch.float64))


def test_classification_loss_value(rng):
    """classification_loss equals cross-entropy on raw logits, for int64, int32 and float labels
    classification_loss 等于原始 logits 上的交叉熵（标签为 int64、int32 或 float 时都对）"""
    cases = [
        _classification_case(rng, rows, classes, dtype)
        for rows, classes, dtype in ((6, 4, torch.float32), (9, 3, torch.float64), (1, 5, torch.float32))
    ]
    seen = yield [[(logits, labels.to(label_dtype)) for _, label_dtype in _LABEL_KINDS] for logits, labels in cases]
    for (logits, labels), per_kind in zip(cases, seen, strict=True):
        rows = logits.shape[0]
        expected = F.cross_entropy(logits, labels)
        of_softmax = F.cross_entropy(logits.softmax(dim=1), labels)
        for (label_kind, label_dtype), got in zip(_LABEL_KINDS, per_kind, strict=True):
            name = _logits_call("classification_loss", logits, both(f"{label_kind} labels", f"{label_kind} 标签"))
            expect.returned(
                got["out"],
                name=name,
                why=both(
                    "CrossEntropyLoss wants int64 class indices: convert the labels with .long()",
                    "CrossEntropyLoss 要求 int64 类别索引：请用 .long() 转换标签",
                ),
            )
            out = expect.is_tensor(got["out"], name=name)
            expect.shape(
                out, (), name=name, why=both("the batch mean is one number: a 0-d tensor", "批次均值是一个数：0 维张量")
            )
            if rows > 1 and not _scalar_near(out, expected, 1e-5):
                if _scalar_near(out, of_softmax, 1e-5):
                    raise AssertionError(
                        both(
                            "{name} is the loss of softmax(logits): CrossEntropyLoss already applies log-softmax, so "
                            "a softmax before it squashes the scores twice (and learning stalls); pass the raw logits",
                            "{name} 算的是 softmax(logits) 的损失：CrossEntropyLoss 内部已经做了 log-softmax，"
                            "之前再做一次 softmax 会把分数压缩两次（训练随之停滞）；请直接传入原始 logits",
                        ).format(name=name)
                    )
                if _scalar_near(out, expected * rows, 1e-4):
                    raise AssertionError(
                        both(
                            "{name} is the sum over the batch, expected the mean: keep reduction='mean' (the default)",
                            "{name} 是整个批次的总和，应为均值：请保留 reduction='mean'（默认值）",
                        ).format(name=name)
                    )
            expect.matches(
                out,
                expected,
                name=name,
                why=both(
                    "nn.CrossEntropyLoss()(logits, labels.long()): a scalar, the batch mean, in the logits' dtype",
                    "nn.CrossEntropyLoss()(logits, labels.long())：一个标量，即批次均值，dtype 与 logits 相同",
                ),
            )
            _unchanged((logits, labels.to(label_dtype)), got["inputs_after"], name)


def test_classification_loss_gradient(rng):
    """classification_loss has the gradient (softmax − one-hot) / N w.r.t. the logits
    classification_loss 关于 logits 的梯度是 (softmax − one-hot) / N"""
    cases = [
        _classification_case(rng, rows, classes, dtype)
        for rows, classes, dtype in ((6, 4, torch.float32), (5, 7, torch.float64))
    ]
    seen = yield [(logits.clone().requires_grad_(True), labels) for logits, labels in cases]
    for (logits, labels), got in zip(cases, seen, strict=True):
        name = _logits_call("classification_loss", logits, both("labels", "标签"))
        loss = expect.is_tensor(got["out"], name=name)
        assert loss.requires_grad, both(
            "{name} does not require grad: the loss should stay connected to the logits so backward() can reach them",
            "{name} 的结果没有跟踪梯度（requires_grad=False）：损失应当与 logits 连在同一张计算图上，backward() 才能传回到 logits",
        ).format(name=name)
        expect.returned(got["backward"], name=_backward_of(name))
        expect.close(
            got["grad"],
            _ce_gradient(logits, labels),
            name=_gradient_of(name, THE_LOGITS),
            why=both(
                "for the batch-mean cross-entropy it is (softmax(logits) − one_hot(labels)) / N; a softmax before the "
                "loss shrinks it, a sum instead of the mean makes it N times too big",
                "批次平均的交叉熵对 logits 的梯度是 (softmax(logits) − one_hot(labels)) / N；"
                "在损失之前做 softmax 会让它变小，用求和代替均值会让它大 N 倍",
            ),
        )


def test_regression_loss(rng):
    """regression_loss is the mean squared error of matching pairs, for (N,) and (N, 1) targets
    regression_loss 是逐对的均方误差（目标形状为 (N,) 或 (N, 1) 时都对）"""
    cases = []
    for rows, dtype in ((7, torch.float32), (4, torch.float64)):
        values = torch.randn(rows, generator=rng, dtype=dtype)
        targets = torch.randn(rows, generator=rng, dtype=dtype)
        for target_shape in ((rows,), (rows, 1)):
            cases.append((values.reshape(rows, 1), targets.reshape(target_shape)))
    seen = yield [(pred.clone().requires_grad_(True), target) for pred, target in cases]
    for (pred, target), got in zip(cases, seen, strict=True):
        rows = pred.shape[0]
        values, targets = pred.reshape(-1), target.reshape(-1)
        expected = ((values - targets) ** 2).mean()
        all_pairs = ((values[:, None] - targets[None, :]) ** 2).mean()
        name = f"regression_loss(pred {tuple(pred.shape)}, target {tuple(target.shape)}, {pred.dtype})"
        expect.returned(
            got["out"],
            name=name,
            why=both(
                "make both shapes agree first, e.g. pred.view_as(target) or pred.reshape(target.shape)",
                "先让两者的形状一致，例如 pred.view_as(target) 或 pred.reshape(target.shape)",
            ),
        )
        out = expect.is_tensor(got["out"], name=name)
        if not _scalar_near(out, expected, 1e-6) and _scalar_near(out, all_pairs, 1e-6):
            raise AssertionError(
                both(
                    "{name} averaged all {rows}×{rows} pairs: (N, 1) against (N,), or (N,) against (N, 1), "
                    "broadcasts to an (N, N) table; reshape the prediction to the target's own shape "
                    "(pred.view_as(target) or pred.reshape(target.shape)) before the loss",
                    "{name} 对全部 {rows}×{rows} 个配对取了平均：(N, 1) 对 (N,)，或 (N,) 对 (N, 1)，"
                    "会广播成 (N, N) 的表格；计算损失之前，先把预测变成与目标相同的形状"
                    "（pred.view_as(target) 或 pred.reshape(target.shape)）",
                ).format(name=name, rows=rows)
            )
        expect.matches(
            out,
            expected,
            name=name,
            why=both("the mean of (pred_i − target_i)² over the N pairs", "N 个配对上 (pred_i − target_i)² 的均值"),
        )
        expect.returned(got["backward"], name=_backward_of(name))
        expect.close(got["grad"], (2 * (values - targets) / rows).reshape(rows, 1), name=_gradient_of(name, "pred"))
        _unchanged((pred, target), got["inputs_after"], name)


def test_stable_ce_by_hand(rng):
    """stable_cross_entropy matches F.cross_entropy without calling it
    stable_cross_entropy 不调用 F.cross_entropy 也能得到相同结果"""
    # the float64 batch never holds the last class: a one-hot width taken from the targets is too narrow
    cases = [
        (torch.randn(rows, classes, generator=rng, dtype=dtype), torch.randint(0, high, (rows,), generator=rng))
        for rows, classes, high, dtype in ((8, 5, 5, torch.float32), (3, 7, 6, torch.float64), (1, 2, 2, torch.float32))
    ]
    seen = yield cases
    for (logits, targets), got in zip(cases, seen, strict=True):
        name = _logits_call("stable_cross_entropy", logits, "targets")
        if got["builtin_calls"]:
            where = got["out"] if isinstance(got["out"], Raised) and got["out"].file else None
            raise AssertionError(
                both(
                    "stable_cross_entropy called F.cross_entropy (or nn.CrossEntropyLoss): this exercise is to write "
                    "it by hand, loss_i = logsumexp(logits_i) − logits_i[targets_i]",
                    "stable_cross_entropy 调用了 F.cross_entropy（或 nn.CrossEntropyLoss）：这道小题要求手写，"
                    "loss_i = logsumexp(logits_i) − logits_i[targets_i]",
                )
                + (
                    both(" (at {file}:{line})", "（{file} 第 {line} 行）").format(file=where.file, line=where.line)
                    if where
                    else ""
                )
            )
        expect.matches(
            got["out"],
            F.cross_entropy(logits, targets),
            name=name,
            why=both(
                "logsumexp over the classes minus the target's logit, averaged over the batch, in the logits' dtype "
                "(a class may be absent from the batch: a one-hot needs num_classes=logits.shape[1])",
                "对各类别求 logsumexp，减去目标类别的 logit，再在批次上取平均，dtype 与 logits 相同"
                "（批次里可能缺少某个类别：one-hot 需要 num_classes=logits.shape[1]）",
            ),
        )
        _unchanged((logits, targets), got["inputs_after"], name)


def test_stable_ce_large_logits(rng):
    """stable_cross_entropy stays finite and right for logits in the thousands
    stable_cross_entropy 在 logits 上千时仍然有限且正确"""
    logits = torch.randn(6, 5, generator=rng) * 5000
    targets = logits.argmin(dim=1)  # the worst class: its softmax probability underflows to exactly 0
    targets[:2] = logits[:2].argmax(dim=1)  # and two confident, correct rows
    seen = yield {"logits": logits.clone().requires_grad_(True), "targets": targets}
    expected = F.cross_entropy(logits.double(), targets)
    name = both(
        "stable_cross_entropy(logits around ±5000, targets)",
        "stable_cross_entropy(数值在 ±5000 左右的 logits, targets)",
    )
    out = expect.is_tensor(seen["out"], name=name)
    expect.shape(out, (), name=name, why=BATCH_MEAN)
    assert torch.isfinite(out).all(), both(
        "{name} gave {got}, expected {want}: exp() of a large logit overflows to inf, and "
        "log(softmax) of a vanishing probability is log(0) = -inf; use torch.logsumexp (it subtracts each row's "
        "maximum first; one maximum for the whole batch is not enough), or log_softmax",
        "{name} 得到 {got}，应为 {want}：很大的 logit 取 exp() 会溢出成 inf，而概率小到趋于 0 时，"
        "log(softmax) 就是 log(0) = -inf；请用 torch.logsumexp（它会先减去每一行的最大值；"
        "整个批次只减一个最大值是不够的），或用 log_softmax",
    ).format(name=name, got=out.item(), want=f"{expected.item():.6g}")
    expect.close(
        out,
        expected,
        name=name,
        rtol=1e-5,
        why=both(
            "loss_i = logsumexp(logits_i) − logits_i[targets_i]; subtract each row's own maximum",
            "loss_i = logsumexp(logits_i) − logits_i[targets_i]；每一行减去它自己的最大值",
        ),
    )
    assert out.requires_grad, both(
        "{name} does not require grad: backward() cannot reach the logits",
        "{name} 的结果没有跟踪梯度（requires_grad=False）：backward() 无法传回到 logits",
    ).format(name=name)
    expect.returned(seen["backward"], name=_backward_of(name))
    grad = seen["grad"]
    assert grad is not None and torch.isfinite(grad).all(), both(
        "the gradient of {name} should be finite", "{name} 的梯度应当是有限值"
    ).format(name=name)
    # float32 holds logits this large to about eps·max|logit|, so a correct gradient entry is that close, over N
    precision = torch.finfo(torch.float32).eps * logits.abs().max().item() / logits.shape[0]
    expect.close(grad, _ce_gradient(logits.double(), targets), atol=precision, name=_gradient_of(name))


def test_stable_ce_gradient(rng):
    """stable_cross_entropy is differentiable in float64, with the analytic gradient
    stable_cross_entropy 在 float64 下可求导，梯度与解析结果一致"""
    logits = torch.randn(5, 3, generator=rng, dtype=torch.float64)
    targets = torch.randint(0, 3, (5,), generator=rng)
    seen = yield {"logits": logits.clone().requires_grad_(True), "targets": targets}
    name = both(
        "stable_cross_entropy(float64 logits (5, 3), targets)",
        "stable_cross_entropy(形状为 (5, 3) 的 float64 logits, targets)",
    )
    out = expect.is_tensor(seen["out"], name=name)
    expect.shape(out, (), name=name, why=BATCH_MEAN)
    assert out.requires_grad, both(
        "{name} does not require grad: keep the computation in tensor operations on the logits (no .item(), no "
        "NumPy, no detach) so backward() can reach them",
        "{name} 的结果没有跟踪梯度（requires_grad=False）：请全程用 logits 上的张量运算来计算（不要 .item()、不要 NumPy、不要 detach），"
        "backward() 才能传回到 logits",
    ).format(name=name)
    expect.dtype(out, torch.float64, name=name, why=both("compute in the logits' dtype", "请用 logits 的 dtype 计算"))
    expect.returned(seen["backward"], name=_backward_of(name))
    expect.close(
        seen["grad"],
        _ce_gradient(logits, targets),
        atol=1e-10,
        name=_gradient_of(name, THE_LOGITS),
        why=both(
            "for the batch-mean cross-entropy it is (softmax(logits) − one_hot(targets)) / N",
            "批次平均的交叉熵对 logits 的梯度是 (softmax(logits) − one_hot(targets)) / N",
        ),
    )


def _well_ranked_case(rng, rows, classes, dtype, ks):
    """Logits whose per-sample losses are far enough apart that every correct way ranks them alike, and
    whose k hardest samples (for every k asked) are not the k lowest target logits: the loss also
    depends on the other classes' logits, and a ranking by the target's logit alone must always fail;
    so must one by the margin (the largest logit − the target's), which ignores the other classes."""
    while True:
        logits = torch.randn(rows, classes, generator=rng, dtype=dtype) * 2
        targets = torch.randint(0, classes, (rows,), generator=rng)
        losses = F.cross_entropy(logits, targets, reduction="none")
        target_logits = logits.gather(1, targets.unsqueeze(1)).squeeze(1)
        margins = logits.max(dim=1).values - target_logits
        separated = rows < 2 or bool(losses.sort().values.diff().min() > 1e-3)
        by_target = all(torch.equal(losses.topk(k).indices, target_logits.topk(k, largest=False).indices) for k in ks)
        by_margin = all(torch.equal(losses.topk(k).indices, margins.topk(k).indices) for k in ks)
        if separated and not by_target and not by_margin:
            return logits, targets


def test_hardest_examples(rng):
    """hardest_examples returns the indices of the k largest per-sample losses, largest first
    hardest_examples 按从大到小返回逐样本损失最大的 k 个下标"""
    cases = [
        (*_well_ranked_case(rng, rows, classes, dtype, ks), ks)
        for rows, classes, dtype, ks in ((10, 4, torch.float32, (3, 1)), (7, 3, torch.float64, (7, 2)))
    ]
    seen = yield cases
    for (logits, targets, ks), got in zip(cases, seen, strict=True):
        losses = F.cross_entropy(logits, targets, reduction="none")
        for k, out in zip(ks, got["outs"], strict=True):
            name = _logits_call("hardest_examples", logits, f"targets, k={k}")
            expect.returned(
                out,
                name=name,
                why=both(
                    "Was the loss averaged into one number? reduction='none' keeps one loss per sample to rank",
                    "是不是把损失平均成了一个数？reduction='none' 会为每个样本各保留一个损失，供排序使用",
                ),
            )
            expect.matches(
                out,
                losses.topk(k).indices,
                name=name,
                why=both(
                    "rank the per-sample losses (reduction='none'), largest first, and return their indices as int64; "
                    "every class's logit counts in a loss, not only the largest one's",
                    "把逐样本损失（reduction='none'）从大到小排序，并以 int64 返回它们的下标；"
                    "损失取决于每个类别的 logit，而不只是最大的那个",
                ),
            )
        _unchanged((logits, targets), got["inputs_after"], name)


def _token_case(rng, batch, steps, classes, pad_index, dtype):
    """Padded sequences of distinct lengths (1 to steps − 1), drawn until the mean of each sequence's mean
    is clearly not the mean over tokens: an equal weight per sequence must always fail."""
    while True:
        logits = torch.randn(batch, steps, classes, generator=rng, dtype=dtype)
        real = [c for c in range(classes) if c != pad_index]
        targets = torch.tensor(real)[torch.randint(0, len(real), (batch, steps), generator=rng)]
        targets[0, 0] = real[0]  # a real token of class 0 when pad_index is not 0 (position 0 is never a pad)
        lengths = (torch.randperm(steps - 1, generator=rng)[:batch] + 1).tolist()
        for row, length in enumerate(lengths):
            targets[row, length:] = pad_index  # padding at the end of each sequence
        per_token = F.cross_entropy(logits.transpose(1, 2), targets, reduction="none")
        mask = targets != pad_index
        token_mean = per_token[mask].mean()
        sequence_means = (per_token * mask).sum(dim=1) / mask.sum(dim=1)
        if abs(sequence_means.mean() - token_mean) > 1e-3:
            return logits, targets


def _token_error_tip(raised: Raised) -> Bilingual:
    text = raised.message
    if "floating point target" in text or "one_hot" in text:
        return both(
            "keep the targets as int64 class indices, not one-hot rows",
            "targets 应保持为 int64 类别索引，而不是 one-hot 行",
        )
    if "view size is not compatible" in text:
        return both(
            "these logits and targets are not contiguous in memory (they came from a transpose), so view() "
            "cannot flatten them: use reshape()",
            "这里的 logits 和 targets 在内存中不连续（它们来自转置），view() 无法把它们展平：请用 reshape()",
        )
    return both(
        "CrossEntropyLoss wants the classes on dim 1: flatten logits to (B·T, C) and targets to (B·T,)",
        "CrossEntropyLoss 要求类别在第 1 维：请把 logits 展平成 (B·T, C)，把 targets 展平成 (B·T,)",
    )


def test_masked_token_loss(rng):
    """masked_token_loss averages cross-entropy over the real tokens only
    masked_token_loss 只在真实词元上平均交叉熵"""
    cases = [
        (*_token_case(rng, batch, steps, classes, pad_index, dtype), pad_index, transposed)
        for (batch, steps, classes, pad_index), transposed, dtype in (
            ((3, 6, 5, 0), False, torch.float32),
            ((4, 5, 5, 2), False, torch.float64),
            ((2, 7, 3, 1), True, torch.float32),
        )
    ]
    # the exercise lays out the "transposed" ones (B, C, T) and (T, B) in memory, as transposes leave them
    seen = yield [
        {"logits": logits, "targets": targets, "pad_index": pad_index, "transposed": transposed}
        for logits, targets, pad_index, transposed in cases
    ]
    for (logits, targets, pad_index, transposed), got in zip(cases, seen, strict=True):
        classes = logits.shape[-1]
        per_token = F.cross_entropy(logits.reshape(-1, classes), targets.reshape(-1), reduction="none")
        real = targets.reshape(-1) != pad_index
        expected = per_token[real].mean()
        layout = both(", not contiguous", "") if transposed else ""
        memory = both("", "不连续的 ") if transposed else ""
        name = both(
            "masked_token_loss(logits {logits}{layout}, targets {targets}{layout}, pad_index={pad_index})",
            "masked_token_loss({memory}logits {logits}, {memory}targets {targets}, pad_index={pad_index})",
        ).format(
            logits=tuple(logits.shape), targets=tuple(targets.shape), layout=layout, memory=memory, pad_index=pad_index
        )
        out = got["out"]
        if isinstance(out, Raised):
            first = (out.message.splitlines() or [""])[0]
            raise AssertionError(
                both("{name} raised {error} {text}: {tip}", "{name} 抛出了 {error} {text}：{tip}").format(
                    name=name, error=out.type, text=repr(first[:160]), tip=_token_error_tip(out)
                )
            )
        expect.is_tensor(out, name=name)
        if out.shape == () and not _scalar_near(out, expected, 1e-6):
            if _scalar_near(out, per_token.mean(), 1e-6):
                raise AssertionError(
                    both(
                        "{name} averaged over the padding too: exclude positions whose target is pad_index "
                        "(ignore_index=pad_index, or a mask and divide by the number of real tokens)",
                        "{name} 把填充（padding）位置也算进了平均：请排除目标等于 pad_index 的位置"
                        "（用 ignore_index=pad_index，或用掩码并除以真实词元的个数）",
                    ).format(name=name)
                )
            if pad_index != 0 and _scalar_near(out, per_token[targets.reshape(-1) != 0].mean(), 1e-6):
                raise AssertionError(
                    both(
                        "{name} left out the positions whose target is 0 instead of those equal to "
                        "pad_index={pad_index}: use the pad_index argument (ignore_index=pad_index), not a fixed 0",
                        "{name} 排除的是目标为 0 的位置，而不是等于 pad_index={pad_index} 的位置："
                        "请使用参数 pad_index（ignore_index=pad_index），不要写死 0",
                    ).format(name=name, pad_index=pad_index)
                )
        expect.matches(
            out,
            expected,
            name=name,
            why=both(
                "the mean cross-entropy over positions whose target is not pad_index, classes on the last axis, "
                "in the logits' dtype (no .float())",
                "在目标不等于 pad_index 的位置上求交叉熵的均值，类别在最后一维，dtype 与 logits 相同（不要 .float()）",
            ),
        )
        expect.returned(got["backward"], name=_backward_of(name))
        assert got["grad"] is not None, both(
            "{name}: no gradient reached the logits; keep the loss in tensor operations on them",
            "{name}：没有梯度传到 logits；请全程用 logits 上的张量运算来计算损失",
        ).format(name=name)
        pad_grad = got["grad"].reshape(-1, classes)[~real]
        assert torch.equal(pad_grad, torch.zeros_like(pad_grad)), both(
            "{name}: padding positions received a gradient; they must not influence the loss at all",
            "{name}：填充位置收到了梯度；它们不应对损失有任何影响",
        ).format(name=name)
        _unchanged((logits, targets), got["inputs_after"], name)


def test_losses_stay_on_device(rng):
    """every loss is computed where the logits are (a stand-in GPU here)
    每个损失都在 logits 所在的设备上计算（这里是替身 GPU）"""
    logits, labels = _classification_case(rng, _draw(rng, 3, 9), _draw(rng, 2, 6))
    big, targets = _classification_case(rng, _draw(rng, 3, 9), _draw(rng, 2, 6), torch.float64)
    rows = _draw(rng, 3, 9)
    batch, steps, classes = _draw(rng, 2, 4), _draw(rng, 3, 7), _draw(rng, 2, 6)
    pad_index = _draw(rng, 0, classes - 1)
    tokens = torch.randint(0, classes, (batch, steps), generator=rng)
    tokens[:, 1:][torch.rand(batch, steps - 1, generator=rng) < 0.4] = pad_index  # position 0 stays a real token
    tokens[:, 0][tokens[:, 0] == pad_index] = (pad_index + 1) % classes
    token_logits = torch.randn(batch, steps, classes, generator=rng)
    inputs = {
        "classification_loss": (logits, labels.float()),  # float labels: the conversion must keep the device
        "regression_loss": (torch.randn(rows, 1, generator=rng), torch.randn(rows, generator=rng)),
        "stable_cross_entropy": (big * 1000, targets),
        "masked_token_loss": (token_logits, tokens, pad_index),
    }
    expected = {
        "classification_loss": F.cross_entropy(logits, labels),
        "regression_loss": F.mse_loss(inputs["regression_loss"][0].view(-1), inputs["regression_loss"][1]),
        "stable_cross_entropy": F.cross_entropy(big * 1000, targets),
        "masked_token_loss": F.cross_entropy(
            token_logits.reshape(-1, classes), tokens.reshape(-1), ignore_index=pad_index
        ),
    }
    seen = yield inputs
    why = both(
        "on a GPU every tensor of one operation must be on the same device: convert with .long() or .to(torch.long), "
        "which keep the device (.type(torch.LongTensor) copies to the CPU), and make any new tensor with "
        "device=logits.device (or zeros_like / new_zeros)",
        "在 GPU 上，一次运算中的所有张量都必须在同一设备上：请用 .long() 或 .to(torch.long) 转换，它们会保留设备"
        "（.type(torch.LongTensor) 会复制到 CPU）；新建张量时请传 device=logits.device（或用 zeros_like / new_zeros）",
    )
    for name, want in expected.items():
        call = both(
            "{name}(...) on tensors of a stand-in GPU (device {device!r})",
            "在替身 GPU（设备 {device!r}）的张量上调用 {name}(...)",
        ).format(name=name, device=STAND_IN)
        got = seen[name]
        out = expect.returned(got["out"], name=call, why=why)
        assert got["device"] == STAND_IN, both(
            "{call} returned a loss on the device {got!r}, expected the logits' device: {why}",
            "{call} 返回的损失位于设备 {got!r}，应位于 logits 所在的设备：{why}",
        ).format(call=call, got=got["device"], why=why)
        expect.close(out, want, name=call)
