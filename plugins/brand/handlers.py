"""Signal handlers of the brand plugin: the BRAND setting checked when Pelican starts, the
``brand`` global of every language's templates, and, once per build, the stylesheet (the same
for every language, its first lines the tokens BRAND sets) and the brand's images."""

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from sitekit.brand import images, in_language, load, stylesheet_preamble
from sitekit.build_context import is_main_run, keep_state, language_of_run, setting_up, state_of

from . import stylesheet


@dataclass
class Brand:
    config: dict
    static_dir: str
    images: dict = field(default_factory=dict)   # sitekit.brand.images()

    def image(self, key):
        if key not in self.images:
            return None
        return {name: self.images[key][name] for name in ("url", "width", "height")}

    def for_language(self, lang):
        """What the templates see as ``brand`` in ``lang``."""
        config = self.config
        cover = self.image("cover")
        if cover:
            cover["alt"] = in_language(config["cover_alt"], lang)
        return {
            "logo": self.image("logo"), "logo_dark": self.image("logo_dark"),
            "wordmark": config["wordmark"], "pitch": in_language(config["pitch"], lang),
            "cover": cover, "social": config["social"], "fonts": config["fonts"],
            "preload": [f"{self.static_dir}/fonts/{name}" for name in config["font_stacks"]["preload"]],
            "colors": config["colors"],
        }


def on_initialized(pelican):
    settings = pelican.settings
    if not setting_up(settings, Brand, __package__):
        return
    config = load(settings)
    static_dir = settings["THEME_STATIC_DIR"]
    keep_state(settings, Brand(config, static_dir, images(config, static_dir)))


def on_generator_init(generator):
    state = state_of(generator.settings, Brand)
    if state is not None:
        generator.env.globals["brand"] = state.for_language(language_of_run(generator.settings))


def on_generators_finalized(generators):
    """Before the pages are written: the link check at the end of the build looks for the stylesheet."""
    settings = generators[0].settings
    state = state_of(settings, Brand)
    if state is None or not is_main_run(settings):
        return
    stylesheet.write(settings["THEME"], settings["OUTPUT_PATH"], settings["THEME_STATIC_DIR"],
                     preamble=stylesheet_preamble(state.config))
    for image in state.images.values():
        target = Path(settings["OUTPUT_PATH"]) / image["url"]
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(image["source"], target)
