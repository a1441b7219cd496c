"""The witness's checks and its state folder, against a server played in this process.

The "server" serves a synthetic board (honest code) page by page, and can then lie as a
dishonest server would: rewrite an entry the witness already verified, sign heads with
another key, serve a ballot whose proof fails.  The witness must stop, cosign nothing
more, and say why; and a witness stopped at any point continues where it was.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ballot.record.board import BoardEntry
from ballot.record.cosign import WitnessKey, read_log
from ballot.record.election_record import read_record
from ballot.record.signing import ServerKey, SignedHead, sign_head
from ballot.record.synthetic import GeneratedRecord, generate_record, recognition_definition
from ballot.witness.follow import BoardProblem, Follower
from ballot.witness.run import NotNamed, Poll, follow_board, poll, resume
from ballot.witness.state import LOG, WitnessState

WITNESS = WitnessKey.from_private_bytes(bytes(range(32)))
SERVER = "https://vote.example.org"


@pytest.fixture(scope="module")
def certified(tmp_path_factory: pytest.TempPathFactory) -> GeneratedRecord:
    d = recognition_definition()
    d["witnesses"] = [{"name": "Rosa", "public_key": WITNESS.public_hex}]
    return generate_record(
        tmp_path_factory.mktemp("follow") / "r.zip",
        d,
        [[[0]]] * 3 + [[[1]]] * 2,
        eligible=10,
        audits=[[[1]]],
        certify="no objections",
        notes=True,
    )


class Reporter:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def step(self, message: str) -> None:
        self.lines.append(message)

    def note(self, message: str) -> None:
        self.lines.append(message)

    def progress(self, done: int, total: int) -> None:
        pass


class FakeServer:
    """The public board API of one election, over a list of entries and heads."""

    def __init__(self, gen: GeneratedRecord, page: int = 4) -> None:
        record = read_record(gen.path)
        self.election_id = record.election_id
        self.all_entries = [json.loads(line) for line in record.board_lines()]
        self.all_heads = list(record.json("heads.json"))
        self.entries_shown = len(self.all_entries)
        self.heads_shown = len(self.all_heads)
        self.page = page
        self.posted: list[dict[str, Any]] = []

    def show(self, upto_head: int) -> None:
        """Serve the board as it stood when head ``upto_head`` was signed."""
        self.heads_shown = upto_head + 1
        self.entries_shown = self.all_heads[upto_head]["seq"] + 1

    def entries(self, after: int) -> tuple[list[dict[str, Any]], int | None]:
        shown = self.all_entries[: self.entries_shown]
        page = shown[after + 1 : after + 1 + self.page]
        more = after + 1 + self.page < len(shown)
        return page, page[-1]["seq"] if page and more else None

    def heads(self, start: int) -> tuple[list[dict[str, Any]], int | None]:
        return self.all_heads[start : self.heads_shown], None

    def post_cosignature(self, cosignature: dict[str, Any]) -> dict[str, Any]:
        self.posted.append(cosignature)
        return {"accepted": True}


def witness_in(folder: Path, server: FakeServer, stated: str) -> tuple[WitnessState, Follower]:
    state = WitnessState.open(folder, SERVER, server.election_id, WITNESS.public_hex)
    follower = Follower(server.election_id, WITNESS.public_hex, stated)
    resume(state, follower, Reporter())
    return state, follower


def run_poll(server: FakeServer, state: WitnessState, follower: Follower) -> Poll:
    return poll(server, state, follower, WITNESS, Reporter())  # type: ignore[arg-type]


def test_the_witness_cosigns_each_newest_head_and_stops_once_certified(
    certified: GeneratedRecord, tmp_path: Path
) -> None:
    server = FakeServer(certified)
    stated = certified.server_key.public_hex
    state, follower = witness_in(tmp_path / "w", server, stated)
    server.show(0)
    first = run_poll(server, state, follower)
    assert first.cosigned is not None and first.cosigned.seq == server.all_heads[0]["seq"]
    assert not first.certified
    server.show(len(server.all_heads) - 2)
    second = run_poll(server, state, follower)
    assert second.cosigned is not None and not second.certified
    server.show(len(server.all_heads) - 1)
    sleeps: list[float] = []
    done = follow_board(
        server,  # type: ignore[arg-type]
        state,
        follower,
        WITNESS,
        Reporter(),
        interval=5,
        sleep=sleeps.append,
    )
    assert done.certified and sleeps == []
    log = read_log((tmp_path / "w" / LOG).read_bytes())
    assert [c.signed_head for c in log] == [
        SignedHead.from_json(server.all_heads[i]).hash for i in (0, -2, -1)
    ]
    assert [c["signature"] for c in server.posted] == [c.signature for c in log]
    assert state.posted == 3


def test_a_witness_stopped_anywhere_continues_where_it_was(
    certified: GeneratedRecord, tmp_path: Path
) -> None:
    server = FakeServer(certified)
    stated = certified.server_key.public_hex
    state, follower = witness_in(tmp_path / "w", server, stated)
    server.show(1)
    run_poll(server, state, follower)
    # A crash while writing: a torn line at the end of the board file and of the log.
    with (tmp_path / "w" / "board.jsonl").open("ab") as f:
        f.write(b'{"seq": 99, "kind"')
    with (tmp_path / "w" / LOG).open("ab") as f:
        f.write(b'{"type": "ballot.board.cos')
    state, follower = witness_in(tmp_path / "w", server, stated)
    assert follower.seq == server.all_heads[1]["seq"]
    assert state.cosigned_count == 1 and not state.pending
    again = run_poll(server, state, follower)
    assert again.cosigned is None and again.entries == 0  # nothing new, nothing cosigned twice
    server.show(len(server.all_heads) - 1)
    assert run_poll(server, state, follower).certified
    assert len(read_log((tmp_path / "w" / LOG).read_bytes())) == 2


def test_a_post_that_failed_is_sent_again_at_the_next_poll(
    certified: GeneratedRecord, tmp_path: Path
) -> None:
    from ballot.trustee.client import Unreachable

    server = FakeServer(certified)
    state, follower = witness_in(tmp_path / "w", server, certified.server_key.public_hex)
    server.show(0)
    real = server.post_cosignature

    def down(cosignature: dict[str, Any]) -> dict[str, Any]:
        raise Unreachable("cannot reach the server")

    server.post_cosignature = down  # type: ignore[method-assign]
    with pytest.raises(Unreachable):
        run_poll(server, state, follower)
    assert state.cosigned_count == 1 and len(state.pending) == 1  # kept in the log first
    server.post_cosignature = real  # type: ignore[method-assign]
    state, follower = witness_in(tmp_path / "w", server, certified.server_key.public_hex)
    assert run_poll(server, state, follower).posted == 1
    assert len(server.posted) == 1 and not state.pending


def test_a_rewritten_board_stops_the_witness(certified: GeneratedRecord, tmp_path: Path) -> None:
    server = FakeServer(certified)
    state, follower = witness_in(tmp_path / "w", server, certified.server_key.public_hex)
    server.show(0)
    run_poll(server, state, follower)
    seen = server.all_heads[0]["seq"]
    # The server rewrites an entry the witness already verified, and re-chains after it.
    key = certified.server_key
    entries = server.all_entries
    last: BoardEntry | None = None
    rebuilt = []
    for e in entries:
        payload = dict(e["payload"])
        if e["seq"] == seen:  # the last entry the witness cosigned
            payload = {**payload, "rewritten": True}
        last = BoardEntry(e["seq"], e["kind"], e["at"], payload, last.hash if last else "0" * 64)
        rebuilt.append(last.to_json())
    server.all_entries = rebuilt
    heads: list[SignedHead] = []
    for e in rebuilt[seen:]:
        heads.append(
            sign_head(
                key,
                server.election_id,
                BoardEntry.from_json(e),
                e["at"],
                heads[-1] if heads else None,
            )
        )
    server.all_heads = [server.all_heads[0], *(h.to_json() for h in heads[1:])]
    server.show(len(server.all_heads) - 1)
    with pytest.raises(BoardProblem, match=f"board chain: seq {seen + 1}: prev does not match"):
        run_poll(server, state, follower)
    assert state.cosigned_count == 1


def test_heads_signed_with_another_key_are_refused(
    certified: GeneratedRecord, tmp_path: Path
) -> None:
    server = FakeServer(certified)
    other = ServerKey.generate()
    state, follower = witness_in(tmp_path / "w", server, other.public_hex)
    with pytest.raises(BoardProblem, match=r"signed heads: signed head 0 .*does not verify"):
        run_poll(server, state, follower)
    assert state.cosigned_count == 0


def test_a_ballot_whose_proof_fails_stops_the_witness(
    certified: GeneratedRecord, tmp_path: Path
) -> None:
    server = FakeServer(certified)
    cast = next(i for i, e in enumerate(server.all_entries) if e["kind"] == "ballot.cast")
    other = next(
        i for i, e in enumerate(server.all_entries) if e["kind"] == "ballot.cast" and i != cast
    )
    # The server swaps one ballot's proofs for another's and re-chains from there.
    entries = [dict(e) for e in server.all_entries]
    ballot = json.loads(json.dumps(entries[cast]["payload"]["ballot"]))
    theirs = entries[other]["payload"]["ballot"]["questions"][0]["slots"][0]["proof"]
    ballot["questions"][0]["slots"][0]["proof"] = theirs
    last: BoardEntry | None = None
    rebuilt = []
    for i, e in enumerate(entries):
        payload = dict(e["payload"])
        if i == cast:
            payload["ballot"] = ballot
        last = BoardEntry(e["seq"], e["kind"], e["at"], payload, last.hash if last else "0" * 64)
        rebuilt.append(last.to_json())
    server.all_entries, server.all_heads = rebuilt, []
    state, follower = witness_in(tmp_path / "w", server, certified.server_key.public_hex)
    with pytest.raises(BoardProblem, match=f"ballots: board entry {cast} \\(ballot.cast\\)"):
        run_poll(server, state, follower)


def test_a_witness_the_definition_does_not_name_cosigns_nothing(
    certified: GeneratedRecord, tmp_path: Path
) -> None:
    server = FakeServer(certified)
    stranger = WitnessKey.generate()
    state = WitnessState.open(tmp_path / "w", SERVER, server.election_id, stranger.public_hex)
    follower = Follower(server.election_id, stranger.public_hex, certified.server_key.public_hex)
    with pytest.raises(NotNamed, match="does not name this witness's key"):
        poll(server, state, follower, stranger, Reporter())  # type: ignore[arg-type]
    assert state.cosigned_count == 0


def test_a_state_folder_serves_one_election_and_one_key(tmp_path: Path) -> None:
    from ballot.witness.state import StateError

    WitnessState.open(tmp_path / "w", SERVER, "e1", WITNESS.public_hex)
    with pytest.raises(StateError, match="belongs to election 'e1', not 'e2'"):
        WitnessState.open(tmp_path / "w", SERVER, "e2", WITNESS.public_hex)
    with pytest.raises(StateError, match="belongs to witness"):
        WitnessState.open(tmp_path / "w", SERVER, "e1", "ab" * 32)
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("mine")
    with pytest.raises(StateError, match="is not empty"):
        WitnessState.open(tmp_path / "other", SERVER, "e1", WITNESS.public_hex)


def test_the_witness_client_reads_a_hostile_server_within_bounds() -> None:
    import httpx

    from ballot.trustee.client import TrusteeError
    from ballot.witness.client import BadAnswer, WitnessClient, parse_board_url

    assert parse_board_url("https://vote.example.org/board/e123?lang=ko") == (
        "https://vote.example.org",
        "e123",
    )
    assert parse_board_url("https://example.org/ballot/board/e9/") == (
        "https://example.org/ballot",
        "e9",
    )
    for bad in ("vote.example.org/board/e1", "https://vote.example.org/e1", "ftp://x/board/e"):
        with pytest.raises(ValueError):
            parse_board_url(bad)

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/entries"):
            return httpx.Response(200, json={"entries": "not a list"})
        if request.url.path.endswith("/heads"):
            return httpx.Response(200, content=b"[" * 100 + b"]" * 100)
        return httpx.Response(200, content=b" " * (65 * 1024**2))

    with WitnessClient(
        "https://vote.example.org", "e1", transport=httpx.MockTransport(answer)
    ) as client:
        with pytest.raises(BadAnswer, match="has no list 'entries'"):
            client.entries(-1)
        with pytest.raises(TrusteeError, match="nested deeper than 64"):
            client.heads(0)
        with pytest.raises(TrusteeError, match="larger than"):
            client.public()


def test_the_board_key_the_definition_binds_wins_over_the_servers_word(tmp_path: Path) -> None:
    """A server that signs with a key other than the one the definition names is refused,
    even if it states that other key."""
    named_key, signing_key = ServerKey.generate(), ServerKey.generate()
    d = recognition_definition()
    d["board_key"] = {"algorithm": "ed25519", "public_key": named_key.public_hex}
    d["witnesses"] = [{"name": "Rosa", "public_key": WITNESS.public_hex}]
    gen = generate_record(
        tmp_path / "r.zip", d, [[[0]]] * 2, eligible=4, server_key=signing_key, jobs=1
    )
    server = FakeServer(gen)
    state, follower = witness_in(tmp_path / "w", server, signing_key.public_hex)
    with pytest.raises(BoardProblem, match=r"signed heads: signed head 0 .*does not verify"):
        run_poll(server, state, follower)
    assert follower.key_bound and follower.board_key == named_key.public_hex
