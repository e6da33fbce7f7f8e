"""The endpoint's pages, in each reader's language: short, self-contained, no script, no remote file."""

import base64
import hashlib
import html

# French puts a no-break space before ":" and a narrow one before ";", "?" and "!".
TEXTS = {
    "fr": {
        "this_list": "cette lettre",
        "confirm_title": "Se désabonner\u202f?",
        "confirm": "Vous ne recevrez plus {name}. Confirmez avec le bouton ci-dessous.",
        "button": "Me désabonner",
        "done_title": "Désabonnement enregistré",
        "done": "Votre adresse ne recevra plus {name}. Merci de l’avoir lue.",
        "already_title": "Déjà désabonné",
        "already": "Cette adresse était déjà retirée de {name}\u202f; il n’y a rien d’autre à faire.",
        "invalid_title": "Lien non valable",
        "invalid": "Ce lien de désabonnement est incomplet ou a été modifié. Ouvrez le lien en entier depuis "
                   "la lettre, ou répondez à la lettre en écrivant «\u00a0désabonner\u00a0».",
        "not_one_click_title": "Demande incomplète",
        "not_one_click": "Cette demande ne vient pas du bouton de désabonnement\u00a0: rien n’a changé. Ouvrez "
                         "le lien de la lettre et utilisez le bouton.",
        "unavailable_title": "Réessayez plus tard",
        "unavailable": "Le désabonnement n’a pas pu être enregistré pour l’instant. Réessayez dans quelques "
                       "minutes\u00a0: rien n’a été perdu.",
    },
    "en": {
        "this_list": "this newsletter",
        "confirm_title": "Unsubscribe?",
        "confirm": "You will no longer receive {name}. Confirm with the button below.",
        "button": "Unsubscribe me",
        "done_title": "You are unsubscribed",
        "done": "Your address will no longer receive {name}. Thank you for reading it.",
        "already_title": "Already unsubscribed",
        "already": "This address had already left {name}; there is nothing else to do.",
        "invalid_title": "This link does not work",
        "invalid": "This unsubscribe link is incomplete or was changed. Open the whole link from the "
                   "newsletter, or reply to the newsletter with the word “unsubscribe”.",
        "not_one_click_title": "Incomplete request",
        "not_one_click": "This request did not come from the unsubscribe button: nothing changed. Open the "
                         "newsletter's link and use the button.",
        "unavailable_title": "Please try again later",
        "unavailable": "Your unsubscribe could not be recorded just now. Please try again in a few minutes: "
                       "nothing was lost.",
    },
}
DEFAULT_LANG = "fr"

STYLE = ("body{font:1.05rem/1.5 system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem;"
         "color:#1d1d1f;background:#fff}h1{font-size:1.5rem}button{font:inherit;padding:.6rem 1.2rem;"
         "border-radius:.4rem;border:0;background:#1d4ed8;color:#fff;cursor:pointer}"
         "button:focus-visible{outline:3px solid #f59e0b;outline-offset:2px}"
         "@media (prefers-color-scheme:dark){body{color:#eee;background:#161618}button{background:#3b82f6}}")
STYLE_HASH = base64.b64encode(hashlib.sha256(STYLE.encode("utf-8")).digest()).decode("ascii")
# Only the inline style above; forms post back to this endpoint only.
CONTENT_SECURITY_POLICY = (f"default-src 'none'; style-src 'sha256-{STYLE_HASH}'; form-action 'self'; "
                           "base-uri 'none'; frame-ancestors 'none'")


def language(lang=None, accept_language=""):
    """A language the pages speak: the token's, else the browser's first known one, else French."""
    if lang in TEXTS:
        return lang
    if lang:
        return "en"
    for part in (accept_language or "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in TEXTS:
            return code
    return DEFAULT_LANG


def page(lang, kind, list_name="", with_button=False):
    """The page ``kind`` (confirm, done, already, invalid, not_one_click, unavailable) as UTF-8 bytes."""
    texts = TEXTS[lang]
    name = html.escape(list_name or texts["this_list"])
    title = html.escape(texts[f"{kind}_title"])
    body = html.escape(texts[kind]).replace(html.escape("{name}"), f"<strong>{name}</strong>")
    form = ""
    if with_button:
        # Posts the RFC 8058 body itself, so the button and a mail client's one-click are one path.
        form = ('<form method="post"><input type="hidden" name="List-Unsubscribe" value="One-Click">'
                f'<button type="submit">{html.escape(texts["button"])}</button></form>')
    return (f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width,initial-scale=1">'
            f'<meta name="robots" content="noindex"><title>{title}</title><style>{STYLE}</style></head>'
            f'<body><main><h1>{title}</h1><p>{body}</p>{form}</main></body></html>').encode("utf-8")
