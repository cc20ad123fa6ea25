"""Hidden checks for the dynamic-graphs kata. Each docstring: English title, then Chinese title."""

import torch
from torch import nn
from torch.nn import functional as F

from grader import expect


# --- exercise 1: grow_until ----------------------------------------------------------------------

def _grow_until(a, limit=1000.0):
    b = a * 2
    while b.norm() < limit:
        b = b * 2
    return b if b.sum() > 0 else 100 * b


def _fmt(a):
    values = [round(v, 4) for v in a.reshape(-1).tolist()]
    return str(values[0]) if a.dim() == 0 else str(values)


def _inputs_for_grow(seed):
    g = torch.Generator().manual_seed(seed)
    return [torch.tensor(0.37), torch.tensor(-1.9), torch.randn(5, generator=g), -torch.rand(3, generator=g) - 0.1,
            torch.randn(2, 3, generator=g, dtype=torch.float64),
            torch.tensor(125.0),  # b reaches a norm of exactly 1000: `<` stops there, `<=` doubles once more
            torch.tensor([1.0, -1.0]),  # the sum is exactly 0, which is not > 0
            torch.tensor([1.0, -1.0 + 2.0 ** -11]),  # the sum ends at 0.5: positive, though below 1
            torch.tensor(2000.0)]  # already past the limit: the loop never runs


def test_grow_until_values(solution):
    """grow_until doubles while the norm is small, then branches on the sign of the sum
    grow_until 在范数较小时不断翻倍，再根据和的正负选择分支"""
    for a in _inputs_for_grow(0):
        want, before, label = _grow_until(a), a.clone(), _fmt(a)
        got = solution.grow_until(a)
        expect.matches(got, want, name=f"grow_until({label})",
                       why="double b while b.norm() < limit, then return b if b.sum() > 0 else 100 * b")
        expect.matches(a, before, name=f"a after grow_until({label})",
                       why="grow_until must not change its input: b = a * 2 is a new tensor, a *= 2 is not")
    a = torch.tensor([0.5, -0.25])
    expect.matches(solution.grow_until(a.clone(), limit=10.0), _grow_until(a, 10.0),
                   name="grow_until([0.5, -0.25], limit=10.0)", why="use the limit argument, not a fixed 1000")


def test_grow_until_gradient(solution):
    """Gradients flow through grow_until's loop and branch back to a
    梯度穿过 grow_until 的循环和分支传回 a"""
    for a0 in _inputs_for_grow(1):
        a = a0.clone().requires_grad_(True)
        out = solution.grow_until(a)
        expect.is_tensor(out, name=f"grow_until({_fmt(a0)})")
        assert out.requires_grad, (
            f"grow_until({_fmt(a0)}) returned a tensor with requires_grad=False: the graph was cut. "
            "Converting to a Python number (.item(), .tolist(), float()) and back to a tensor starts a new, "
            "untracked tensor; keep every step a tensor operation (only the loop condition may be a bool)"
        )
        out.sum().backward()
        want = (_grow_until(a0) / a0).expand_as(a0)  # the result is a0 times a constant factor
        expect.close(a.grad, want, name=f"a.grad after grow_until({_fmt(a0)}).sum().backward()",
                     why="d(result)/da is the factor that multiplied a (a power of 2, times 100 on the negative branch)")


# --- exercise 2: RepeatNet -----------------------------------------------------------------------

def _repeat_reference(net, x, depth, weights=None):
    """RepeatNet's forward written out with the net's own weights (or the given copies)."""
    w = weights or {name: p for name, p in net.named_parameters()}
    h = F.relu(F.linear(x, w["first.weight"], w["first.bias"]))
    for _ in range(depth):
        h = F.relu(F.linear(h, w["middle.weight"], w["middle.bias"]))
    return F.linear(h, w["last.weight"], w["last.bias"])


_REPEAT_KEYS = ["first.weight", "first.bias", "middle.weight", "middle.bias", "last.weight", "last.bias"]


# (in_features, hidden, out_features): odd, non-square, and one where in_features == hidden
_REPEAT_SIZES = ((3, 6, 2), (5, 5, 1))


def _repeat_net(solution, seed, sizes=_REPEAT_SIZES[0]):
    torch.manual_seed(seed)
    return solution.RepeatNet(*sizes)


def test_repeat_net_parameters(solution):
    """RepeatNet registers first, middle and last once; forward adds no parameters
    RepeatNet 只注册一次 first、middle 和 last；forward 不会新增参数"""
    for n_in, hidden, n_out in _REPEAT_SIZES:
        net = _repeat_net(solution, 2, (n_in, hidden, n_out))
        call = f"RepeatNet({n_in}, {hidden}, {n_out})"
        names = [name for name, _ in net.named_parameters()]
        assert sorted(names) == sorted(_REPEAT_KEYS), (
            f"{call} should have the parameters {_REPEAT_KEYS}, got {names}; create self.first, "
            "self.middle and self.last as nn.Linear layers in __init__"
        )
        count = sum(p.numel() for p in net.parameters())
        want = (n_in * hidden + hidden) + (hidden * hidden + hidden) + (hidden * n_out + n_out)
        assert count == want, f"{call} should have {want} numbers in its parameters, got {count}"
        x = torch.randn(4, n_in, generator=torch.Generator().manual_seed(3))
        for depth in (0, 1, 4):
            net(x, depth)
            after = sum(p.numel() for p in net.parameters())
            assert after == want, (
                f"after {call}.forward(x, depth={depth}) it has {after} parameter numbers instead of {want}: "
                "layers created inside forward get new random weights on every call and are never trained"
            )


def test_repeat_net_forward(solution):
    """RepeatNet applies the same middle layer depth times
    RepeatNet 把同一个 middle 层应用 depth 次"""
    for sizes, batch in zip(_REPEAT_SIZES, (5, 1)):
        net = _repeat_net(solution, 4, sizes)
        x = torch.randn(batch, sizes[0], generator=torch.Generator().manual_seed(5))
        for depth in (0, 1, 3, 2):  # the depth may change from call to call
            with torch.no_grad():
                want = _repeat_reference(net, x, depth)
                got = net(x, depth)
            expect.matches(got, want, name=f"RepeatNet{sizes}(x of shape {tuple(x.shape)}, depth={depth})",
                           why="h = relu(first(x)), then depth times h = relu(middle(h)) with the one registered "
                               "middle layer, then last(h); a layer created inside forward has other, random weights")


def test_repeat_net_gradients(solution):
    """The reused middle layer collects the gradients of every repetition
    被重复使用的 middle 层累积每次重复的梯度"""
    net = _repeat_net(solution, 6)
    x = torch.randn(5, 3, generator=torch.Generator().manual_seed(7))
    target = torch.randn(5, 2, generator=torch.Generator().manual_seed(8))
    copies = {name: p.detach().clone().requires_grad_(True) for name, p in net.named_parameters()}
    depth = 3
    F.mse_loss(_repeat_reference(net, x, depth, copies), target).backward()
    F.mse_loss(net(x, depth), target).backward()
    params = dict(net.named_parameters())
    for name in ["middle.weight", "middle.bias", "first.weight", "first.bias", "last.weight", "last.bias"]:
        grad = params[name].grad
        assert grad is not None, (
            f"{name}.grad is None after backward at depth={depth}: that layer was not used in forward "
            "(was a new layer created inside forward instead?)"
        )
        expect.close(grad, copies[name].grad, name=f"{name}.grad at depth={depth}",
                     why="the middle layer's gradient is the sum over all its repetitions")


# --- exercise 3: rnn_last_hidden -----------------------------------------------------------------

def _rnn_reference(cell, x, lengths):
    """One sequence at a time, each only up to its own length."""
    outs = []
    for i, length in enumerate(lengths.tolist()):
        h = x.new_zeros(1, cell.hidden_size)
        for t in range(length):
            h = cell(x[i : i + 1, t], h)
        outs.append(h)
    return torch.cat(outs)


def _rnn_case(seed, kind=nn.RNNCell, lengths=(7, 1, 4, 2, 5), max_len=7, dtype=torch.float32, device="cpu"):
    """A cell and a padded batch: 5 sequences (not max_len of them), zeros on the padding."""
    torch.manual_seed(seed)
    cell = kind(3, 4).to(device=device, dtype=dtype)
    g = torch.Generator().manual_seed(seed + 1)
    lengths = torch.tensor(lengths)
    x = torch.randn(len(lengths), max_len, 3, generator=g, dtype=dtype)
    pad = torch.arange(max_len)[None, :] >= lengths[:, None]  # (batch, time): True on padding
    x[pad] = 0.0
    return cell, x.to(device), lengths.to(device), pad.to(device)


def test_rnn_last_hidden(solution, device):
    """rnn_last_hidden returns each sequence's state after its own last step
    rnn_last_hidden 返回每个序列在它自己最后一步之后的状态"""
    cases = ((nn.RNNCell, {}), (nn.GRUCell, {}), (nn.RNNCell, {"dtype": torch.float64}),
             (nn.GRUCell, {"lengths": (3, 1, 2), "max_len": 5}),  # every row padded at the end
             (nn.RNNCell, {"device": device}))
    for kind, options in cases:
        cell, x, lengths, _ = _rnn_case(9, kind, **options)
        what = (f"rnn_last_hidden({kind.__name__}, x of shape {tuple(x.shape)} {x.dtype} on {x.device.type}, "
                f"lengths={lengths.tolist()})")
        before = x.clone()
        with torch.no_grad():
            want = _rnn_reference(cell, x, lengths)
            try:
                got = solution.rnn_last_hidden(cell, x, lengths)
            except NotImplementedError:
                raise
            except RuntimeError as exc:
                if x.dtype == torch.float32 and x.device.type == "cpu":
                    raise
                raise AssertionError(
                    f"{what} raised RuntimeError: {str(exc).splitlines()[0][:160]}. With x in {x.dtype} on "
                    f"{x.device.type}, the starting state must match x's dtype and device: "
                    "h = x.new_zeros(batch, cell.hidden_size), not torch.zeros(...)") from None
        expect.matches(got, want, name=what,
                       why="each row must stop at its own length: running a sequence over its zero padding "
                           "still changes its hidden state; start from zeros with x's dtype and device "
                           "(x.new_zeros(batch, cell.hidden_size))")
        expect.matches(x, before, name=f"x after {what}", why="rnn_last_hidden must not change its input")


def test_rnn_ignores_padding(solution):
    """Changing the padding values does not change rnn_last_hidden's result
    改变填充值不会改变 rnn_last_hidden 的结果"""
    cell, x, lengths, pad = _rnn_case(10)
    noisy = x.clone()
    noisy[pad] = torch.randn(int(pad.sum()), 3, generator=torch.Generator().manual_seed(11)) * 5
    with torch.no_grad():
        clean_out = solution.rnn_last_hidden(cell, x, lengths)
        noisy_out = solution.rnn_last_hidden(cell, noisy, lengths)
    expect.close(noisy_out, clean_out, name="rnn_last_hidden with other padding values",
                 why="the result changed when only the padding changed: the loop reads past a sequence's "
                     "length; stop each sequence at lengths[i] (or keep its state once t >= lengths[i])")


def test_rnn_gradients(solution):
    """Gradients of rnn_last_hidden reach the cell and the real inputs only
    rnn_last_hidden 的梯度传到 RNN 单元和真实输入，而不传到填充"""
    cell, x, lengths, pad = _rnn_case(12)
    weights = torch.randn(len(lengths), cell.hidden_size, generator=torch.Generator().manual_seed(13))
    x_ref = x.clone().requires_grad_(True)
    (_rnn_reference(cell, x_ref, lengths) * weights).sum().backward()
    want = {name: p.grad.clone() for name, p in cell.named_parameters()}
    cell.zero_grad()
    x_got = x.clone().requires_grad_(True)
    out = solution.rnn_last_hidden(cell, x_got, lengths)
    try:
        (out * weights).sum().backward()
    except NotImplementedError:
        raise
    except RuntimeError as exc:
        if "inplace" in str(exc):
            raise AssertionError(
                "backward failed: a tensor needed for the gradient was modified by an in-place operation "
                "(h[mask] = ... or h[:, ...] = ... overwrites the h the cell saved); build a new h each step, "
                "e.g. h = torch.where(mask, new_h, h)"
            ) from None
        raise
    for name, p in cell.named_parameters():
        assert p.grad is not None, f"cell.{name}.grad is None: the result does not depend on the cell"
        expect.close(p.grad, want[name], name=f"cell.{name}.grad")
    assert x_got.grad is not None, "x.grad is None: the result does not depend on the inputs x"
    expect.close(x_got.grad, x_ref.grad, name="x.grad",
                 why="the gradient on padding positions must be 0 and on real steps as in a per-sequence loop")


# --- exercise 4: tree_encode ---------------------------------------------------------------------

def _tree_reference(tree, leaf, combine):
    if isinstance(tree, torch.Tensor):
        return torch.tanh(leaf(tree))
    return torch.tanh(combine(torch.cat([_tree_reference(tree[0], leaf, combine),
                                         _tree_reference(tree[1], leaf, combine)])))


def _tree_case(seed):
    torch.manual_seed(seed)
    leaf, combine = nn.Linear(3, 4), nn.Linear(8, 4)
    g = torch.Generator().manual_seed(seed + 1)
    a, b, c, d, e = (torch.randn(3, generator=g) for _ in range(5))
    return leaf, combine, (a, b, c, d, e)


def _show(tree, names):
    if isinstance(tree, torch.Tensor):
        return names[id(tree)]
    return f"({_show(tree[0], names)}, {_show(tree[1], names)})"


def test_tree_encode(solution):
    """tree_encode follows the shape of each tree
    tree_encode 按照每棵树的形状进行编码"""
    leaf, combine, (a, b, c, d, e) = _tree_case(14)
    names = {id(t): n for t, n in zip((a, b, c, d, e), "abcde")}
    for tree in (a, (a, b), ((a, b), c), (a, (b, c)), ((a, b), (c, (d, e)))):
        with torch.no_grad():
            want = _tree_reference(tree, leaf, combine)
            got = solution.tree_encode(tree, leaf, combine)
        expect.matches(got, want, name=f"tree_encode({_show(tree, names)})",
                       why="a leaf is tanh(leaf(x)); a pair is tanh(combine(cat([enc(left), enc(right)]))), "
                           "recursively: ((a, b), c) and (a, (b, c)) are different trees")


def test_tree_encode_gradients(solution):
    """Gradients of tree_encode reach both layers and every leaf
    tree_encode 的梯度传到两个层和每个叶子"""
    leaf, combine, inputs = _tree_case(15)
    ref_inputs = [t.clone().requires_grad_(True) for t in inputs]
    a, b, c, d, e = ref_inputs
    _tree_reference((a, ((b, c), (d, e))), leaf, combine).sum().backward()
    want = {name: p.grad.clone() for name, p in [*leaf.named_parameters("leaf"), *combine.named_parameters("combine")]}
    leaf.zero_grad()
    combine.zero_grad()
    got_inputs = [t.clone().requires_grad_(True) for t in inputs]
    a, b, c, d, e = got_inputs
    out = solution.tree_encode((a, ((b, c), (d, e))), leaf, combine)
    expect.requires_grad(out, True, name="tree_encode(tree)", why="the result must stay in the autograd graph")
    out.sum().backward()
    for name, p in [*leaf.named_parameters("leaf"), *combine.named_parameters("combine")]:
        assert p.grad is not None, f"{name}.grad is None: that layer was not used"
        expect.close(p.grad, want[name], name=f"{name}.grad")
    for letter, got, ref in zip("abcde", got_inputs, ref_inputs):
        assert got.grad is not None, f"the leaf {letter} got no gradient: it was not used"
        expect.close(got.grad, ref.grad, name=f"the gradient of leaf {letter}")


# --- exercise 5: newton_sqrt ---------------------------------------------------------------------

def _newton_inputs(dtype):
    # 1e-8: an absolute tolerance (|x * x - a| > tol) stops near 1e-3 there, ten times the root
    return torch.tensor([1e-8, 0.01, 0.5, 1.0, 2.0, 9.0, 1234.5, 1e4], dtype=dtype)


def _newton(a, tol):
    """The README's iteration, step for step."""
    x = (a + 1) / 2
    while ((x * x - a).abs() > tol * a).any():
        x = (x + a / x) / 2
    return x


def test_newton_sqrt_values(solution):
    """newton_sqrt iterates until every square root has converged
    newton_sqrt 迭代到每个平方根都收敛为止"""
    for dtype, rtol in ((torch.float64, 1e-6), (torch.float32, 1e-5)):
        a = _newton_inputs(dtype)
        want, before = a.sqrt(), a.clone()
        got = solution.newton_sqrt(a)
        expect.matches(got, want, name=f"newton_sqrt({a.tolist()}) in {dtype}", rtol=rtol, atol=0.0,
                       why="stop only when |x * x - a| <= tol * a for every element (a relative test: tol * a, "
                           "not tol alone, or the tiny values stop far too early); a fixed number of steps is "
                           "not enough for large a (starting from (a + 1) / 2)")
        expect.matches(a, before, name="a after newton_sqrt(a)", why="newton_sqrt must not change its input")
    a = torch.tensor([3.0, 7.0], dtype=torch.float64)
    got = solution.newton_sqrt(a, tol=1e-14)
    expect.close(got, a.sqrt(), name="newton_sqrt([3, 7], tol=1e-14)", rtol=1e-12, atol=0.0,
                 why="use the tol argument")


def test_newton_sqrt_steps(solution):
    """newton_sqrt starts at (a + 1) / 2 and stops as soon as every |x * x - a| <= tol * a
    newton_sqrt 从 (a + 1) / 2 开始，一旦每个 |x * x - a| <= tol * a 就停止"""
    # A coarse tol makes the stopping point visible: the result is the first iterate that passes.
    # a = 4 with tol = 0.5625: |2.5 * 2.5 - 4| equals tol * a exactly, so the start itself passes.
    # One element each: freezing the elements that already pass is a fine variant with more elements.
    cases = (([4.0], 0.5), ([0.25], 0.5), ([9.0], 0.5), ([4.0], 0.5625), ([2.0], 0.01), ([7.0], 0.01))
    for values, tol in cases:
        a = torch.tensor(values, dtype=torch.float64)
        want = _newton(a, tol)
        got = solution.newton_sqrt(a, tol=tol)
        expect.matches(got, want, name=f"newton_sqrt({values}, tol={tol})", rtol=1e-10, atol=0.0,
                       why="start from x = (a + 1) / 2; test |x * x - a| > tol * a before each step (the start "
                           "may already be close enough) and stop at the first x where no element fails it")


def test_newton_sqrt_gradient(solution):
    """Gradients flow through every Newton step: d sqrt(a) / da = 1 / (2 sqrt(a))
    梯度流过牛顿法的每一步：d sqrt(a) / da = 1 / (2 sqrt(a))"""
    # [1.0]: the start (a + 1) / 2 = 1 is already the root, so no step runs and the gradient is the start's
    for values in (_newton_inputs(torch.float64), torch.tensor([1.0], dtype=torch.float64)):
        a = values.clone().requires_grad_(True)
        call = f"newton_sqrt({values.tolist()})"
        out = solution.newton_sqrt(a)
        expect.requires_grad(out, True, name=f"{call} for a with requires_grad=True",
                             why="keep every step, the start included, a tensor operation on a "
                                 "(no .item(), .detach() or torch.tensor(...))")
        try:
            out.sum().backward()
        except NotImplementedError:
            raise
        except RuntimeError as exc:
            if "inplace" in str(exc):
                raise AssertionError(
                    "backward failed: x was modified by an in-place operation (x -= ..., x /= ...) after autograd "
                    "saved it; write x = (x + a / x) / 2 so each step makes a new tensor"
                ) from None
            raise
        expect.close(a.grad, 0.5 / values.sqrt(), name=f"a.grad after {call}.sum().backward()",
                     rtol=1e-4, atol=0.0, why="the gradient should approach 1 / (2 sqrt(a))")
