"""get_worker_info() read in __init__: the dataset is built in the main process, where it is None, so every worker streams everything

catches: test_stream_workers
"""


class ShardedStream(IterableDataset):
    def __init__(self, dataset):
        self.dataset = dataset
        info = get_worker_info()  # the slip: always None here, the workers do not exist yet
        self.start, self.step = (0, 1) if info is None else (info.id, info.num_workers)

    def __iter__(self):
        for index in range(self.start, len(self.dataset), self.step):
            yield self.dataset[index]
