"""The public site's addresses. Each keeps the name it had in its namespace,
"nominees" for the round and nominee pages and "voting" for the vote's and the
statements, so reverse() and {% url %} stay as they were; "data" for the
files that read the same in every language (the open data, the ballot box and
its verifier), outside the language prefixes."""

from django.urls import include, path, register_converter

from .views import ballot_box, idporten, opendata, rounds, statements, votes

register_converter(opendata.FormatConverter, "format")

voting = [
    path("<int:year>/<slug:slug>/stem/", votes.request_vote, name="request"),
    path("<int:year>/<slug:slug>/stem/sendt/", votes.vote_requested, name="requested"),
    path("<int:year>/<slug:slug>/stem/id-porten/", idporten.start_login, name="idporten_start"),
    path("stem/bekreft/<str:token>/", votes.confirm_vote, name="confirm"),
    path("kvittering/", votes.receipt_check, name="receipt"),
    path("personvern/", statements.privacy, name="privacy"),
    path("tilgjengelighet/", statements.accessibility, name="accessibility"),
    path("sjekk-opptellingen/", statements.count_check, name="count_check"),
    path("vinnere/", rounds.archive, name="archive"),
]

nominees = [
    path("", rounds.home, name="home"),
    path("<int:year>/", rounds.round_page, name="round"),
    path("<int:year>/<slug:slug>/", rounds.nomination_page, name="nomination"),
]

# The round and nominee pages first: they take most of a surge's requests,
# and Django tries the patterns in order (every one of the voting list before
# them cost the home page a quarter of its URL resolving).
urlpatterns = [
    path("", include((nominees, "nominees"))),
    path("", include((voting, "voting"))),
]

# ID-porten's way back to the app, at the addresses registered with Digdir,
# without a language (config.urls puts them under /idporten/): the login
# remembers the language it was started in.
idporten_returns = [
    path("callback/", idporten.callback, name="callback"),
    path("logged-out/", idporten.logged_out, name="logged_out"),
]

# Files that read the same in every language, at addresses without one
# (config.urls puts them outside the language prefixes, under /data/).
data = [
    path(
        "<int:year>/votes-per-nominee.<format:format>",
        opendata.table_file,
        {"table": "votes_per_nominee"},
        name="votes_per_nominee",
    ),
    path(
        "<int:year>/votes-per-day.<format:format>",
        opendata.table_file,
        {"table": "votes_per_day"},
        name="votes_per_day",
    ),
    path("<int:year>/ballot-box.json", ballot_box.ballot_box_json, name="ballot_box_json"),
    path("<int:year>/ballot-box.csv", ballot_box.ballot_box_csv, name="ballot_box_csv"),
    path("verify_count.py", ballot_box.verifier, name="verifier"),
]
