"""an IterableDataset without get_worker_info(): every worker yields everything, so each item comes twice

catches: test_stream_workers
"""


class ShardedStream(IterableDataset):
    def __init__(self, dataset):
        self.dataset = dataset

    def __iter__(self):
        for index in range(len(self.dataset)):
            yield self.dataset[index]
