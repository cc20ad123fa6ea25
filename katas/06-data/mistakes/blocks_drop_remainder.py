"""len // num_workers items per worker: the remainder belongs to no worker and is never loaded

catches: test_stream_workers
"""


class ShardedStream(IterableDataset):
    def __init__(self, dataset):
        self.dataset = dataset

    def __iter__(self):
        info = get_worker_info()
        if info is None:
            indices = range(len(self.dataset))
        else:
            per_worker = len(self.dataset) // info.num_workers  # the remainder belongs to no worker
            indices = range(info.id * per_worker, (info.id + 1) * per_worker)
        for index in indices:
            yield self.dataset[index]
