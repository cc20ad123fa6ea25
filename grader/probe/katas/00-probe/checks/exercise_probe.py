"""The device probe, exercise half: runs in the grading child, on the job's device."""


def test_device_computes(inputs, device):
    on_device = inputs.to(device)
    return on_device @ on_device.T
