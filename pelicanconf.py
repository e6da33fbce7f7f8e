"""Site settings for local work. publishconf.py adds what production needs."""

AUTHOR = "Élise Marchand"
SITENAME = "Élise Marchand"
SITESUBTITLE = "Marketing de contenu, newsletters et réseaux sociaux"
SITEURL = ""
# Feeds need absolute links: locally, those of `invoke serve`.
FEED_DOMAIN = "http://127.0.0.1:8000"

PATH = "content"
# Editors' lock, swap and backup files (.#post.md, post.md~, #post.md#) are
# not content. Pelican's default "**/.*" never matches a bare file name.
IGNORE_FILES = [".*", "*~", "#*#"]
ARTICLE_PATHS = ["posts"]
PAGE_PATHS = ["pages"]
STATIC_PATHS = ["images", "media", "files"]
TIMEZONE = "Europe/Paris"
# Categories come from the Category line only, never from the folder (fr, en).
USE_FOLDER_AS_CATEGORY = False
DEFAULT_LANG = "fr"
THEME = "theme"

PLUGIN_PATHS = ["plugins"]
PLUGINS = ["markdown_cache", "parallel_render", "template_cache", "bilingual", "brand", "url_memo", "post_meta", "series", "related", "social_cards", "media", "search", "comments", "newsletter_issues", "redirects"]

# French at the root, English under /en/: see docs/architecture.md.
BILINGUAL = {
    "languages": ["fr", "en"],
    "taxonomy_file": "data/taxonomy.toml",
    "list_untranslated": False,
    "overrides": {
        "en": {"SITESUBTITLE": "Content marketing, newsletters and social media"},
    },
}

# Comments under posts: Isso by default (`invoke comments` runs one on
# 127.0.0.1:8080 with comments/isso.cfg). Other providers: "giscus",
# "disqus", "mastodon", each with its options in COMMENTS[provider].
# Per post: "Comments: open | closed | off", "Comments-Id: <thread>",
# "Mastodon: <toot address>". See README.md.
COMMENTS = {
    "provider": "isso",
    "thread_per": "pair",
    "isso": {"url": "http://127.0.0.1:8080/"},
}

# The newsletter: issues in content/newsletter/fr|en/ ("Issue: 5"), archived
# at /newsletter/ and /en/newsletter/, rendered as emails into outbox/.
NEWSLETTER = {
    "name": {"fr": "La lettre d’Élise", "en": "Élise’s letter"},
    "tagline": {"fr": "Marketing de contenu, une fois par mois", "en": "Content marketing, once a month"},
    # What a reader gets, listed on the newsletter's landing page.
    "pitch": {
        "fr": ["Une méthode de marketing de contenu à appliquer dans la semaine",
               "Les articles du mois, triés pour vous, avec leur meilleure idée",
               "Une fois par mois, cinq minutes de lecture"],
        "en": ["One content-marketing method you can use the same week",
               "The month's posts, picked for you, each with its best idea",
               "Once a month, a five-minute read"],
    },
    "sender": {"name": "Élise Marchand", "email": "lettre@elise-marchand.example"},
    "reply_to": {"name": "Élise Marchand", "email": "elise@elise-marchand.example"},
    "postal_address": "Élise Marchand, 14 rue des Tanneurs, 69001 Lyon, France",
    "powered_by": "Pelican · MJML",
    "utm": {"utm_source": "newsletter", "utm_medium": "email", "utm_campaign": "issue-{number}-{lang}"},
    # The subscribe form posts straight to Buttondown, each language with its tag.
    # Other providers: "listmonk", "brevo", "custom"; None: readers write to the sender.
    "subscribe": {"provider": "buttondown", "username": "elise-marchand", "tags": {"fr": "fr", "en": "en"}},
}

# The look (see docs/settings.md, BRAND): logo, accent colours (checked for
# contrast), font pair, the home page's pitch, social profiles.
BRAND = {
    "logo": "images/brand/logo.svg",
    "logo_dark": "images/brand/logo-dark.svg",
    "accent": "#a4361d",
    "accent_dark": "#f2a48f",
    "fonts": "source",
    "pitch": {
        "fr": "J’aide les indépendants et les petites entreprises à se faire lire : une stratégie éditoriale "
              "claire, une newsletter qu’on attend, des réseaux sociaux sans s’épuiser.",
        "en": "I help freelancers and small businesses get read: a clear editorial strategy, a newsletter "
              "people look forward to, social media without burning out.",
    },
    "social": [
        {"name": "LinkedIn", "url": "https://www.linkedin.example/in/elise-marchand"},
        {"name": "Mastodon", "url": "https://mastodon.example/@elise"},
    ],
}

# Sent with every page as a <meta> tag. No inline script anywhere; plugins
# add the addresses their services need (the comments provider).
# Where `invoke publish` puts the built site: "folder" (default, no network),
# "rsync" or "git" (see publisher/deploy/).
DEPLOY = {"target": "folder", "folder": {"path": "public"}}

CONTENT_SECURITY_POLICY = {
    "default-src": ["'self'"],
    # Pagefind's search runs WebAssembly.
    "script-src": ["'self'", "'wasm-unsafe-eval'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "media-src": ["'self'"],
    "connect-src": ["'self'"],
    # Videos load only when the reader clicks them (plugins/media).
    "frame-src": ["https://www.youtube-nocookie.com", "https://player.vimeo.com"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    # Forms post to the site; the newsletter plugin adds the mailing provider.
    "form-action": ["'self'"],
}

# Theme: OpenGraph locale of each language.
OG_LOCALES = {"fr": "fr_FR", "en": "en_GB"}

# `invoke screenshots`: the design gallery (publisher/screenshots.py). Every page type in each
# language, at each width, light and dark; "search" types its query and waits for the results;
# "email" is the latest issue's email (or "issue": N). Also writes screenshots/contact-sheet.png.
SCREENSHOTS = {
    "widths": [375, 768, 1280],
    "schemes": ["light", "dark"],
    "pages": {
        "home": {"fr": "", "en": "en/"},
        "post": {"fr": "strategie-editoriale-en-5-etapes/", "en": "en/editorial-strategy-in-5-steps/"},
        "guest-post": {"fr": "referencement-local-commerces/", "en": "en/local-seo-for-neighbourhood-shops/"},
        "series-post": {"fr": "audit-seo-priorites/", "en": "en/seo-audit-setting-priorities/"},
        "page": {"fr": "pages/a-propos/", "en": "en/pages/about/"},
        "category": {"fr": "category/strategie/", "en": "en/category/strategy/"},
        "tag": {"fr": "tag/seo/", "en": "en/tag/seo/"},
        "author": {"fr": "author/elise-marchand/", "en": "en/author/elise-marchand/"},
        "archives": {"fr": "archives/", "en": "en/archives/"},
        "search": {"fr": {"path": "search/", "query": "newsletter"},
                   "en": {"path": "en/search/", "query": "newsletter"}},
        "newsletter": {"fr": "newsletter/", "en": "en/newsletter/"},
        "newsletter-issue": {"fr": "newsletter/2/", "en": "en/newsletter/2/"},
        "404": {"fr": "404.html", "en": "en/404.html"},
        "subscribe-check-inbox": {"fr": "newsletter/subscribe/check-inbox/", "en": "en/newsletter/subscribe/check-inbox/"},
        "subscribe-done": {"fr": "newsletter/subscribe/done/", "en": "en/newsletter/subscribe/done/"},
    },
    "email": {"widths": [375, 600]},
}

# URL patterns without language: the plugin puts English ones under en/.
ARTICLE_URL = "{slug}/"
ARTICLE_SAVE_AS = "{slug}/index.html"
PAGE_URL = "pages/{slug}/"
PAGE_SAVE_AS = "pages/{slug}/index.html"
CATEGORY_URL = "category/{slug}/"
CATEGORY_SAVE_AS = "category/{slug}/index.html"
TAG_URL = "tag/{slug}/"
TAG_SAVE_AS = "tag/{slug}/index.html"
AUTHOR_URL = "author/{slug}/"
AUTHOR_SAVE_AS = "author/{slug}/index.html"
INDEX_URL = ""
INDEX_SAVE_AS = "index.html"
ARCHIVES_URL = "archives/"
ARCHIVES_SAVE_AS = "archives/index.html"
CATEGORIES_URL = "categories/"
CATEGORIES_SAVE_AS = "categories/index.html"
TAGS_URL = "tags/"
TAGS_SAVE_AS = "tags/index.html"
AUTHORS_URL = "authors/"
AUTHORS_SAVE_AS = "authors/index.html"
# "404": the page a server shows for a missing address, written as 404.html and en/404.html
# (README: "The 404 pages").
DIRECT_TEMPLATES = ["index", "tags", "categories", "authors", "archives", "search", "404"]
SEARCH_URL = "search/"
SEARCH_SAVE_AS = "search/index.html"
DEFAULT_PAGINATION = 10

# One Atom and one RSS feed per language, holding that language only.
# (Pelican's FEED_ALL_* feeds would add every post's translations.)
FEED_ATOM = "feeds/atom.xml"
FEED_RSS = "feeds/rss.xml"
FEED_ALL_ATOM = None
CATEGORY_FEED_ATOM = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None
TRANSLATION_FEED_ATOM = None

# Theme variables are escaped unless marked safe (post bodies and summaries,
# which are HTML rendered from the author's Markdown).
JINJA_ENVIRONMENT = {"autoescape": True}

MARKDOWN = {
    "extension_configs": {
        "markdown.extensions.extra": {},
        "markdown.extensions.toc": {},
    },
    "output_format": "html5",
}
