"""__iter__ returns self with a counter set in __init__: the stream is used up after one pass and yields nothing again

catches: test_stream_single_process
"""


class ShardedStream(IterableDataset):
    def __init__(self, dataset):
        self.dataset = dataset
        self.index = None

    def __iter__(self):
        info = get_worker_info()
        if self.index is None:
            self.index = 0 if info is None else info.id
        self.step = 1 if info is None else info.num_workers
        return self

    def __next__(self):
        if self.index >= len(self.dataset):
            raise StopIteration
        item = self.dataset[self.index]
        self.index += self.step
        return item
