"""What the language runs of one build share: the settings and the post pages written."""

from . import indexer


class SearchState:
    """Stored in the settings of every language run; reset at each main run."""

    def __init__(self, config):
        self.config = config
        self.reset()

    def reset(self):
        """Start afresh (each rebuild of `invoke serve` calls this)."""
        self.posts = []  # output-relative paths of the post pages written, all languages

    def rebuild_index(self, output_path):
        """Index the posts of the last build again, after `invoke serve` rewrote some of them in place."""
        return indexer.build_index(output_path, self.posts, self.config)
