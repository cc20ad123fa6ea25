"""Hidden checks for the optimizers kata. Each docstring: English title, then Chinese title."""

import copy

import pytest
import torch
import torch._dynamo  # noqa: F401 - see below
from torch import nn

from grader import expect

# Building a torch.optim optimizer imports torch._dynamo on first use (about 2 s of CPU). Importing it
# here, while the warm parent collects the checks, spares every forked grading child that cost.


class TwoPart(nn.Module):
    """A small model with a body and a head, as in fine-tuning."""

    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(4, 8), nn.Tanh())
        self.head = nn.Linear(8, 3)

    def forward(self, x):
        return self.head(self.body(x))


def _model(seed):
    torch.manual_seed(seed)
    return TwoPart()


def _batch(seed, n=6):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, 4, generator=g), torch.randn(n, 3, generator=g)


def _reference_step(model, optimizer, x, y):
    optimizer.zero_grad()
    nn.functional.mse_loss(model(x), y).backward()
    optimizer.step()


def _compare_params(model, reference, name, why):
    for (key, got), want in zip(model.named_parameters(), reference.parameters()):
        expect.close(got, want, name=f"{name}: parameter {key}", why=why)


def _param_ids(optimizer):
    return [id(p) for group in optimizer.param_groups for p in group["params"]]


def _check_covers(optimizer, model, name):
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise AssertionError(f"{name} should return a torch.optim optimizer, got {type(optimizer).__name__}")
    ids = _param_ids(optimizer)
    wanted = {id(p) for p in model.parameters()}
    if set(ids) != wanted:
        raise AssertionError(
            f"{name}: the optimizer holds {len(set(ids) & wanted)} of the model's {len(wanted)} parameters "
            f"(plus {len(set(ids) - wanted)} others); pass model.parameters() so it updates all of them"
        )


def _run_like_reference(solution_optimizer, model, reference_optimizer, reference, steps, name, why):
    for step in range(1, steps + 1):
        x, y = _batch(100 + step)
        _reference_step(model, solution_optimizer, x, y)
        _reference_step(reference, reference_optimizer, x, y)
        _compare_params(model, reference, f"{name}, after step {step}", why)


def test_make_optimizer_sgd(solution):
    """make_optimizer("sgd") updates every parameter like SGD with momentum 0.9
    make_optimizer("sgd") 像动量为 0.9 的 SGD 一样更新所有参数"""
    model = _model(0)
    reference = copy.deepcopy(model)
    optimizer = solution.make_optimizer(model, "sgd", 0.1)
    _check_covers(optimizer, model, 'make_optimizer(model, "sgd", 0.1)')
    reference_optimizer = torch.optim.SGD(reference.parameters(), lr=0.1, momentum=0.9)
    _run_like_reference(
        optimizer, model, reference_optimizer, reference, 4, 'make_optimizer(model, "sgd", 0.1)',
        "expected torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9); if step 1 matches and "
        "step 2 does not, the momentum is missing",
    )


def test_make_optimizer_adam(solution):
    """make_optimizer("adam") updates every parameter like Adam
    make_optimizer("adam") 像 Adam 一样更新所有参数"""
    model = _model(1)
    reference = copy.deepcopy(model)
    optimizer = solution.make_optimizer(model, "adam", 0.01)
    _check_covers(optimizer, model, 'make_optimizer(model, "adam", 0.01)')
    reference_optimizer = torch.optim.Adam(reference.parameters(), lr=0.01)
    _run_like_reference(
        optimizer, model, reference_optimizer, reference, 4, 'make_optimizer(model, "adam", 0.01)',
        "expected torch.optim.Adam(model.parameters(), lr=0.01) with its default betas and eps",
    )


def test_train_step(solution):
    """train_step clears old gradients, then backward, then step, and returns a float
    train_step 先清空旧梯度，再反向传播、更新参数，并返回 float"""
    model = _model(2)
    reference = copy.deepcopy(model)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    reference_optimizer = torch.optim.SGD(reference.parameters(), lr=0.1, momentum=0.9)
    g = torch.Generator().manual_seed(3)
    for p in model.parameters():  # gradients left over from earlier work
        p.grad = torch.randn(p.shape, generator=g)
    loss_fn = nn.MSELoss()
    for step in range(1, 4):
        x, y = _batch(step)
        before = [p.detach().clone() for p in model.parameters()]
        loss = solution.train_step(model, optimizer, loss_fn, x, y)
        with torch.no_grad():
            want_loss = loss_fn(reference(x), y).item()
        _reference_step(reference, reference_optimizer, x, y)
        if not isinstance(loss, float):
            raise AssertionError(
                f"train_step should return the loss as a Python float, got {type(loss).__name__}; "
                "use loss.item() (returning the tensor keeps its whole graph alive)"
            )
        if abs(loss - want_loss) > 1e-5 * max(1.0, abs(want_loss)):
            raise AssertionError(
                f"train_step returned loss {loss:.6g} at step {step}, expected {want_loss:.6g} "
                "(the loss of the batch before the update)"
            )
        if all(torch.equal(p, b) for p, b in zip(model.parameters(), before)):
            raise AssertionError(
                f"train_step did not change the parameters at step {step}: step() must come after "
                "backward() (before it, there are no new gradients to use)"
            )
        _compare_params(
            model, reference, f"train_step, after step {step}",
            "expected zero_grad() -> loss -> backward() -> step(); a difference usually means old "
            "gradients were added in (zero_grad missing, or called after backward) or step() ran "
            "before backward()",
        )


def test_finetune_groups(solution):
    """finetune_optimizer puts the body at lr and the head at 10 x lr, each parameter once
    finetune_optimizer 让 body 用 lr、head 用 10 倍 lr，每个参数只出现一次"""
    model = _model(4)
    reference = copy.deepcopy(model)
    try:
        optimizer = solution.finetune_optimizer(model, 0.01)
    except ValueError as exc:
        if "more than one parameter group" in str(exc):
            raise AssertionError(
                "finetune_optimizer: torch.optim refused the groups because some parameters appear in "
                "more than one group; model.parameters() already contains the head, so give the body "
                "group model.body.parameters()"
            ) from None
        raise
    _check_covers(optimizer, model, "finetune_optimizer(model, 0.01)")
    ids = _param_ids(optimizer)
    if len(ids) != len(set(ids)):
        raise AssertionError("finetune_optimizer: a parameter appears twice in the optimizer's groups")
    lrs = {id(p): group["lr"] for group in optimizer.param_groups for p in group["params"]}
    for part, want in (("body", 0.01), ("head", 0.1)):
        for key, p in getattr(model, part).named_parameters():
            if abs(lrs[id(p)] - want) > 1e-12:
                raise AssertionError(
                    f"finetune_optimizer(model, 0.01): {part}.{key} has learning rate {lrs[id(p)]:g}, "
                    f"expected {want:g} (body: lr, head: 10 * lr)"
                )
    reference_optimizer = torch.optim.SGD(
        [{"params": reference.body.parameters()}, {"params": reference.head.parameters(), "lr": 0.1}],
        lr=0.01, momentum=0.9,
    )
    _run_like_reference(
        optimizer, model, reference_optimizer, reference, 3, "finetune_optimizer(model, 0.01)",
        "expected SGD with momentum 0.9 in every group (a group without its own momentum takes "
        "the optimizer's default)",
    )


def test_scale_lr(solution):
    """scale_lr multiplies the learning rate of every group, and step() uses it
    scale_lr 按比例缩放每个参数组的学习率，且 step() 会使用新学习率"""
    model = _model(5)
    reference = copy.deepcopy(model)
    optimizer = torch.optim.SGD(
        [{"params": model.body.parameters(), "lr": 0.1}, {"params": model.head.parameters(), "lr": 0.4}], lr=0.1
    )
    reference_optimizer = torch.optim.SGD(
        [{"params": reference.body.parameters(), "lr": 0.1 * 0.5 * 0.2},
         {"params": reference.head.parameters(), "lr": 0.4 * 0.5 * 0.2}], lr=0.1
    )
    solution.scale_lr(optimizer, 0.5)
    solution.scale_lr(optimizer, 0.2)
    got = [group["lr"] for group in optimizer.param_groups]
    want = [0.1 * 0.5 * 0.2, 0.4 * 0.5 * 0.2]
    if any(abs(a - b) > 1e-12 for a, b in zip(got, want)):
        raise AssertionError(
            f"after scale_lr(opt, 0.5) and scale_lr(opt, 0.2) the groups' learning rates should be "
            f"[{want[0]:g}, {want[1]:g}], got [{', '.join(f'{lr:g}' for lr in got)}]; change group['lr'] "
            "in every group of optimizer.param_groups (multiply, do not overwrite)"
        )
    _run_like_reference(
        optimizer, model, reference_optimizer, reference, 1, "a step after scale_lr",
        "step() reads the learning rate from optimizer.param_groups",
    )


def _leaves(seed):
    g = torch.Generator().manual_seed(seed)
    w = torch.randn(5, 3, generator=g).requires_grad_()
    b = torch.randn(5, generator=g).requires_grad_()
    return w, b


def _loss(w, b, step):
    g = torch.Generator().manual_seed(1000 + step)
    x, y = torch.randn(8, 3, generator=g), torch.randn(8, 5, generator=g)
    return ((torch.tanh(x @ w.T + b) - y) ** 2).mean()


def _manual_update(solution, params, velocities, lr, momentum, step):
    try:
        solution.sgd_momentum_update(params, velocities, lr, momentum)
    except RuntimeError as exc:
        if "leaf Variable" in str(exc) or "in-place operation" in str(exc):
            raise AssertionError(
                f"sgd_momentum_update raised at update {step}: {str(exc).splitlines()[0].rstrip('.')}; change the "
                "parameters inside `with torch.no_grad():` so autograd does not record the update"
            ) from None
        raise


def _check_after_update(names, params, originals, befores, step):
    for name, p, original, before in zip(names, params, originals, befores):
        if p is not original:
            raise AssertionError(f"sgd_momentum_update replaced {name} in the list: change it in place")
        if torch.equal(p, before):
            raise AssertionError(
                f"update {step} did not change {name}: `p = p - lr * v` makes a new tensor and only rebinds "
                "a local name; change the parameter itself in place (p -= lr * v, or p.sub_(lr * v))"
            )
        if not (p.is_leaf and p.requires_grad):
            raise AssertionError(
                f"after update {step}, {name} is no longer a leaf that requires grad (is_leaf={p.is_leaf}, "
                f"requires_grad={p.requires_grad}): do the update under torch.no_grad()"
            )
        if p.grad is not None and bool((p.grad != 0).any()):
            raise AssertionError(
                f"after update {step}, {name}.grad still holds a gradient: clear it like zero_grad() "
                "(p.grad = None or p.grad.zero_()), or the next backward() adds to it"
            )


def test_sgd_momentum_first_update(solution):
    """sgd_momentum_update: the first update moves p by -lr * grad and clears the gradient
    sgd_momentum_update：第一次更新把 p 移动 -lr * grad，并清空梯度"""
    w, b = _leaves(6)
    want = [w.detach().clone(), b.detach().clone()]
    _loss(w, b, 0).backward()
    want = [p - 0.1 * q.grad for p, q in zip(want, (w, b))]
    velocities = [torch.zeros_like(w), torch.zeros_like(b)]
    befores = [w.detach().clone(), b.detach().clone()]
    _manual_update(solution, [w, b], velocities, 0.1, 0.9, 1)
    _check_after_update(("w", "b"), (w, b), (w, b), befores, 1)
    for name, p, expected in zip(("w", "b"), (w, b), want):
        expect.close(
            p, expected, name=f"{name} after one update with lr=0.1", why=(
                "with zero velocities, v = momentum * v + grad is just grad, so p must become p - lr * grad "
                "in place (p -= ..., or p.sub_(...)); `p = p - ...` only rebinds a local name"
            ),
        )


@pytest.mark.points(2)
def test_sgd_momentum_matches_torch(solution):
    """sgd_momentum_update matches torch.optim.SGD(momentum=0.9) over 25 updates
    sgd_momentum_update 连续 25 次更新与 torch.optim.SGD(momentum=0.9) 一致"""
    w, b = _leaves(7)
    rw, rb = w.detach().clone().requires_grad_(), b.detach().clone().requires_grad_()
    reference_optimizer = torch.optim.SGD([rw, rb], lr=0.05, momentum=0.9)
    params = [w, b]
    velocities = [torch.zeros_like(w), torch.zeros_like(b)]
    for step in range(1, 26):
        _loss(w, b, step).backward()
        befores = [w.detach().clone(), b.detach().clone()]
        _manual_update(solution, params, velocities, 0.05, 0.9, step)
        reference_optimizer.zero_grad()
        _loss(rw, rb, step).backward()
        reference_optimizer.step()
        _check_after_update(("w", "b"), params, (w, b), befores, step)
        for name, p, want in (("w", w, rw), ("b", b, rb)):
            expect.close(
                p, want, name=f"{name} after update {step}", atol=1e-5, rtol=1e-4, why=(
                    "expected v = momentum * v + grad, then p -= lr * v; if update 1 matches and later ones "
                    "do not, the velocities are not carried to the next call (update them in place, "
                    "e.g. v.mul_(momentum).add_(p.grad), or write them back into the list)"
                ),
            )
