"""a stride of 2 written for two workers: with three, items come twice

catches: test_stream_workers
"""


class ShardedStream(IterableDataset):
    def __init__(self, dataset):
        self.dataset = dataset

    def __iter__(self):
        info = get_worker_info()
        start, step = (0, 1) if info is None else (info.id, 2)  # written for two workers
        for index in range(start, len(self.dataset), step):
            yield self.dataset[index]
