"""to_numpy copies t to the CPU only when its device says it is elsewhere"""


def to_numpy(t):
    t = t.detach()
    if t.device.type != "cpu":
        t = t.cpu()
    return t.numpy()
