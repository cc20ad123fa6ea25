"""the stream's indices popped from the end of a list: every item comes, last first

catches: test_stream_single_process

Popping from a list's end is quick, but a stream is read in order: dataset[0], dataset[1], ….
"""


class ShardedStream(IterableDataset):
    def __init__(self, dataset):
        self.dataset = dataset

    def __iter__(self):
        info = get_worker_info()
        start, step = (0, 1) if info is None else (info.id, info.num_workers)
        todo = list(range(start, len(self.dataset), step))
        while todo:
            yield self.dataset[todo.pop()]
