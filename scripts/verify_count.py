#!/usr/bin/env python3
"""Recount a round of the Settlement and Integration Prize's public vote
from its published ballot box, with nothing but Python 3.11's standard
library, and without trusting the site that published it.

    python3 verify_count.py FILE_OR_URL [--digest HEX] [--receipt CODE]

FILE_OR_URL is the ballot box as JSON: a downloaded file, or its address,
e.g. https://stem.imdi.no/data/2026/ballot-box.json. The script

1. computes the file's SHA-256 and compares it with --digest (the
   "Kontrollsum (SHA-256)" on the round's results page), or prints it for
   you to compare;
2. checks the file's format (prize-vote/ballot-box/1, below);
3. recounts the valid lines per nominee and applies the published rule
   itself (below), then checks the file's tally against its own recount;
4. prints the finalists, or the tie the rule leaves to staff.

With --receipt it also says whether the line of that receipt code (as the
thanks page showed it; the hyphen is optional, and O, I and L read as 0, 1
and 1) is in the file, and whether the vote was counted or invalidated, and
with which category of reason. Nothing else about it.

Exit status: 0 when everything matches; 1 when anything does not (the
digest, the format, the tally), with the reason; 3 when the file matches but
the receipt's line is not in it.

The file (prize-vote/ballot-box/1): UTF-8 JSON, an object with, in order,
"format"; "receipt_hash" (how a line's receipt_hash is made: the SHA-256 in
lower-case hex of the UTF-8 text "prize-vote <year> <receipt>", the receipt
as printed, e.g. "prize-vote 2026 K3V9T-J103T"); "round" (its year); "rules"
(the schedule up to the close of voting, "finalist_seats", "winner_rule",
"count_rule" and "fixed_at", the moment voting opened, from which none of
them could change); "nominees" (each nominee's municipality number and
name); "votes" (one line per vote, in the order of receipt_hash: the hash,
the nominee's number, "valid" or "invalidated", the category of the reason
for an invalidated one, and the day it was cast in Norwegian time); "tally"
(what the count made of them). A tie resolved by staff after the count is
not in the file: the results page publishes the resolution and its reason.

The rule (prize-vote/rule/1):
0. Only valid votes are counted; invalidated ones are only totalled.
1. Nominees are ranked by their valid votes, most first; equal numbers share
   a rank and the next rank skips as many places (1, 2, 2, 4).
2. The nominees with the most votes fill the finalist seats; only nominees
   with at least one vote can be finalists.
3. A tie is never broken: if nominees with equal votes straddle the last
   seats, none of them is made a finalist; they are reported as tied for
   the seats left, which staff resolve, with a reason, before publishing.
4. If fewer nominees than seats have votes, every one with votes is a
   finalist and the empty seats are reported.
"""

import argparse
import hashlib
import json
import re
import sys
import urllib.request
from collections import Counter
from pathlib import Path

FORMAT = "prize-vote/ballot-box/1"
COUNT_RULE = "prize-vote/rule/1"
KEYS = ["format", "receipt_hash", "round", "rules", "nominees", "votes", "tally"]
VOTE_KEYS = ["receipt_hash", "nominee", "status", "category", "day"]
RULE_KEYS = ["schedule", "finalist_seats", "winner_rule", "count_rule", "fixed_at"]
SCHEDULE = ["nominees_published_at", "voting_opens_at", "voting_closes_at"]
CATEGORIES = {
    "same_mailbox": "the same mailbox under several addresses",
    "automated": "automated or scripted voting",
    "disposable": "a disposable e-mail address",
    "other": "other",
}
WINNER_RULES = {
    "finalists": "the jury chooses among the finalists",
    "all_nominees": "the jury chooses among all nominees, the vote one input",
}
HASH = re.compile(r"[0-9a-f]{64}")
DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
# Receipt codes: Crockford's base32, look-alike letters read as digits.
RECEIPT_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LOOK_ALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})
SEPARATORS = re.compile(r"[\s\-\u2010-\u2015]")
EXIT_MISMATCH, EXIT_RECEIPT_NOT_FOUND = 1, 3


class Rejected(Exception):
    """The file is not what it claims to be; the message says how."""


def read(source: str) -> bytes:
    if re.match(r"https?://", source):
        request = urllib.request.Request(source, headers={"User-Agent": "verify_count.py"})
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.read()
    return Path(source).read_bytes()


def unique_keys(pairs: list[tuple[str, object]]) -> dict:
    keys = [key for key, _ in pairs]
    if len(set(keys)) != len(keys):
        raise Rejected(f"a key appears twice in one object: {keys}")
    return dict(pairs)


def parse(content: bytes) -> dict:
    try:
        box = json.loads(content.decode("utf-8"), object_pairs_hook=unique_keys)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise Rejected(f"not UTF-8 JSON: {error}") from None
    if not isinstance(box, dict) or list(box) != KEYS:
        raise Rejected(f"the file's keys are not {KEYS}")
    if box["format"] != FORMAT:
        raise Rejected(f"format {box['format']!r}; this script reads {FORMAT!r}")
    return box


def check_format(box: dict) -> None:
    year = box["round"].get("year")
    if not isinstance(year, int):
        raise Rejected("the round has no year")
    if box["receipt_hash"] != {"algorithm": "sha256", "input": f"prize-vote {year} {{receipt}}"}:
        raise Rejected(f"receipt_hash is not made as {FORMAT} says: {box['receipt_hash']}")
    rules = box["rules"]
    if list(rules) != RULE_KEYS or list(rules["schedule"]) != SCHEDULE:
        raise Rejected(f"the rules' keys are not {RULE_KEYS} with the schedule {SCHEDULE}")
    if rules["count_rule"] != COUNT_RULE:
        raise Rejected(f"count rule {rules['count_rule']!r}; this script applies {COUNT_RULE!r}")
    seats = rules["finalist_seats"]
    if not isinstance(seats, int) or isinstance(seats, bool) or seats < 1:
        raise Rejected(f"finalist_seats is {seats!r}, not a number of seats")
    numbers = [nominee.get("nominee") for nominee in box["nominees"]]
    if len(set(numbers)) != len(numbers) or not all(isinstance(n, str) for n in numbers):
        raise Rejected("the nominees' numbers are not unique")
    first_day = rules["schedule"]["voting_opens_at"][:10]  # written in Norwegian time
    last_day = rules["schedule"]["voting_closes_at"][:10]
    previous = ""
    for line, vote in enumerate(box["votes"], start=1):
        if not isinstance(vote, dict) or list(vote) != VOTE_KEYS:
            raise Rejected(f"vote {line}: its keys are not {VOTE_KEYS}")
        hashed, nominee, status, category, day = (vote[key] for key in VOTE_KEYS)
        if not isinstance(hashed, str) or not HASH.fullmatch(hashed):
            raise Rejected(f"vote {line}: receipt_hash is not 64 lower-case hex digits")
        if hashed <= previous:
            raise Rejected(f"vote {line}: not in receipt_hash order, or a receipt_hash twice")
        previous = hashed
        if nominee not in numbers:
            raise Rejected(f"vote {line}: nominee {nominee!r} is not among the nominees")
        if not (status == "valid" and category is None) and not (
            status == "invalidated" and category in CATEGORIES
        ):
            raise Rejected(f"vote {line}: status {status!r} with category {category!r}")
        if not isinstance(day, str) or not DAY.fullmatch(day) or not first_day <= day <= last_day:
            raise Rejected(f"vote {line}: day {day!r} is not a day the vote was open")


def rank(counts: dict[str, int], seats: int) -> dict:
    """The rule above, applied to valid votes per nominee, as the file's tally
    writes it: within a rank, nominees by number (that order decides nothing)."""
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    sizes = Counter(counts.values())
    ranking = []
    for number, votes in ordered:
        shared = 1 + sum(size for other, size in sizes.items() if other > votes)
        within, fits = shared <= seats, shared - 1 + sizes[votes] <= seats
        ranking.append(
            {
                "nominee": number,
                "votes": votes,
                "rank": shared,
                "finalist": votes > 0 and within and fits,
                "tied_at_cut": votes > 0 and within and not fits,
            }
        )
    finalists = [place["nominee"] for place in ranking if place["finalist"]]
    tied = [place["nominee"] for place in ranking if place["tied_at_cut"]]
    return {
        "ranking": ranking,
        "finalists": finalists,
        "tie": {"nominees": tied, "seats": seats - len(finalists)} if tied else None,
        "empty_seats": 0 if tied else seats - len(finalists),
    }


def recount(box: dict) -> dict:
    valid = Counter(vote["nominee"] for vote in box["votes"] if vote["status"] == "valid")
    per_nominee = {nominee["nominee"]: valid[nominee["nominee"]] for nominee in box["nominees"]}
    return {
        "valid": sum(per_nominee.values()),
        "invalidated": sum(1 for vote in box["votes"] if vote["status"] == "invalidated"),
        "per_nominee": per_nominee,
        **rank(per_nominee, box["rules"]["finalist_seats"]),
    }


def check_tally(box: dict, recounted: dict) -> None:
    published = box["tally"]
    if not isinstance(published, dict) or list(published) != list(recounted):
        raise Rejected(f"the tally's keys are not {list(recounted)}")
    for key, value in recounted.items():
        if published[key] != value:
            raise Rejected(
                f"the file's tally says {key} = {json.dumps(published[key])}, "
                f"but its votes recount to {json.dumps(value)}"
            )


def normalised(typed: str) -> str | None:
    code = SEPARATORS.sub("", typed).upper().translate(LOOK_ALIKES)
    if len(code) != 10 or any(char not in RECEIPT_ALPHABET for char in code):
        return None
    return f"{code[:5]}-{code[5:]}"


def find_receipt(box: dict, code: str) -> dict | None:
    hashed = hashlib.sha256(f"prize-vote {box['round']['year']} {code}".encode()).hexdigest()
    return next((vote for vote in box["votes"] if vote["receipt_hash"] == hashed), None)


def report(box: dict, recounted: dict) -> list[str]:
    names = {nominee["nominee"]: nominee["municipality"] for nominee in box["nominees"]}
    rules = box["rules"]
    schedule = rules["schedule"]
    lines = [
        f"Round {box['round']['year']}. Rules fixed when voting opened, {rules['fixed_at']}:",
        f"  voting {schedule['voting_opens_at']} to {schedule['voting_closes_at']}, "
        f"{rules['finalist_seats']} finalist seats, "
        f"{WINNER_RULES.get(rules['winner_rule'], rules['winner_rule'])}.",
        f"Votes: {len(box['votes'])} lines, {recounted['valid']} valid, "
        f"{recounted['invalidated']} invalidated.",
    ]
    categories = Counter(v["category"] for v in box["votes"] if v["status"] == "invalidated")
    for category, count in sorted(categories.items()):
        lines.append(f"  invalidated for {CATEGORIES[category]}: {count}")
    lines.append("Recount (rank, nominee, valid votes):")
    for place in recounted["ranking"]:
        mark = "finalist" if place["finalist"] else ""
        mark = "tied at the cut" if place["tied_at_cut"] else mark
        name = names[place["nominee"]]
        lines.append(f"  {place['rank']:>2}. {name:<24} {place['votes']:>9} {mark}".rstrip())
    finalists = [names[number] for number in recounted["finalists"]]
    lines.append(f"Finalists by the rule: {', '.join(finalists) if finalists else 'none'}.")
    if recounted["tie"]:
        tied = ", ".join(names[number] for number in recounted["tie"]["nominees"])
        seats = recounted["tie"]["seats"]
        lines.append(
            f"Tie at the cut: {tied} have the same number of votes for the {seats} seat(s) "
            "left. The rule does not break it; the resolution, and its reason, is published "
            "on the round's results page."
        )
    if recounted["empty_seats"]:
        lines.append(f"Empty seats: {recounted['empty_seats']} (too few nominees got votes).")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Recount a prize-vote ballot box and check it against its digest.",
        epilog="Exit status: 0 all matches, 1 something does not, "
        "3 the file matches but the receipt is not in it.",
    )
    parser.add_argument("source", metavar="FILE_OR_URL", help="the ballot box (JSON)")
    parser.add_argument("--digest", help="the SHA-256 on the results page, to compare with")
    parser.add_argument("--receipt", help="a receipt code, to look for its line")
    options = parser.parse_args(argv)
    code = None
    if options.receipt is not None:
        code = normalised(options.receipt)
        if code is None:
            parser.error("a receipt code has ten letters and digits, e.g. 7KQ2M-9XHTD")
    try:
        content = read(options.source)
    except (OSError, ValueError) as error:
        print(f"Could not read {options.source}: {error}", file=sys.stderr)
        return EXIT_MISMATCH
    digest = hashlib.sha256(content).hexdigest()
    print(f"SHA-256 of the file: {digest}")
    try:
        if options.digest is not None:
            if options.digest.strip().lower() != digest:
                raise Rejected(f"its SHA-256 is not the digest given, {options.digest.strip()}")
            print("It is the digest given: this is the file that was published.")
        else:
            print("Compare it with the digest (Kontrollsum) on the round's results page.")
        box = parse(content)
        check_format(box)
        recounted = recount(box)
        check_tally(box, recounted)
    except (Rejected, KeyError, TypeError, AttributeError) as error:
        reason = error if isinstance(error, Rejected) else f"something is missing: {error!r}"
        print(f"REJECTED: {reason}", file=sys.stderr)
        return EXIT_MISMATCH
    print("\n".join(report(box, recounted)))
    print("The file's tally is what its votes recount to under its rules.")
    if code is None:
        return 0
    vote = find_receipt(box, code)
    if vote is None:
        print(f"Receipt {code}: no line in this file.")
        return EXIT_RECEIPT_NOT_FOUND
    if vote["status"] == "valid":
        print(f"Receipt {code}: its line is in the file, and the vote was counted.")
    else:
        category = CATEGORIES[vote["category"]]
        print(f"Receipt {code}: its line is in the file; the vote was invalidated ({category}).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
