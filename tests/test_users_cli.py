"""``golden-thread users``: a new organisation's first run on the command line, from ``init`` to an administrator
who can sign in; every bad input is one sentence on stderr and exit code 2."""

from __future__ import annotations

import io
import json
from pathlib import Path

import polars as pl
import pytest

from golden_thread.cli import main
from golden_thread.storage.accounts import OPERATOR
from golden_thread.storage.store import Store

pytestmark = pytest.mark.slow
PASSWORD = "correct horse battery staple"


def _run(capsys, monkeypatch, *argv: str, stdin: str | None = None) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of one command; ``stdin`` is what standard input holds."""
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _accounts(db: str) -> int:
    store = Store(db)
    count = store.users().height
    store.close()
    return count


def _typed(monkeypatch, *answers: str) -> None:
    """Answer the hidden password prompts with ``answers``, in turn (EOFError when they run out)."""
    queue = list(answers)

    def getpass(prompt: str = "") -> str:
        if not queue:
            raise EOFError
        return queue.pop(0)

    monkeypatch.setattr("getpass.getpass", getpass)


def _refused(code: int, out: str, err: str, command: str, sentence: str) -> None:
    """Exit code 2, nothing on stdout, and exactly one line on stderr: the command and the sentence."""
    assert code == 2, (out, err)
    assert out == ""
    assert err.count("\n") == 1, err
    assert err == f"golden-thread users {command}: {sentence}\n"


@pytest.fixture
def empty(tmp_path: Path) -> str:
    path = tmp_path / "new.duckdb"
    Store(path).close()
    return str(path)


@pytest.fixture
def one_trust(tmp_path: Path) -> str:
    """A database holding one trust (1) with a division (2) and a ward (3), and no account."""
    path = tmp_path / "trust.duckdb"
    store = Store(path)
    store.insert_tables(
        {
            "organisation": pl.DataFrame(
                {
                    "id": [1, 2, 3],
                    "name": ["Riverside NHS Trust", "Medicine", "Ward 7"],
                    "kind": ["trust", "division", "team"],
                    "parent_id": [None, 1, 2],
                }
            )
        }
    )
    store.close()
    return str(path)


@pytest.fixture
def two_trusts(tmp_path: Path) -> str:
    path = tmp_path / "two.duckdb"
    store = Store(path)
    store.insert_tables(
        {
            "organisation": pl.DataFrame(
                {"id": [1, 2], "name": ["Riverside NHS Trust", "Hillside NHS Trust"], "kind": ["trust", "trust"]}
            )
        }
    )
    store.close()
    return str(path)


def _add_admin(capsys, monkeypatch, db: str, username: str = "alice", *extra: str) -> None:
    code, out, err = _run(
        capsys, monkeypatch, "users", "add", username, "--role", "administrator", "--db", db, "--password-stdin",
        *extra, stdin=PASSWORD + "\n",
    )  # fmt: skip
    assert (code, err) == (0, ""), err


# -- the path from an empty database to a signed-in administrator --------------------------------------------------


def test_init_prints_the_next_step_until_there_is_an_account(tmp_path, capsys, monkeypatch):
    db = str(tmp_path / "fresh.duckdb")
    code, out, _ = _run(capsys, monkeypatch, "init", "--db", db)
    assert code == 0
    assert f"Add the first administrator: golden-thread users add NAME --role administrator --db {db}\n" in out
    _add_admin(capsys, monkeypatch, db)
    code, out, _ = _run(capsys, monkeypatch, "init", "--db", db)
    assert code == 0 and "Add the first administrator" not in out


def test_the_first_administrator_of_an_empty_database_administers_it_all_and_can_sign_in(empty, capsys, monkeypatch):
    _typed(monkeypatch, PASSWORD, PASSWORD)
    code, out, err = _run(
        capsys, monkeypatch, "users", "add", "alice", "--role", "administrator", "--name", "Alice Okafor", "--db", empty
    )
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "Added alice (Alice Okafor), administrator, working at every organisation (the whole database).",
        "Next: start the app (make run) and sign in as alice with that password.",
    ]
    store = Store(empty)
    signed_in = store.verify_password("alice", PASSWORD)
    assert signed_in is not None and signed_in["role"] == "administrator" and signed_in["organisation_id"] is None
    assert store.verify_password("alice", "not the password") is None
    # The change is audited as the command line's (the machine's operator), never with the password or its hash.
    audit = store.audit_log().row(0, named=True)
    assert (audit["username"], audit["action"], audit["entity_type"], audit["entity_key"]) == (
        OPERATOR,
        "add",
        "app_user",
        "alice",
    )
    assert json.loads(audit["after_json"])["role"] == "administrator"
    assert PASSWORD not in audit["after_json"] and "argon2" not in audit["after_json"]
    store.close()


def test_with_one_organisation_the_first_administrator_works_there(one_trust, capsys, monkeypatch):
    _add_admin(capsys, monkeypatch, one_trust)
    store = Store(one_trust)
    assert store.user("alice")["organisation_id"] == 1
    assert [s.name for s in store.scopes_for("alice")] == ["Riverside NHS Trust"]
    assert store.audit_log()["organisation_id"].to_list() == [1]  # kept with the organisation it happened in
    store.close()


def test_later_accounts_are_placed_in_a_unit_by_name_or_id(one_trust, capsys, monkeypatch):
    _add_admin(capsys, monkeypatch, one_trust)
    code, out, err = _run(
        capsys, monkeypatch, "users", "add", "wendy", "--role", "Team member", "--name", "Wendy Hale", "--unit",
        "ward 7", "--db", one_trust, "--password-stdin", stdin=PASSWORD + "\n",
    )  # fmt: skip
    assert (code, err) == (0, "")
    assert out == "Added wendy (Wendy Hale), team_member, working at Ward 7 (Riverside NHS Trust).\n"
    code, _, err = _run(
        capsys, monkeypatch, "users", "add", "lee", "--role", "improvement_lead", "--organisation", "1", "--unit", "2",
        "--db", one_trust, "--password-stdin", stdin=PASSWORD,
    )  # fmt: skip
    assert (code, err) == (0, "")
    store = Store(one_trust)
    assert store.user("wendy")["organisation_id"] == 3 and store.user("wendy")["role"] == "team_member"
    assert store.user("lee")["organisation_id"] == 2 and store.user("lee")["display_name"] == "lee"
    store.close()


def test_users_list_shows_who_works_where_and_never_a_hash(one_trust, capsys, monkeypatch):
    _add_admin(capsys, monkeypatch, one_trust, "alice", "--name", "Alice Okafor")
    _run(
        capsys, monkeypatch, "users", "add", "wendy", "--role", "team_member", "--unit", "Ward 7", "--db", one_trust,
        "--password-stdin", stdin=PASSWORD,
    )  # fmt: skip
    _run(capsys, monkeypatch, "users", "deactivate", "wendy", "--db", one_trust)
    code, out, err = _run(capsys, monkeypatch, "users", "list", "--db", one_trust)
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0].split() == ["username", "name", "role", "works", "at", "active"]
    assert lines[1].split() == ["alice", "Alice", "Okafor", "administrator", "Riverside", "NHS", "Trust", "yes"]
    assert lines[2].split() == ["wendy", "wendy", "team_member", "Ward", "7", "(Riverside", "NHS", "Trust)", "no"]
    assert "argon2" not in out and "$" not in out and PASSWORD not in out


def test_users_list_on_an_empty_database_says_what_to_do(empty, capsys, monkeypatch):
    code, out, _ = _run(capsys, monkeypatch, "users", "list", "--db", empty)
    assert code == 0
    assert out == "No accounts yet. Add the first administrator: golden-thread users add NAME --role administrator\n"


def test_reset_password_replaces_the_password(one_trust, capsys, monkeypatch):
    _add_admin(capsys, monkeypatch, one_trust)
    _typed(monkeypatch, "a brand new passphrase", "a brand new passphrase")
    code, out, err = _run(capsys, monkeypatch, "users", "reset-password", "alice", "--db", one_trust)
    assert (code, out, err) == (0, "New password set for alice.\n", "")
    store = Store(one_trust)
    assert store.verify_password("alice", PASSWORD) is None
    assert store.verify_password("alice", "a brand new passphrase") is not None
    assert store.audit_log()["username"].to_list() == [OPERATOR, OPERATOR]
    store.close()


def test_deactivate_stops_an_account_signing_in(one_trust, capsys, monkeypatch):
    _add_admin(capsys, monkeypatch, one_trust)
    _run(
        capsys, monkeypatch, "users", "add", "board", "--role", "board_viewer", "--db", one_trust, "--password-stdin",
        stdin=PASSWORD,
    )  # fmt: skip
    code, out, err = _run(capsys, monkeypatch, "users", "deactivate", "board", "--db", one_trust)
    assert (code, out, err) == (0, "Deactivated board: they can no longer sign in.\n", "")
    store = Store(one_trust)
    assert store.verify_password("board", PASSWORD) is None and not store.user("board")["active"]
    store.close()
    code, out, err = _run(capsys, monkeypatch, "users", "deactivate", "board", "--db", one_trust)
    assert (code, out, err) == (0, "board is already inactive; nothing was changed.\n", "")


# -- every bad input: one sentence on stderr, exit code 2, nothing changed -----------------------------------------


def test_an_unknown_role(empty, capsys, monkeypatch):
    code, out, err = _run(
        capsys,
        monkeypatch,
        "users",
        "add",
        "alice",
        "--role",
        "boss",
        "--db",
        empty,
        "--password-stdin",
        stdin=PASSWORD,
    )
    _refused(
        code,
        out,
        err,
        "add",
        "“boss” is not a role; choose one of: board_viewer, team_member, improvement_lead, administrator.",
    )


def test_no_role(empty, capsys, monkeypatch):
    code, out, err = _run(
        capsys, monkeypatch, "users", "add", "alice", "--db", empty, "--password-stdin", stdin=PASSWORD
    )
    _refused(
        code,
        out,
        err,
        "add",
        "Say the account's role with --role: one of board_viewer, team_member, improvement_lead, administrator.",
    )


def test_the_user_exists(one_trust, capsys, monkeypatch):
    _add_admin(capsys, monkeypatch, one_trust)
    code, out, err = _run(
        capsys, monkeypatch, "users", "add", "alice", "--role", "administrator", "--db", one_trust, "--password-stdin",
        stdin=PASSWORD,
    )  # fmt: skip
    _refused(
        code,
        out,
        err,
        "add",
        "There is already an account “alice”; to give it a new password use golden-thread users reset-password alice.",
    )


@pytest.mark.parametrize("command", ["reset-password", "deactivate"])
def test_no_such_user(one_trust, capsys, monkeypatch, command):
    _typed(monkeypatch, PASSWORD, PASSWORD)
    code, out, err = _run(capsys, monkeypatch, "users", command, "nobody", "--db", one_trust)
    _refused(code, out, err, command, "There is no account “nobody”; golden-thread users list shows every account.")


def test_passwords_that_differ(empty, capsys, monkeypatch):
    _typed(monkeypatch, PASSWORD, PASSWORD + "!")
    code, out, err = _run(capsys, monkeypatch, "users", "add", "alice", "--role", "administrator", "--db", empty)
    _refused(code, out, err, "add", "The two passwords differ; nothing was changed.")
    assert _accounts(empty) == 0


def test_no_password_given(empty, capsys, monkeypatch):
    _typed(monkeypatch)  # end of input at the first prompt
    code, out, err = _run(capsys, monkeypatch, "users", "add", "alice", "--role", "administrator", "--db", empty)
    _refused(code, out, err, "add", "No password was given; nothing was changed.")


@pytest.mark.parametrize("typed", ["short", ""])
def test_a_password_too_short(empty, capsys, monkeypatch, typed):
    code, out, err = _run(
        capsys, monkeypatch, "users", "add", "alice", "--role", "administrator", "--db", empty, "--password-stdin",
        stdin=typed + "\n",
    )  # fmt: skip
    _refused(code, out, err, "add", "A password needs at least 12 characters.")


def test_a_password_too_short_on_reset(one_trust, capsys, monkeypatch):
    _add_admin(capsys, monkeypatch, one_trust)
    code, out, err = _run(
        capsys,
        monkeypatch,
        "users",
        "reset-password",
        "alice",
        "--db",
        one_trust,
        "--password-stdin",
        stdin="eleven chars"[:11],
    )
    _refused(code, out, err, "reset-password", "A password needs at least 12 characters.")
    store = Store(one_trust)
    assert store.verify_password("alice", PASSWORD) is not None  # unchanged
    store.close()


def test_no_organisation_when_several_exist(two_trusts, capsys, monkeypatch):
    code, out, err = _run(
        capsys, monkeypatch, "users", "add", "alice", "--role", "administrator", "--db", two_trusts, "--password-stdin",
        stdin=PASSWORD,
    )  # fmt: skip
    _refused(
        code,
        out,
        err,
        "add",
        "This database holds 2 organisations; say which with --organisation (id or name): "
        "2 Hillside NHS Trust; 1 Riverside NHS Trust.",
    )


def test_an_unknown_organisation(two_trusts, capsys, monkeypatch):
    code, out, err = _run(
        capsys, monkeypatch, "users", "add", "alice", "--role", "administrator", "--organisation", "Lakeside",
        "--db", two_trusts, "--password-stdin", stdin=PASSWORD,
    )  # fmt: skip
    _refused(
        code,
        out,
        err,
        "add",
        "There is no organisation or network “Lakeside”; choose one of: 2 Hillside NHS Trust; 1 Riverside NHS Trust.",
    )


def test_an_unknown_unit(one_trust, capsys, monkeypatch):
    code, out, err = _run(
        capsys, monkeypatch, "users", "add", "alice", "--role", "administrator", "--unit", "Ward 9", "--db", one_trust,
        "--password-stdin", stdin=PASSWORD,
    )  # fmt: skip
    _refused(
        code,
        out,
        err,
        "add",
        "There is no unit “Ward 9” in Riverside NHS Trust; choose one of: 1 Riverside NHS Trust; 2 Medicine; 3 Ward 7.",
    )


def test_the_first_account_must_be_an_administrator(one_trust, capsys, monkeypatch):
    code, out, err = _run(
        capsys, monkeypatch, "users", "add", "wendy", "--role", "team_member", "--db", one_trust, "--password-stdin",
        stdin=PASSWORD,
    )  # fmt: skip
    _refused(
        code,
        out,
        err,
        "add",
        "The first account must be an administrator (--role administrator): they add everyone else.",
    )
    assert _accounts(one_trust) == 0


def test_an_organisation_named_in_a_database_that_holds_none(empty, capsys, monkeypatch):
    code, out, err = _run(
        capsys, monkeypatch, "users", "add", "alice", "--role", "administrator", "--organisation", "Riverside",
        "--db", empty, "--password-stdin", stdin=PASSWORD,
    )  # fmt: skip
    _refused(
        code,
        out,
        err,
        "add",
        "This database holds no organisation yet: leave out --organisation and --unit, and the administrator you "
        "add administers the whole database.",
    )


def test_only_an_administrator_can_work_nowhere_in_particular(empty, capsys, monkeypatch):
    _add_admin(capsys, monkeypatch, empty)
    code, out, err = _run(
        capsys, monkeypatch, "users", "add", "lee", "--role", "improvement_lead", "--db", empty, "--password-stdin",
        stdin=PASSWORD,
    )  # fmt: skip
    _refused(
        code,
        out,
        err,
        "add",
        "This database holds no organisation yet, so only an administrator of the whole database can be added "
        "(--role administrator).",
    )


def test_the_stores_own_validation_is_reused(one_trust, capsys, monkeypatch):
    """The operator's write runs Store.save_user's validation: a bad username or a blank name is refused."""
    code, out, err = _run(
        capsys, monkeypatch, "users", "add", "alice smith", "--role", "administrator", "--db", one_trust,
        "--password-stdin", stdin=PASSWORD,
    )  # fmt: skip
    _refused(code, out, err, "add", "A username is 1–64 characters with no spaces.")
    code, out, err = _run(
        capsys, monkeypatch, "users", "add", "alice", "--role", "administrator", "--name", "  ", "--db", one_trust,
        "--password-stdin", stdin=PASSWORD,
    )  # fmt: skip
    _refused(code, out, err, "add", "Give the person's name as colleagues know it.")
    assert _accounts(one_trust) == 0
