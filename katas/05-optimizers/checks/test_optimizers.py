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

    def __init__(self, features=4, hidden=8, outputs=3):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(features, hidden), nn.Tanh())
        self.head = nn.Linear(hidden, outputs)

    def forward(self, x):
        return self.head(self.body(x))


def _model(seed, dtype=torch.float32, sizes=(4, 8, 3)):
    torch.manual_seed(seed)
    return TwoPart(*sizes).to(dtype)


def _batch(seed, model, n):
    """A batch of n rows for `model`, in its dtype."""
    g = torch.Generator().manual_seed(seed)
    first = model.body[0]
    x = torch.randn(n, first.in_features, generator=g, dtype=first.weight.dtype)
    return x, torch.randn(n, model.head.out_features, generator=g, dtype=first.weight.dtype)


def _reference_step(model, optimizer, x, y, loss_fn=nn.functional.mse_loss):
    optimizer.zero_grad()
    loss_fn(model(x), y).backward()
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


_BATCH_ROWS = (5, 7, 3, 6)  # uneven on purpose: nothing may depend on one batch size


def _run_like_reference(solution_optimizer, model, reference_optimizer, reference, steps, name, why):
    for step in range(1, steps + 1):
        x, y = _batch(100 + step, model, _BATCH_ROWS[(step - 1) % len(_BATCH_ROWS)])
        _reference_step(model, solution_optimizer, x, y)
        _reference_step(reference, reference_optimizer, x, y)
        _compare_params(model, reference, f"{name}, after step {step}", why)


def test_make_optimizer_sgd(solution):
    """make_optimizer("sgd") updates every parameter like SGD with momentum 0.9
    make_optimizer("sgd") 像动量为 0.9 的 SGD 一样更新所有参数"""
    for seed, dtype, lr in ((0, torch.float32, 0.05), (10, torch.float64, 0.2)):
        model = _model(seed, dtype)
        reference = copy.deepcopy(model)
        name = f'make_optimizer({dtype} model, "sgd", {lr})'
        optimizer = solution.make_optimizer(model, "sgd", lr)
        _check_covers(optimizer, model, name)
        reference_optimizer = torch.optim.SGD(reference.parameters(), lr=lr, momentum=0.9)
        _run_like_reference(
            optimizer, model, reference_optimizer, reference, 4, name,
            f"expected torch.optim.SGD(model.parameters(), lr={lr}, momentum=0.9); if step 1 matches and "
            "step 2 does not, the momentum is missing; if step 1 differs, check the learning rate",
        )


def test_make_optimizer_adam(solution):
    """make_optimizer("adam") updates every parameter like Adam
    make_optimizer("adam") 像 Adam 一样更新所有参数"""
    for seed, dtype, lr in ((1, torch.float32, 0.01), (11, torch.float64, 0.003)):
        model = _model(seed, dtype)
        reference = copy.deepcopy(model)
        name = f'make_optimizer({dtype} model, "adam", {lr})'
        optimizer = solution.make_optimizer(model, "adam", lr)
        _check_covers(optimizer, model, name)
        reference_optimizer = torch.optim.Adam(reference.parameters(), lr=lr)
        _run_like_reference(
            optimizer, model, reference_optimizer, reference, 4, name,
            f"expected torch.optim.Adam(model.parameters(), lr={lr}) with its default betas and eps",
        )


def _optimizer_pair(kind, model, reference):
    if kind == "SGD(momentum=0.9)":
        return (torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9),
                torch.optim.SGD(reference.parameters(), lr=0.1, momentum=0.9))
    return torch.optim.Adam(model.parameters(), lr=0.02), torch.optim.Adam(reference.parameters(), lr=0.02)


def test_train_step(solution):
    """train_step clears old gradients, then backward, then step, and returns a float
    train_step 先清空旧梯度，再反向传播、更新参数，并返回 float"""
    # CrossEntropyLoss takes (prediction, target) in that order only: class indices cannot come first
    for seed, dtype, kind, loss_fn in ((2, torch.float32, "SGD(momentum=0.9)", nn.MSELoss()),
                                       (12, torch.float64, "Adam", nn.CrossEntropyLoss())):
        model = _model(seed, dtype, sizes=(5, 6, 2))
        reference = copy.deepcopy(model)
        optimizer, reference_optimizer = _optimizer_pair(kind, model, reference)
        g = torch.Generator().manual_seed(seed + 1)
        for p in model.parameters():  # gradients left over from earlier work
            p.grad = torch.randn(p.shape, generator=g, dtype=dtype)
        for step, rows in enumerate((5, 7, 3), start=1):
            x, y = _batch(seed * 10 + step, model, rows)
            if isinstance(loss_fn, nn.CrossEntropyLoss):
                y = torch.randint(0, y.shape[1], (rows,), generator=torch.Generator().manual_seed(step))
            saved = (x.clone(), y.clone())
            before = [p.detach().clone() for p in model.parameters()]
            with torch.no_grad():
                want_loss = loss_fn(reference(x), y).item()
            _reference_step(reference, reference_optimizer, x, y, loss_fn)
            name = f"train_step with {kind}, {type(loss_fn).__name__}, a {dtype} batch of {rows}, step {step}"
            loss = solution.train_step(model, optimizer, loss_fn, x, y)
            if not isinstance(loss, float):
                raise AssertionError(
                    f"{name} should return the loss as a Python float, got {type(loss).__name__}; "
                    "use loss.item() (returning the tensor keeps its whole graph alive)"
                )
            if abs(loss - want_loss) > 1e-5 * max(1.0, abs(want_loss)):
                raise AssertionError(
                    f"{name} returned loss {loss:.6g}, expected {want_loss:.6g} (the loss of the batch before the update)"
                )
            if all(torch.equal(p, b) for p, b in zip(model.parameters(), before)):
                raise AssertionError(
                    f"{name} did not change the parameters: step() found no gradients; it must come after "
                    "backward(), and zero_grad() must come before backward() (between backward() and step() it "
                    "wipes the gradients just computed)"
                )
            _compare_params(
                model, reference, f"after {name}",
                "expected zero_grad() -> loss -> backward() -> step(); a difference usually means old "
                "gradients were added in (zero_grad missing, or called after backward) or step() ran "
                "before backward()",
            )
            if not (torch.equal(x, saved[0]) and torch.equal(y, saved[1])):
                raise AssertionError(f"{name} changed the batch (x or y) in place: leave the caller's data alone")


def test_finetune_groups(solution):
    """finetune_optimizer puts the body at lr and the head at 10 x lr, each parameter once
    finetune_optimizer 让 body 用 lr、head 用 10 倍 lr，每个参数只出现一次"""
    for seed, lr in ((4, 0.01), (14, 0.003)):
        model = _model(seed)
        reference = copy.deepcopy(model)
        name = f"finetune_optimizer(model, {lr})"
        try:
            optimizer = solution.finetune_optimizer(model, lr)
        except ValueError as exc:
            if "more than one parameter group" in str(exc):
                raise AssertionError(
                    f"{name}: torch.optim refused the groups because some parameters appear in more than one "
                    "group; model.parameters() already contains the head, so give the body group "
                    "model.body.parameters()"
                ) from None
            raise
        _check_covers(optimizer, model, name)
        ids = _param_ids(optimizer)
        if len(ids) != len(set(ids)):
            raise AssertionError(f"{name}: a parameter appears twice in the optimizer's groups")
        lrs = {id(p): group["lr"] for group in optimizer.param_groups for p in group["params"]}
        for part, want in (("body", lr), ("head", 10 * lr)):
            for key, p in getattr(model, part).named_parameters():
                if abs(lrs[id(p)] - want) > 1e-12:
                    raise AssertionError(
                        f"{name}: {part}.{key} has learning rate {lrs[id(p)]:g}, expected {want:g} "
                        "(body: lr, head: 10 * lr, both computed from the lr argument)"
                    )
        reference_optimizer = torch.optim.SGD(
            [{"params": reference.body.parameters()}, {"params": reference.head.parameters(), "lr": 10 * lr}],
            lr=lr, momentum=0.9,
        )
        _run_like_reference(
            optimizer, model, reference_optimizer, reference, 3, name,
            "expected SGD with momentum 0.9 in every group (a group without its own momentum takes "
            "the optimizer's default)",
        )


def _three_groups(model):
    """Three parameter groups, each with its own learning rate."""
    return [
        {"params": model.body.parameters(), "lr": 0.1},
        {"params": [model.head.weight], "lr": 0.4},
        {"params": [model.head.bias], "lr": 0.03},
    ]


def test_scale_lr(solution):
    """scale_lr multiplies the learning rate of every group, and step() uses it
    scale_lr 按比例缩放每个参数组的学习率，且 step() 会使用新学习率"""
    model = _model(5)
    reference = copy.deepcopy(model)
    optimizer = torch.optim.SGD(_three_groups(model), lr=0.1, momentum=0.5)
    want = [0.1 * 0.5 * 0.2, 0.4 * 0.5 * 0.2, 0.03 * 0.5 * 0.2]
    reference_optimizer = torch.optim.SGD(_three_groups(reference), lr=0.1, momentum=0.5)
    for group, lr in zip(reference_optimizer.param_groups, want):
        group["lr"] = lr
    for factor in (0.5, 0.2):
        solution.scale_lr(optimizer, factor)
    got = [group["lr"] for group in optimizer.param_groups]
    if len(got) != len(want) or any(abs(a - b) > 1e-12 for a, b in zip(got, want)):
        raise AssertionError(
            f"after scale_lr(opt, 0.5) and scale_lr(opt, 0.2) the three groups' learning rates should be "
            f"[{', '.join(f'{lr:g}' for lr in want)}], got [{', '.join(f'{lr:g}' for lr in got)}]; change group['lr'] "
            "in every group of optimizer.param_groups (multiply, do not overwrite)"
        )
    momenta = [group["momentum"] for group in optimizer.param_groups]
    if momenta != [0.5] * 3:
        raise AssertionError(f"scale_lr changed the groups' momentum to {momenta} (expected 0.5 each): change only 'lr'")
    _run_like_reference(
        optimizer, model, reference_optimizer, reference, 2, "steps after scale_lr",
        "step() reads the learning rate from optimizer.param_groups",
    )


# --- exercise 5: an update by hand -----------------------------------------------------------------

_SHAPES = ((5, 3), (5,), (2, 3, 1))


def _leaves(seed, dtype):
    g = torch.Generator().manual_seed(seed)
    return [torch.randn(shape, generator=g, dtype=dtype).requires_grad_() for shape in _SHAPES]


def _loss(params, step):
    """A loss that touches every parameter in a different way, so each gets its own gradient."""
    w, b, c = params
    g = torch.Generator().manual_seed(1000 + step)
    x, y = torch.randn(7, 3, generator=g, dtype=w.dtype), torch.randn(7, 5, generator=g, dtype=w.dtype)
    return ((torch.tanh(x @ w.T + b) - y) ** 2).mean() + 0.3 * (c ** 2).sum() + 0.1 * c.sum() * b.mean()


_NAMES = ("w", "b", "c")


def _manual_update(solution, params, velocities, lr, momentum, label):
    try:
        solution.sgd_momentum_update(params, velocities, lr, momentum)
    except NotImplementedError:
        raise
    except RuntimeError as exc:
        if "leaf Variable" in str(exc) or "in-place operation" in str(exc):
            raise AssertionError(
                f"sgd_momentum_update raised at {label}: {str(exc).splitlines()[0].rstrip('.')}; change the "
                "parameters inside `with torch.no_grad():` so autograd does not record the update"
            ) from None
        raise


def _expected_update(params, velocities, lr, momentum):
    """v = momentum * v + grad, then p - lr * v: worked out before the learner's code runs.

    Also the velocities a momentum hard-coded to 0.9 would give, to name that mistake when it happens."""
    want_v = [momentum * v + p.grad for p, v in zip(params, velocities)]
    want_p = [p.detach() - lr * v for p, v in zip(params, want_v)]
    fixed_v = [0.9 * v + p.grad for p, v in zip(params, velocities)]
    return want_p, want_v, fixed_v


def _check_update(params, velocities, originals, befores, expected, label, atol=1e-6):
    want_p, want_v, fixed_v = expected
    for name, p, v, (p0, v0), before, wp, wv, fv in zip(
        _NAMES, params, velocities, originals, befores, want_p, want_v, fixed_v
    ):
        if p is not p0:
            raise AssertionError(f"sgd_momentum_update replaced {name} in the params list: change it in place")
        if v is not v0:
            raise AssertionError(
                f"sgd_momentum_update put a new tensor into the velocities list for {name}: update the velocity "
                "itself in place (v.mul_(momentum).add_(p.grad)), so whoever holds it sees the new value"
            )
        if not (p.is_leaf and p.requires_grad):
            raise AssertionError(
                f"after {label}, {name} is no longer a leaf that requires grad (is_leaf={p.is_leaf}, "
                f"requires_grad={p.requires_grad}): do the update under torch.no_grad()"
            )
        velocity_ok = bool(torch.allclose(v, wv, atol=atol, rtol=1e-4))
        if torch.equal(p.detach(), before):
            moved = float((wp - before).abs().max())
            if velocity_ok:
                raise AssertionError(
                    f"{label} left {name} unchanged (expected it to move by up to {moved:.3g}) although its velocity "
                    "was updated: `p = p - lr * v` makes a new tensor and only rebinds a local name; change the "
                    "parameter itself in place (p -= lr * v, or p.sub_(lr * v))"
                )
            raise AssertionError(
                f"{label} changed neither {name} (expected a move of up to {moved:.3g}) nor its velocity the way "
                "v = momentum * v + grad asks: the update never reached the caller's tensors"
            )
        if p.grad is not None and bool((p.grad != 0).any()):
            raise AssertionError(
                f"after {label}, {name}.grad still holds a gradient: clear it like zero_grad() "
                "(p.grad = None or p.grad.zero_()), or the next backward() adds to it"
            )
        if not velocity_ok and torch.allclose(v, fv, atol=atol, rtol=1e-4):
            raise AssertionError(
                f"the velocity of {name} after {label} is 0.9 * v + grad: use the momentum argument, not a fixed 0.9"
            )
        expect.close(
            v, wv, name=f"the velocity of {name} after {label}", atol=atol, rtol=1e-4,
            why="expected v = momentum * v + grad, updated in place in the velocities list "
                "(`v = momentum * v + g` only rebinds a local name, so the next call starts from the old velocity)",
        )
        expect.close(p, wp, name=f"{name} after {label}", atol=atol, rtol=1e-4,
                     why="expected p - lr * v with the new velocity v, changed in place")


def _run_updates(solution, seed, dtype, lr, momentum, updates):
    """Run `updates` hand-written updates and, next to them, torch.optim.SGD; check both after each."""
    params = _leaves(seed, dtype)
    mirror = [p.detach().clone().requires_grad_() for p in params]
    reference_optimizer = torch.optim.SGD(mirror, lr=lr, momentum=momentum)
    velocities = [torch.zeros_like(p) for p in params]
    originals = list(zip(params, velocities))
    for step in range(1, updates + 1):
        _loss(params, step).backward()
        expected = _expected_update(params, velocities, lr, momentum)
        befores = [p.detach().clone() for p in params]
        label = f"update {step} (lr={lr}, momentum={momentum}, {dtype})"
        _manual_update(solution, params, velocities, lr, momentum, label)
        _check_update(params, velocities, originals, befores, expected, label)
        reference_optimizer.zero_grad()
        _loss(mirror, step).backward()
        reference_optimizer.step()
        for name, p, want in zip(_NAMES, params, mirror):
            expect.close(p, want, name=f"{name} after {label}, next to torch.optim.SGD", atol=1e-5, rtol=1e-4,
                         why="expected the same path as torch.optim.SGD(params, lr, momentum)")


def test_sgd_momentum_first_update(solution):
    """sgd_momentum_update: the first update moves p by -lr * grad and clears the gradient
    sgd_momentum_update：第一次更新把 p 移动 -lr * grad，并清空梯度"""
    _run_updates(solution, 6, torch.float32, 0.1, 0.9, 1)


@pytest.mark.points(2)
def test_sgd_momentum_matches_torch(solution):
    """sgd_momentum_update matches torch.optim.SGD over many updates, for any lr and momentum
    sgd_momentum_update 连续多次更新与 torch.optim.SGD 一致（任意 lr 与 momentum）"""
    _run_updates(solution, 7, torch.float32, 0.05, 0.9, 25)
    _run_updates(solution, 8, torch.float64, 0.2, 0.5, 6)
