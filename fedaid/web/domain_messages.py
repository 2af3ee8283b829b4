"""Messages that `fedaid.domain` raises and the pages show, listed so the catalogs translate them.

The domain speaks English (its messages also reach API clients); the pages pass `str(error)` through
`gettext`, which finds these. Messages built with values (f-strings) stay in English.
"""

from fedaid.i18n import lazy

MESSAGES = (
    lazy("There is no such agreement."),
    lazy("This post does not answer an offer or request."),
    lazy("Only a party to this agreement can cancel it."),
    lazy("This offer or request was deleted."),
    lazy("You cannot take up your own offer or request."),
    lazy("Only the author of the offer or request can answer this."),
    lazy("No hours are left to agree on."),
    lazy("These hours are no longer available."),
    lazy("This agreement is no longer waiting for an answer."),
    lazy("This agreement can no longer be cancelled."),
    lazy("Only a party to this agreement can confirm it."),
    lazy("The agreement has no id yet; wait for its author's acceptance."),
    lazy("This request was already answered."),
    lazy("This follow already exists."),
    lazy("The collective needs a name."),
    lazy("This invitation link has just been used."),
    lazy("This application is unknown here: its client_id does not match any registered app."),
    lazy("Only response_type=code is supported."),
    lazy("The redirect_uri does not match any redirect URI the application registered."),
    lazy("The application's redirect_uri is not allowed: it must be https, loopback or an app's."),
    lazy("The current password is wrong."),
    lazy("This account cannot sign in to apps yet."),
    lazy("PKCE needs code_challenge_method=S256; the plain method is not accepted."),
    lazy("The code_challenge must be 43 to 128 characters (a base64url SHA-256)."),
    lazy("A code_challenge_method was given without a code_challenge."),
    lazy("A post needs some text."),
    lazy("There is no such post."),
    lazy("This post was deleted."),
    lazy("Only its author can change this post."),
    lazy("There is no such offer or request."),
    lazy("Only an open offer or request can be edited."),
    lazy("More hours than that are already agreed."),
    lazy("This offer or request is no longer open."),
    lazy("The expiry date must be in the future."),
    lazy("Hours must be a number, e.g. 2 or 1.5."),
    lazy("You cannot answer your own offer or request."),
    lazy("That post does not answer this offer or request."),
    lazy("There is no such account."),
    lazy("You cannot suspend your own account."),
    lazy("The collective needs at least one admin."),
    lazy("Choose a category, a tag or a place."),
    lazy("You have too many alerts; remove one first."),
    lazy("There is no such report."),
    # accounts: one-time links, resets, sign-up, deletion
    lazy("This link is not valid: check that it was copied whole, or ask for a new one."),
    lazy("This link was already used: it works once. Ask for a new one if you need it."),
    lazy("This link has expired. Ask for a new one."),
    lazy("Too many reset requests from your address. Try again later."),
    lazy("A reset link was sent to this address a moment ago: look for it."),
)
