"""torch.utils._pytree.tree_map over the nested batch; a try/except probe chain"""

from torch.utils import _pytree as pytree


def move_batch(batch, device):
    return pytree.tree_map(lambda leaf: leaf.to(device) if isinstance(leaf, torch.Tensor) else leaf, batch)


def pick_device():
    for name in ("cuda", "mps", "xpu", "npu", "mlu"):
        try:
            backend = torch.backends.mps if name == "mps" else getattr(torch, name)
            if backend.is_available():
                return name
        except AttributeError:  # torch_npu / torch_mlu not installed
            continue
    try:
        if torch.accelerator.is_available():
            return str(torch.accelerator.current_accelerator()).split(":")[0]
    except AttributeError:  # torch < 2.6
        pass
    return "cpu"


def model_device(model):
    try:
        return next(model.parameters()).device
    except StopIteration:
        pass
    try:
        return next(model.buffers()).device
    except StopIteration:
        return torch.device("cpu")
