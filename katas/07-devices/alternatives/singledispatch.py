"""functools.singledispatch per container type, match/case for the device type"""

import functools


@functools.singledispatch
def move_batch(batch, device):
    return batch  # strings, numbers, None


@move_batch.register
def _(batch: torch.Tensor, device):
    return batch.to(device)


@move_batch.register
def _(batch: dict, device):
    return {key: move_batch(value, device) for key, value in batch.items()}


@move_batch.register
def _(batch: list, device):
    return [move_batch(value, device) for value in batch]


@move_batch.register
def _(batch: tuple, device):
    return tuple(move_batch(value, device) for value in batch)


def pick_device():
    match getattr(torch, "accelerator", None):
        case _ if torch.cuda.is_available():
            return "cuda"
        case _ if torch.backends.mps.is_available():
            return "mps"
        case _ if hasattr(torch, "xpu") and torch.xpu.is_available():
            return "xpu"
        case _ if hasattr(torch, "npu") and torch.npu.is_available():
            return "npu"
        case _ if hasattr(torch, "mlu") and torch.mlu.is_available():
            return "mlu"
        case None:
            return "cpu"
        case accelerator if accelerator.is_available():
            return accelerator.current_accelerator().type
        case _:
            return "cpu"


def supported_dtype(device, dtype):
    match str(device).split(":"), dtype:
        case ["mps", *_], torch.float64:
            return torch.float32
        case _:
            return dtype
