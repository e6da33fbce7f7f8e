"""What the language runs of one build share: the settings and the post pages written."""

from sitekit.build_context import SiteIndex

from . import indexer


class SearchState(SiteIndex):
    """Kept in the build context of every language run; reset at each main run."""

    def __init__(self, config, cache=None):
        self.config = config
        self.cache = cache  # an IndexCache, or None
        self.reset()

    def reset(self):
        """Start afresh (each rebuild of `invoke serve` calls this)."""
        self.posts = {}  # language -> output-relative paths of its post pages written

    def index(self, output_path):
        """Index the posts of the last build: once it is written, and again after `invoke serve`
        rewrote some of them in place. Returns the pages indexed per language."""
        return indexer.build_index(output_path, self.posts, self.config, self.cache)

    def follow_up(self, output):
        if not self.config["enabled"] or not any(self.posts.values()):
            return None
        return lambda: self.index(output)
