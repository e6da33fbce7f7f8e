"""A deterministic bilingual corpus for build benchmarks: a Pelican project of N posts.

    python -m benchmarks.corpus --posts 100 DEST [--seed 2025]

``write_corpus(folder, posts, seed=SEED)`` writes, under ``folder``:

  content/posts/fr/*.md     N French posts of about 1,000 words: ## and ### headings,
                            paragraphs with accents, « guillemets », a few emoji, bullet and
                            numbered lists, a blockquote, {filename} links to other generated
                            posts, https links, images in about two posts out of three;
  content/posts/en/*.md     an English translation of every second post (0, 2, 4...), with
                            Translation-Of and the Source-Hash the bilingual plugin computes;
  content/pages/fr|en/      one page per language (the English one a translation);
  content/images/           six small JPEG and PNG pictures drawn with Pillow, shared by the
                            posts, and one photo per author in images/authors/;
  content/data/taxonomy.toml and authors.toml, in the project's formats;
  full.py                   the project's production settings (publishconf.py) for this corpus:
                            the project's theme and plugins, comments read from a cache in this
                            folder and never fetched, Pelican's CACHE_PATH in cache/;
  bare.py                   Pelican with no plugin and its default theme, for comparison.

Everything comes from random.Random seeded with strings, so the same N and seed give
byte-identical files, wherever they are written (the settings name the project's folder,
which is the same for every corpus of one checkout). Nothing here reads the clock.
"""

import argparse
import hashlib
import random
import re
import sys
import textwrap
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = 2025
FIRST_DATE = datetime(2015, 1, 5, 9, 0)
SPAN_DAYS = 3650          # dates spread over ten years
TARGET_WORDS = 1000       # words of text per post, headings and lists included
LANGS = ("fr", "en")

# --- Taxonomy: the key is shared by both languages (content/data/taxonomy.toml) ----------------

CATEGORIES = [
    ("ecriture", "Écriture", "Writing"),
    ("photographie", "Photographie", "Photography"),
    ("cuisine", "Cuisine", "Cooking"),
    ("jardin", "Jardin", "Garden"),
    ("voyages", "Voyages", "Travel"),
    ("artisanat", "Artisanat", "Crafts"),
    ("lecture", "Lecture", "Reading"),
]

TAGS = [
    ("carnet-de-terrain", "Carnet de terrain", "Field notebook"),
    ("lumiere-naturelle", "Lumière naturelle", "Natural light"),
    ("patisserie", "Pâtisserie", "Baking"),
    ("potager", "Potager", "Vegetable garden"),
    ("compost", "Compost", "Compost"),
    ("randonnee", "Randonnée", "Hiking"),
    ("train-de-nuit", "Train de nuit", "Night train"),
    ("relecture", "Relecture", "Proofreading"),
    ("typographie", "Typographie", "Typography"),
    ("argentique", "Argentique", "Film photography"),
    ("portrait", "Portrait", "Portraits"),
    ("saisons", "Saisons", "Seasons"),
    ("fermentation", "Fermentation", "Fermentation"),
    ("ceramique", "Céramique", "Ceramics"),
    ("couture", "Couture", "Sewing"),
    ("bibliotheque", "Bibliothèque", "Library"),
    ("roman", "Roman", "Novels"),
    ("poesie", "Poésie", "Poetry"),
    ("cafe", "Café", "Coffee"),
    ("velo", "Vélo", "Cycling"),
    ("montagne", "Montagne", "Mountains"),
    ("bord-de-mer", "Bord de mer", "Seaside"),
    ("marche", "Marché", "Market"),
    ("hiver", "Hiver", "Winter"),
]

# --- Authors (content/data/authors.toml); the first writes most posts ---------------------------

@dataclass(frozen=True)
class Author:
    slug: str
    name: str
    bio_fr: str
    bio_en: str
    link: tuple
    guest: tuple = ()  # (title fr, title en, organisation) of a guest author


AUTHORS = [
    Author("margaux-fontaine", "Margaux Fontaine",
           "Margaux tient ce carnet depuis dix ans : des notes d'atelier, de cuisine et de voyage, écrites le matin.",
           "Margaux has kept this notebook for ten years: notes from the workshop, the kitchen and the road, written in the morning.",
           ("Mastodon", "https://mastodon.example/@margaux")),
    Author("julien-roussel", "Julien Roussel",
           "Julien photographie les marchés et les gares ; il écrit ici sur la lumière et les appareils anciens.",
           "Julien photographs markets and railway stations; here he writes about light and old cameras.",
           ("Site", "https://julien-roussel.example")),
    Author("anais-belkacem", "Anaïs Belkacem",
           "Anaïs est céramiste à Marseille et donne des cours de tournage le samedi.",
           "Anaïs is a potter in Marseille and teaches wheel-throwing on Saturdays.",
           ("Atelier Tesson", "https://atelier-tesson.example"),
           guest=("Céramiste invitée", "Guest potter", "Atelier Tesson")),
]

# --- Images: drawn once, referenced by many posts -------------------------------------------------

IMAGES = [  # name, width, height, alt fr, alt en
    ("carnet-ouvert.jpg", 1200, 675, "Un carnet ouvert sur une table en bois, un crayon posé en travers",
     "An open notebook on a wooden table, a pencil lying across it"),
    ("fenetre-atelier.jpg", 1200, 800, "La fenêtre d'un atelier, la lumière du matin sur l'établi",
     "A workshop window, morning light on the workbench"),
    ("potager-ete.jpg", 1024, 683, "Des rangs de tomates et de courges dans un potager en été",
     "Rows of tomatoes and squashes in a summer vegetable garden"),
    ("quai-de-gare.jpg", 1200, 675, "Un quai de gare vide à l'aube, les rails qui brillent",
     "An empty station platform at dawn, the rails shining"),
    ("schema-etapes.png", 960, 540, "Un schéma de quatre étapes reliées par des flèches",
     "A diagram of four steps joined by arrows"),
    ("palette-couleurs.png", 800, 450, "Une palette de six couleurs, de l'ocre au bleu nuit",
     "A palette of six colours, from ochre to midnight blue"),
]

# --- Words -------------------------------------------------------------------------------------

FR_NOUNS = """
m:atelier f:lumière m:carnet f:fenêtre f:matière f:saison f:récolte f:épreuve m:brouillon m:chapitre
f:rédaction m:lecteur f:lectrice f:façade m:garçon f:leçon f:façon m:cœur f:œuvre f:sœur m:nœud
f:manœuvre f:bibliothèque f:étagère f:théière f:crème f:pâte f:forêt f:rivière f:colline m:été m:hiver
m:automne m:printemps m:détail f:idée f:méthode f:étape m:début m:résultat f:équipe m:voisin m:marché
m:cahier m:crayon m:pinceau m:papier f:encre m:regard m:paysage m:chemin m:sentier m:refuge f:gare
m:quai m:voyage m:repas f:recette m:four f:farine m:levain f:graine m:potager f:tomate f:courge
m:arrosoir m:outil m:établi m:bois f:argile m:émail m:fil f:aiguille m:tissu m:patron f:couleur
f:ombre m:reflet m:objectif f:pellicule m:tirage m:cadre f:histoire m:personnage f:phrase m:mot
f:virgule m:paragraphe f:question f:réponse f:habitude m:rythme f:journée f:matinée f:soirée
f:semaine m:mois f:année m:plaisir f:patience f:curiosité f:clarté f:simplicité f:qualité m:intérêt
f:différence f:expérience f:réalité m:thé m:café f:pièce f:maison m:jardin f:ville m:village f:région
f:côte f:île m:océan f:étoile f:aube m:crépuscule m:vélo f:montagne m:métier m:geste m:modèle
f:tasse m:bol m:panier f:épicerie m:boulanger f:boulangère m:élève f:maîtresse m:échantillon
""".split()

FR_ADJECTIVES = [  # masculine, feminine
    ("simple", "simple"), ("précis", "précise"), ("lumineux", "lumineuse"), ("léger", "légère"),
    ("délicat", "délicate"), ("fragile", "fragile"), ("épais", "épaisse"), ("régulier", "régulière"),
    ("naturel", "naturelle"), ("ancien", "ancienne"), ("discret", "discrète"), ("généreux", "généreuse"),
    ("réfléchi", "réfléchie"), ("pratique", "pratique"), ("étonnant", "étonnante"), ("fréquent", "fréquente"),
    ("sûr", "sûre"), ("clair", "claire"), ("sobre", "sobre"), ("patient", "patiente"), ("complet", "complète"),
    ("modeste", "modeste"), ("élégant", "élégante"), ("rapide", "rapide"), ("lent", "lente"), ("doux", "douce"),
    ("franc", "franche"), ("entier", "entière"), ("prêt", "prête"), ("étroit", "étroite"), ("ancré", "ancrée"),
    ("têtu", "têtue"), ("fidèle", "fidèle"), ("brûlant", "brûlante"), ("inachevé", "inachevée"),
]

FR_VERBS = [  # third person singular, plural
    ("révèle", "révèlent"), ("change", "changent"), ("demande", "demandent"), ("éclaire", "éclairent"),
    ("prépare", "préparent"), ("accompagne", "accompagnent"), ("transforme", "transforment"),
    ("mérite", "méritent"), ("devient", "deviennent"), ("permet", "permettent"), ("évite", "évitent"),
    ("crée", "créent"), ("apporte", "apportent"), ("précède", "précèdent"), ("suit", "suivent"),
    ("rappelle", "rappellent"), ("protège", "protègent"), ("reçoit", "reçoivent"), ("façonne", "façonnent"),
    ("complète", "complètent"), ("dépasse", "dépassent"), ("achève", "achèvent"), ("nourrit", "nourrissent"),
    ("soutient", "soutiennent"), ("répète", "répètent"), ("allège", "allègent"),
]

FR_INFINITIVES = """
écrire relire préparer noter observer découvrir répéter améliorer choisir garder partager corriger
façonner mélanger récolter cueillir photographier encadrer ranger essayer apprendre reprendre
simplifier présenter éclairer protéger accélérer ralentir révéler conserver décrire goûter
""".split()

FR_ADVERBS = ["souvent", "parfois", "toujours", "ensuite", "d'abord", "enfin", "pourtant", "déjà", "ainsi",
              "bientôt", "aussitôt", "désormais", "peut-être", "là-bas", "à peine", "tôt ou tard", "çà et là"]
FR_PREPOSITIONS = ["à", "de", "pour", "avec", "sans", "sous", "sur", "dans", "vers", "après", "chez", "entre"]
FR_NAMES = ["Hélène", "Noé", "Zoé", "Maël", "Léa", "Raphaël", "Chloé", "Joël", "Inès", "Loïc", "Françoise", "Gaëlle"]

EN_NOUNS = """
workshop light notebook window material season harvest proof draft chapter reader writer doorway
lesson habit heart garden sister knot bookshelf teapot cream dough forest river hill summer winter
autumn spring detail idea method step beginning result team neighbour market pencil brush paper ink
glance landscape path trail refuge station platform journey meal recipe oven flour starter seed
tomato squash tool workbench wood clay glaze thread needle fabric pattern colour shadow reflection
lens film print frame story character sentence word comma paragraph question answer rhythm morning
evening week month year pleasure patience curiosity clarity quality difference village island ocean
coast star dawn dusk bicycle mountain craft gesture sample cup bowl basket bakery apprentice café
""".split()
EN_ADJECTIVES = """
simple precise bright light delicate fragile thick steady natural old quiet generous careful practical
surprising frequent sure clear sober patient complete modest elegant quick slow gentle frank whole
ready narrow rooted stubborn faithful unfinished naïve
""".split()
EN_VERBS = [  # third person singular, plural
    ("reveals", "reveal"), ("changes", "change"), ("asks for", "ask for"), ("lights up", "light up"),
    ("prepares", "prepare"), ("follows", "follow"), ("transforms", "transform"), ("deserves", "deserve"),
    ("becomes", "become"), ("allows", "allow"), ("avoids", "avoid"), ("creates", "create"),
    ("brings", "bring"), ("precedes", "precede"), ("recalls", "recall"), ("protects", "protect"),
    ("receives", "receive"), ("shapes", "shape"), ("completes", "complete"), ("outgrows", "outgrow"),
    ("finishes", "finish"), ("feeds", "feed"), ("supports", "support"), ("repeats", "repeat"),
]
EN_INFINITIVES = """
write reread prepare note observe discover repeat improve choose keep share correct shape mix harvest
pick photograph frame tidy try learn resume simplify present protect slow describe taste sketch
""".split()
EN_ADVERBS = ["often", "sometimes", "always", "then", "first", "finally", "still", "already", "thus", "soon",
              "at once", "from now on", "perhaps", "over there", "barely", "sooner or later", "here and there"]
EN_PREPOSITIONS = ["to", "of", "for", "with", "without", "under", "on", "in", "towards", "after", "at", "between"]
EN_NAMES = ["Helen", "Noah", "Zoë", "Mael", "Leah", "Raphaël", "Chloé", "Joel", "Inès", "Luke", "Frances", "Gaëlle"]
EN_LOANWORDS = ["café", "déjà vu", "façade", "naïve", "résumé", "crème brûlée", "tête-à-tête", "soupçon"]

EMOJI = ["✨", "📬", "🌱", "☕", "📷", "🍅", "🚲", "🙂", "📚", "🌙"]

EXTERNAL_SITES = ["https://www.example.org", "https://example.com", "https://docs.example.net",
                  "https://journal.example.org"]
VOWELS = "aeiouyhéèêàâîïôœ"


# --- Random text -------------------------------------------------------------------------------

class Words:
    """Sentences, paragraphs and titles in one language, from one Random."""

    def __init__(self, lang, rng):
        self.lang, self.rng = lang, rng
        self.count = 0  # words produced so far (what the post's length is measured in)

    def pick(self, items):
        return self.rng.choice(items)

    def counted(self, text):
        self.count += len(re.findall(r"\w+(?:[’'-]\w+)*", text))
        return text

    # French noun phrases agree in gender and number; contractions with à and de.
    def fr_np(self, plural=None, adjective=None):
        kind, noun = self.pick(FR_NOUNS).split(":")
        plural = self.rng.random() < 0.25 if plural is None else plural
        adjective = self.rng.random() < 0.45 if adjective is None else adjective
        word = _fr_plural(noun) if plural else noun
        if adjective:
            masculine, feminine = self.pick(FR_ADJECTIVES)
            adj = feminine if kind == "f" else masculine
            word += " " + (_fr_plural(adj) if plural else adj)
        if plural:
            det = self.pick(["les", "des", "ces", "nos", "vos", "leurs"])
        elif kind == "f":
            det = self.pick(["la", "une", "cette", "chaque", "notre", "votre", "sa"])
        else:
            det = self.pick(["le", "un", "ce", "chaque", "notre", "votre", "son"])
        if det in ("le", "la") and word[0].lower() in VOWELS:
            return "l'" + word, plural
        if det == "ce" and word[0].lower() in VOWELS:
            det = "cet"
        if det == "sa" and word[0].lower() in VOWELS:
            det = "son"
        return f"{det} {word}", plural

    def fr_after(self, preposition, phrase):
        for det, joined in (("le ", {"à": "au ", "de": "du "}), ("les ", {"à": "aux ", "de": "des "})):
            if phrase.startswith(det) and preposition in joined:
                return joined[preposition] + phrase[len(det):]
        if preposition == "de" and phrase.startswith("des "):
            return "de " + phrase[4:]
        if preposition in ("de", "que") and phrase[0].lower() in VOWELS:
            return preposition[0] + "'" + phrase
        return f"{preposition} {phrase}"

    def en_np(self, plural=None, adjective=None):
        noun = self.pick(EN_NOUNS)
        plural = self.rng.random() < 0.25 if plural is None else plural
        adjective = self.rng.random() < 0.45 if adjective is None else adjective
        if plural:
            noun = _en_plural(noun)
        if adjective:
            noun = self.pick(EN_ADJECTIVES) + " " + noun
        if plural:
            return f"{self.pick(['the', 'these', 'our', 'your', 'their', 'some'])} {noun}", True
        det = self.pick(["the", "a", "this", "every", "our", "your", "one"])
        if det == "a" and noun[0] in "aeiou":
            det = "an"
        return f"{det} {noun}", False

    def np(self, **options):
        return (self.fr_np if self.lang == "fr" else self.en_np)(**options)

    def verb(self, plural):
        forms = self.pick(FR_VERBS if self.lang == "fr" else EN_VERBS)
        return forms[1] if plural else forms[0]

    def clause(self):
        subject, plural = self.np()
        obj, _ = self.np()
        text = f"{subject} {self.verb(plural)} {obj}"
        if self.rng.random() < 0.5:
            preposition = self.pick(FR_PREPOSITIONS if self.lang == "fr" else EN_PREPOSITIONS)
            place, _ = self.np(adjective=False)
            text += " " + (self.fr_after(preposition, place) if self.lang == "fr" else f"{preposition} {place}")
        return text

    def sentence(self):
        return self.counted(self._fr_sentence() if self.lang == "fr" else self._en_sentence())

    def _fr_sentence(self):
        r, pick = self.rng.random(), self.pick
        if r < 0.30:
            text = self.clause() + "."
        elif r < 0.45:
            text = f"{pick(FR_ADVERBS)}, {self.clause()}."
        elif r < 0.55:
            text = f"quand {self.clause()}, {self.clause()}."
        elif r < 0.63:
            text = (f"il faut {pick(FR_INFINITIVES)} {self.np()[0]} avant "
                    f"{self.fr_after('de', pick(FR_INFINITIVES))} {self.np()[0]}.")
        elif r < 0.70:
            text = f"pourquoi {pick(FR_INFINITIVES)} {self.np()[0]} ?"
        elif r < 0.78:
            text = f"« {_capitalised(self.clause())} », dit {pick(FR_NAMES)}."
        elif r < 0.85:
            text = f"{self.clause()} : {self.clause()}."
        elif r < 0.91:
            text = f"{self.clause()} ; {pick(FR_ADVERBS)}, {self.clause()}."
        elif r < 0.96:
            text = f"{self.clause()}, et c'est {self.pick(['là', 'ainsi', 'déjà', 'enfin'])} tout l'intérêt !"
        else:
            feminine = pick(FR_ADJECTIVES)[1]
            text = f"à {pick(['Noël', 'Pâques', 'la Saint-Jean', 'la Toussaint'])}, la récolte était {feminine}."
        return _capitalised(self._decorated(text))

    def _en_sentence(self):
        r, pick = self.rng.random(), self.pick
        if r < 0.30:
            text = self.clause() + "."
        elif r < 0.45:
            text = f"{pick(EN_ADVERBS)}, {self.clause()}."
        elif r < 0.55:
            text = f"when {self.clause()}, {self.clause()}."
        elif r < 0.63:
            text = f"you have to {pick(EN_INFINITIVES)} {self.np()[0]} before you {pick(EN_INFINITIVES)} {self.np()[0]}."
        elif r < 0.70:
            text = f"why {pick(EN_INFINITIVES)} {self.np()[0]}?"
        elif r < 0.78:
            text = f"\"{_capitalised(self.clause())}\", says {pick(EN_NAMES)}."
        elif r < 0.85:
            text = f"{self.clause()}: {self.clause()}."
        elif r < 0.91:
            text = f"{self.clause()}; {pick(EN_ADVERBS)}, {self.clause()}."
        elif r < 0.96:
            text = f"{self.clause()}, and that is the whole point!"
        else:
            text = f"it felt like {pick(EN_LOANWORDS)}, with {self.np()[0]}."
        return _capitalised(self._decorated(text))

    def _decorated(self, text):
        """Now and then a word in italics or bold, or an emoji at the end."""
        r = self.rng.random()
        words = text.split(" ")
        if r < 0.08 and len(words) > 4:
            i = self.rng.randrange(1, len(words) - 1)
            if words[i].isalpha():
                words[i] = f"*{words[i]}*" if r < 0.05 else f"**{words[i]}**"
            text = " ".join(words)
        if self.rng.random() < 0.04:
            text += " " + self.pick(EMOJI)
        return text

    def paragraph(self, sentences=None, tail=""):
        count = sentences or self.rng.randint(4, 7)
        return " ".join(self.sentence() for _ in range(count)) + tail

    def heading(self):
        if self.lang == "fr":
            options = [
                lambda: f"{_capitalised(self.pick(FR_INFINITIVES))} {self.np(plural=False)[0]}",
                lambda: f"{_capitalised(self.np(adjective=True)[0])}",
                lambda: f"Pourquoi {self.np(adjective=False)[0]} compte",
                lambda: f"Le temps {self.fr_after('de', self.np(adjective=False)[0])}",
            ]
        else:
            options = [
                lambda: f"{_capitalised(self.pick(EN_INFINITIVES))} {self.np(plural=False)[0]}",
                lambda: f"{_capitalised(self.np(adjective=True)[0])}",
                lambda: f"Why {self.np(adjective=False)[0]} matters",
                lambda: f"A time for {self.np(adjective=False)[0]}",
            ]
        return self.counted(self.pick(options)())

    def list_item(self):
        clause = self.clause()
        return self.counted(clause + (" ;" if self.lang == "fr" else ";"))

    def title(self):
        pick = self.pick
        number = self.rng.randint(3, 12)
        if self.lang == "fr":
            options = [
                lambda: f"{number} façons de {pick(FR_INFINITIVES)} {self.np(plural=False)[0]}",
                lambda: f"Comment {pick(FR_INFINITIVES)} {self.np()[0]} sans {pick(FR_INFINITIVES)} {self.np(adjective=False)[0]}",
                lambda: f"Pourquoi {self.clause()}",
                lambda: f"{_capitalised(self.np(adjective=False)[0])} et {self.np(adjective=False)[0]} : {self.np(adjective=True)[0]}",
                lambda: f"Le guide {self.fr_after('de', self.np(plural=False, adjective=True)[0])}",
                lambda: "Ce " + self.fr_after("que", self.clause()),
            ]
        else:
            options = [
                lambda: f"{number} ways to {pick(EN_INFINITIVES)} {self.np(plural=False)[0]}",
                lambda: f"How to {pick(EN_INFINITIVES)} {self.np()[0]} without losing {self.np(adjective=False)[0]}",
                lambda: f"Why {self.clause()}",
                lambda: f"{_capitalised(self.np(adjective=False)[0])} and {self.np(adjective=False)[0]}: {self.np(adjective=True)[0]}",
                lambda: f"A guide to {self.np(plural=False, adjective=True)[0]}",
                lambda: f"What {self.clause()}",
            ]
        return _capitalised(pick(options)())

    def summary(self):
        return " ".join(self.sentence() for _ in range(2)).replace("*", "")


def _fr_plural(word):
    if " " in word:
        return " ".join(_fr_plural(part) for part in word.split(" "))
    if word.endswith(("s", "x", "z")):
        return word
    if word.endswith(("eau", "eu")):
        return word + "x"
    if word.endswith("al"):
        return word[:-2] + "aux"
    return word + "s"


def _en_plural(word):
    if word.endswith(("s", "x", "ch", "sh")):
        return word + "es"
    if word.endswith("y") and word[-2] not in "aeiou":
        return word[:-1] + "ies"
    return word + "s"


def _capitalised(text):
    return text[:1].upper() + text[1:]


def slugify(text):
    """ASCII, lower case, words joined by hyphens (œ and æ spelt out)."""
    text = text.replace("œ", "oe").replace("Œ", "Oe").replace("æ", "ae")
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


# --- The corpus's plan: what each post holds, shared by both languages ------------------------------

@dataclass
class Post:
    index: int
    date: datetime
    category: tuple
    tags: list
    author: Author
    translated: bool
    titles: dict = field(default_factory=dict)   # lang -> title
    slugs: dict = field(default_factory=dict)    # lang -> slug (also the file name)
    image: tuple | None = None
    series: tuple | None = None                  # (names per lang, part)
    comments_closed: bool = False
    modified: datetime | None = None

    def path(self, lang):
        return f"posts/{lang}/{self.slugs[lang]}.md"


def plan_posts(count, seed):
    """Every post's metadata, titles and slugs (slugs unique across both languages)."""
    posts, used = [], set()
    for i in range(count):
        rng = random.Random(f"{seed}:plan:{i}")
        date = FIRST_DATE + timedelta(days=SPAN_DAYS * i / max(count, 1))
        date = date.replace(hour=rng.randint(7, 19), minute=rng.choice([0, 15, 30, 45]), second=0, microsecond=0)
        author = AUTHORS[0] if rng.random() < 0.75 else rng.choice(AUTHORS[1:])
        post = Post(index=i, date=date, category=rng.choice(CATEGORIES), tags=rng.sample(TAGS, rng.randint(2, 3)),
                    author=author, translated=i % 2 == 0)
        post.image = rng.choice(IMAGES) if rng.random() < 0.65 else None
        post.comments_closed = i % 25 == 24
        if i % 10 == 3:
            post.modified = date + timedelta(days=rng.randint(20, 400), hours=2)
        for lang in LANGS if post.translated else ("fr",):
            title = Words(lang, random.Random(f"{seed}:title:{i}:{lang}")).title()
            slug = base = slugify(title)[:70].rstrip("-")
            n = 2
            while slug in used:
                slug, n = f"{base}-{n}", n + 1
            used.add(slug)
            post.titles[lang], post.slugs[lang] = title, slug
        posts.append(post)
    # Series of three translated posts: 0, 2, 4 of every block of 40 posts.
    for start in range(0, count, 40):
        if start + 4 < count:
            names = {"fr": f"Carnet d'atelier n° {start // 40 + 1}", "en": f"Workshop notebook no. {start // 40 + 1}"}
            for part, i in enumerate((start, start + 2, start + 4), start=1):
                posts[i].series = (names, part)
    return posts


# --- Writing the files ----------------------------------------------------------------------------

def post_text(post, lang, posts, seed, source_hash=None):
    """The Markdown file of ``post`` in ``lang``: metadata lines, a blank line, the body."""
    rng = random.Random(f"{seed}:body:{post.index}:{lang}")
    words = Words(lang, rng)
    # Links, lists and quotes are drawn from one Random for both languages; the number of
    # sections follows each language's word count.
    structure = random.Random(f"{seed}:structure:{post.index}")
    category = post.category[1] if lang == "fr" else post.category[2]
    tags = [tag[1] if lang == "fr" else tag[2] for tag in post.tags]
    meta = [
        f"Title: {post.titles[lang]}",
        f"Date: {post.date:%Y-%m-%d %H:%M}",
    ]
    if post.modified:
        meta.append(f"Modified: {post.modified:%Y-%m-%d %H:%M}")
    meta += [f"Lang: {lang}", f"Slug: {post.slugs[lang]}", f"Category: {category}", f"Tags: {', '.join(tags)}",
             f"Author: {post.author.name}"]
    if post.author.guest:
        title_fr, title_en, organisation = post.author.guest
        meta += [f"Guest-Title: {title_fr if lang == 'fr' else title_en}", f"Guest-Organisation: {organisation}"]
    if post.series:
        names, part = post.series
        meta += [f"Series: {names[lang]}", f"Series-Part: {part}", "Series-Parts: 3"]
    if post.comments_closed:
        meta.append("Comments: closed")
    if lang != "fr":
        meta += [f"Translation-Of: {post.slugs['fr']}", f"Source-Hash: {source_hash}"]
    meta.append(f"Summary: {words.summary()}")
    words.count = 0  # the summary is not part of the body

    # Links to other posts of the same language, chosen by the structure (same targets in both).
    candidates = [p for p in posts if p.index != post.index and (lang == "fr" or p.translated)]
    targets = structure.sample(candidates, min(len(candidates), structure.randint(2, 3)))
    links = [f"[{p.titles[lang]}]({{filename}}/{p.path(lang)})" for p in targets]
    site = structure.choice(EXTERNAL_SITES)
    external_path = "/".join(slugify(words.np(adjective=False)[0]).split("-")[-1:] + [str(structure.randint(1, 99))])
    external = f"{site}/{lang}/{external_path}"

    blocks = [words.paragraph(), words.paragraph()]
    if post.image:
        name, _, _, alt_fr, alt_en = post.image
        caption = words.counted(_capitalised(words.np()[0]) + ".")
        blocks.append(f'![{alt_fr if lang == "fr" else alt_en}]({{static}}/images/{name} "{caption}")')
    section = 0
    bullet_at, numbered_at, quote_at = structure.randint(0, 1), structure.randint(2, 3), structure.randint(1, 3)
    while words.count < TARGET_WORDS - 130:
        blocks.append(f"## {words.heading()}")
        for paragraph in range(structure.randint(2, 3)):
            tail = ""
            if links and structure.random() < 0.35:
                lead = structure.choice(
                    ["Voir aussi", "J'en parlais dans", "À relire :"] if lang == "fr"
                    else ["See also", "I wrote about this in", "Worth rereading:"])
                tail = f" {lead} {links.pop()}."
            elif external and structure.random() < 0.2:
                lead, label, end = (("Il existe", "un article détaillé", "sur le sujet") if lang == "fr"
                                    else ("There is", "a detailed article", "on the subject"))
                tail = f" {lead} [{label}]({external}) {end}."
                external = None
            blocks.append(words.paragraph(tail=words.counted(tail)))
            if paragraph == 0 and structure.random() < 0.3:
                blocks.append(f"### {words.heading()}")
        if section == bullet_at:
            blocks.append("\n".join(f"- {words.list_item()}" for _ in range(structure.randint(3, 5))))
        if section == numbered_at:
            blocks.append("\n".join(f"{n}. {words.list_item()}" for n in range(1, structure.randint(3, 5) + 1)))
        if section == quote_at:
            blocks.append(f"> {words.sentence()} {words.sentence()}")
        section += 1
    blocks.append("## " + words.counted("En résumé" if lang == "fr" else "In short"))
    tail = ""
    if links:
        tail += f" {'Pour aller plus loin :' if lang == 'fr' else 'To go further:'} {', '.join(links)}."
    if external:
        tail += f" {'Et ailleurs :' if lang == 'fr' else 'And elsewhere:'} <{external}>."
    blocks.append(words.paragraph(sentences=3, tail=words.counted(tail)))
    return "\n".join(meta) + "\n\n" + "\n\n".join(blocks) + "\n"


PAGE_FR = """\
Title: À propos
Lang: fr
Slug: a-propos

Ce carnet rassemble des notes d'atelier, de cuisine, de jardin et de voyage, écrites le matin avant le café.
Il est publié en français d'abord ; une partie des articles est traduite en anglais.

## Ce que vous trouverez ici

- des méthodes **simples**, qu'on peut essayer dans la semaine ;
- des recettes de saison, du levain à la crème brûlée ;
- des photographies prises à l'argentique, les jours de lumière douce ;
- des lectures, des romans et de la poésie.

## Écrire ensemble

> « Un carnet n'est jamais fini : on le reprend, on le corrige, on le relit. »

Pour une remarque ou une correction, écrivez à l'adresse `bonjour@carnet.example`. Je réponds à tous les messages,
parfois avec un peu de retard 🙂.
"""

PAGE_EN = """\
Title: About
Lang: en
Slug: about
Translation-Of: a-propos
Source-Hash: {digest}

This notebook collects notes from the workshop, the kitchen, the garden and the road, written in the morning before
coffee. It is published in French first; some of the posts are translated into English.

## What you will find here

- **simple** methods you can try within the week;
- seasonal recipes, from sourdough starter to crème brûlée;
- photographs taken on film, on days of soft light;
- reading notes, novels and poetry.

## Writing together

> "A notebook is never finished: you pick it up again, correct it, reread it."

For a remark or a correction, write to `bonjour@carnet.example`. I answer every message, sometimes a little late 🙂.
"""


def taxonomy_toml():
    lines = ["# One entry per category or tag: the key is shared by both languages,",
             "# the values are the names authors write in the Category:/Tags: lines.", "", "# --- Categories ---", ""]
    for key, fr, en in CATEGORIES:
        lines += [f"[categories.{key}]", f'fr = "{fr}"', f'en = "{en}"', ""]
    lines += ["# --- Tags ---", ""]
    for key, fr, en in TAGS:
        lines += [f"[tags.{key}]", f'fr = "{fr}"', f'en = "{en}"', ""]
    return "\n".join(lines)


def authors_toml():
    lines = ["# One entry per author, keyed by the slug of the name written in \"Author:\".",
             "# Bios are given per language; links are shown in the author box.", ""]
    for author in AUTHORS:
        label, url = author.link
        lines += [f"[{author.slug}]", f'name = "{author.name}"', f'photo = "images/authors/{author.slug}.jpg"',
                  f'links = [{{ label = "{label}", url = "{url}" }}]', ""]
        if author.guest:
            title_fr, title_en, organisation = author.guest
            lines += [f"[{author.slug}.title]", f'fr = "{title_fr}"', f'en = "{title_en}"', "",
                      f"[{author.slug}.organisation]", f'fr = "{organisation}"', f'en = "{organisation}"', ""]
        lines += [f"[{author.slug}.bio]", f'fr = "{author.bio_fr}"', f'en = "{author.bio_en}"', ""]
    return "\n".join(lines)


FULL_SETTINGS = '''\
"""The project's production settings (publishconf.py) for the benchmark corpus in this folder.

The theme and plugins are the project's. Comments are never fetched (the pages show
those of an empty cache in this folder), so a build needs no network and logs no
warning about an unreachable server. CACHE_PATH (the social cards' cache) is cache/
here; benchmarks.site_build gives each cold build a fresh one with --set CACHE_PATH=...
"""

import os
import sys

PROJECT = {project!r}
if PROJECT not in sys.path:
    sys.path.insert(0, PROJECT)
from publishconf import *  # noqa: E402,F403

HERE = os.path.dirname(os.path.abspath(__file__))
THEME = os.path.join(PROJECT, "theme")
PLUGIN_PATHS = [os.path.join(PROJECT, "plugins")]
PATH = "content"
CACHE_PATH = "cache"
COMMENTS = {{**COMMENTS, "fetch": False,  # noqa: F405
            "isso": {{**COMMENTS["isso"], "url": "http://127.0.0.1:9/"}},  # noqa: F405
            "cache_file": os.path.join(HERE, "cache", "comments", "{{provider}}.json")}}
'''

BARE_SETTINGS = '''\
"""Pelican with no plugin and its default theme, on the same content (benchmarks.site_build).

Translation-Of and the other metadata of the project's plugins are ignored: Pelican
links translations by Slug only, so every English post is a post of its own here.
"""

SITENAME = "Carnet"
SITEURL = "https://carnet.example"
PATH = "content"
ARTICLE_PATHS = ["posts"]
PAGE_PATHS = ["pages"]
STATIC_PATHS = ["images"]
TIMEZONE = "Europe/Paris"
DEFAULT_LANG = "fr"
'''


def write_images(content):
    """The pictures posts and author boxes show: gradients and shapes, drawn from a fixed seed."""
    from PIL import Image, ImageDraw

    folder = content / "images"
    (folder / "authors").mkdir(parents=True, exist_ok=True)
    for number, (name, width, height, _, _) in enumerate(IMAGES):
        _picture(random.Random(f"image:{name}"), width, height, Image, ImageDraw).save(
            folder / name, **({"quality": 82, "optimize": True} if name.endswith(".jpg") else {"optimize": True}))
    for author in AUTHORS:
        _picture(random.Random(f"photo:{author.slug}"), 320, 320, Image, ImageDraw, round_shape=True).save(
            folder / "authors" / f"{author.slug}.jpg", quality=80, optimize=True)


def _picture(rng, width, height, Image, ImageDraw, round_shape=False):
    top = tuple(rng.randint(40, 220) for _ in range(3))
    bottom = tuple(rng.randint(20, 200) for _ in range(3))
    gradient = Image.linear_gradient("L").resize((width, height))
    image = Image.composite(Image.new("RGB", (width, height), bottom), Image.new("RGB", (width, height), top), gradient)
    draw = ImageDraw.Draw(image)
    for _ in range(rng.randint(5, 12)):
        x, y = rng.randrange(width), rng.randrange(height)
        w, h = rng.randint(width // 12, width // 3), rng.randint(height // 12, height // 3)
        colour = tuple(rng.randint(0, 255) for _ in range(3))
        shape = draw.ellipse if round_shape or rng.random() < 0.5 else draw.rectangle
        shape([x - w // 2, y - h // 2, x + w // 2, y + h // 2], fill=colour)
    return image


def _write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as file:
        file.write(text)


def _source_digest(path):
    """The project's own Source-Hash (sitekit/content.py)."""
    from sitekit.content import source_digest

    return source_digest(path)


@dataclass
class Corpus:
    folder: Path
    posts: list
    seed: int

    @property
    def content(self):
        return self.folder / "content"

    @property
    def full_settings(self):
        return self.folder / "full.py"

    @property
    def bare_settings(self):
        return self.folder / "bare.py"

    def files(self, lang):
        return sorted((self.content / "posts" / lang).glob("*.md"))

    def untranslated(self):
        return [post for post in self.posts if not post.translated]

    def describe(self):
        translated = sum(post.translated for post in self.posts)
        return (f"{len(self.posts)} French posts, {translated} English translations, 2 pages, "
                f"{len(IMAGES)} images (seed {self.seed})")


def add_sentence(path, number):
    """An edit of a post's text, as the benchmarks make it: one more sentence at its end."""
    text = path.read_text(encoding="utf-8").rstrip("\n")
    path.write_text(text + f"\n\nRetouche n° {number} : une phrase de plus, pour voir ce que coûte "
                    "la reconstruction.\n", encoding="utf-8")


def write_corpus(folder, posts, seed=SEED):
    """Write a corpus of ``posts`` French posts (half translated) into ``folder``; return a Corpus."""
    if posts < 1:
        raise ValueError("a corpus needs at least one post")
    folder = Path(folder)
    content = folder / "content"
    if content.exists() and any(content.iterdir()):
        raise FileExistsError(f"{content} already holds files; give an empty or new folder")
    plan = plan_posts(posts, seed)
    for post in plan:
        original = content / post.path("fr")
        _write(original, post_text(post, "fr", plan, seed))
        if post.translated:
            _write(content / post.path("en"), post_text(post, "en", plan, seed, _source_digest(original)))
    _write(content / "pages/fr/a-propos.md", PAGE_FR)
    _write(content / "pages/en/about.md", PAGE_EN.format(digest=_source_digest(content / "pages/fr/a-propos.md")))
    _write(content / "data/taxonomy.toml", taxonomy_toml())
    _write(content / "data/authors.toml", authors_toml())
    write_images(content)
    _write(folder / "full.py", FULL_SETTINGS.format(project=str(ROOT)))
    _write(folder / "bare.py", BARE_SETTINGS)
    return Corpus(folder, plan, seed)


def tree_digest(folder):
    """SHA-256 of every file's relative path and bytes under ``folder`` (to compare two corpora)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in Path(folder).rglob("*") if p.is_file()):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     epilog=textwrap.dedent("""\
                                         Build it with the project's configuration (from the project's folder):
                                           .venv/bin/python -m publisher.build --settings DEST/full.py --output DEST/output
                                         or with bare Pelican (from DEST):
                                           python -m pelican content -s bare.py -o output-bare"""),
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("dest", type=Path, help="folder to write the project into (new, or without content/)")
    parser.add_argument("--posts", type=int, default=100, help="French posts; every second one is translated (100)")
    parser.add_argument("--seed", type=int, default=SEED, help=f"seed of the random text ({SEED})")
    args = parser.parse_args(argv)
    if args.posts < 1:
        parser.error("--posts must be at least 1")
    try:
        corpus = write_corpus(args.dest, args.posts, args.seed)
    except FileExistsError as error:
        print(f"corpus: {error}", file=sys.stderr)
        return 1
    print(f"Wrote {corpus.describe()} into {args.dest}/ (sha256 {tree_digest(args.dest)[:12]})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
