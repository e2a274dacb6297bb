"""People from Teams, end to end over loopback: an admin sends the organisation CSV in the
bot's 1:1 chat (an Activity posted to /api/messages with a file.download.info attachment, or
a plain contentUrl); the bot downloads it from the stand-in file host; a bad row is reported
by line and nothing is imported; a good file is imported only once Confirm is clicked; a
member is refused; an address off the allow-list is never fetched."""

from __future__ import annotations

import json

from sqlmodel import select

from adapters.teams.files import DOWNLOAD_INFO
from bot.enums import Role
from bot.store.models import Person
from tests.adapters.teams.test_teams_app import (  # noqa: F401
    MEGAN,
    TeamsWorld,
    _validate,
    payload,
    teams,
)
from tests.conftest import link

HEADER = "email,name,department,timezone\n"
GOOD = HEADER + "dee@example.com,Dee D,Data,Europe/Paris\n"
BAD = GOOD + "bad,Eve E,,Nowhere/City\n"


async def make_admin(world: TeamsWorld) -> None:
    await link(world.runtime.db, "megan@example.com", "teams", MEGAN)
    async with world.runtime.db.session() as session:
        megan = (
            await session.exec(select(Person).where(Person.email == "megan@example.com"))
        ).one()
        megan.role = Role.ADMIN
        session.add(megan)
        await session.commit()


def with_file(world: TeamsWorld, name: str, content: str, *, plain: bool = False) -> dict:
    """Megan's message carrying the file, as Teams delivers it in a personal chat."""
    world.connector.files[name] = content.encode()
    address = f"{world.connector.url}files/{name}"
    if plain:
        attachment = {"contentType": "text/csv", "name": name, "contentUrl": address}
    else:
        attachment = {
            "contentType": DOWNLOAD_INFO,
            "name": name,
            "content": {"downloadUrl": address, "uniqueId": "u-1", "fileType": "csv"},
        }
    activity = payload("teams_message_activity_personal.json", world.connector, text="")
    activity["attachments"] = [attachment]
    return activity


async def emails(world: TeamsWorld) -> set[str]:
    async with world.runtime.db.session() as session:
        return set((await session.exec(select(Person.email))).all())


async def test_an_admin_imports_people_from_a_file_in_teams(teams: TeamsWorld) -> None:  # noqa: F811
    await make_admin(teams)
    before = await emails(teams)
    assert await teams.post(with_file(teams, "bad.csv", BAD)) in (200, 201)
    report = teams.connector.cards()[-1]
    _validate(report)
    shown = json.dumps(report)
    assert "Nothing imported" in shown and "line 3: email 'bad' is not an e-mail address" in shown
    assert "line 3: department is empty" in shown and "Nowhere/City" in shown
    assert "Authorization" not in teams.connector.downloads[0], "a download URL takes no token"
    assert await emails(teams) == before

    assert await teams.post(with_file(teams, "org.csv", GOOD)) in (200, 201)
    summary = teams.connector.cards()[-1]
    _validate(summary)
    assert "Import these people?" in json.dumps(summary)
    assert await emails(teams) == before, "nothing before the confirm"
    card_id = f"act-{len(teams.connector.sent)}"
    (confirm,) = [
        a["data"] for a in summary["actions"] if a["data"]["action"] == "action:import_confirm"
    ]
    click = payload("teams_message_activity_personal.json", teams.connector, text="", value=confirm)
    click["attachments"], click["replyToId"] = [], card_id
    assert await teams.post(click) in (200, 201)
    update = teams.connector.sent[-1]
    assert update.method == "update" and update.activity_id == card_id
    assert "People imported" in json.dumps(update.body)
    assert await emails(teams) == before | {"dee@example.com"}


async def test_a_plain_content_url_is_read_too(teams: TeamsWorld) -> None:  # noqa: F811
    await make_admin(teams)
    assert await teams.post(with_file(teams, "org.csv", GOOD, plain=True)) in (200, 201)
    assert "Import these people?" in json.dumps(teams.connector.cards()[-1])


async def test_a_member_cannot_import_from_teams(teams: TeamsWorld) -> None:  # noqa: F811
    await link(teams.runtime.db, "megan@example.com", "teams", MEGAN)
    assert await teams.post(with_file(teams, "org.csv", GOOD)) in (200, 201)
    assert "Admins only" in json.dumps(teams.connector.cards()[-1])
    assert "dee@example.com" not in await emails(teams)


async def test_a_file_off_the_allow_list_is_not_fetched(teams: TeamsWorld) -> None:  # noqa: F811
    await make_admin(teams)
    activity = with_file(teams, "org.csv", GOOD)
    # Same stand-in, another origin (localhost is not the serviceUrl's 127.0.0.1): refused.
    elsewhere = teams.connector.url.replace("127.0.0.1", "localhost") + "files/org.csv"
    activity["attachments"][0]["content"]["downloadUrl"] = elsewhere
    assert await teams.post(activity) in (200, 201)
    assert "I couldn't read that file" in json.dumps(teams.connector.cards()[-1])
    assert teams.connector.downloads == []
    assert "dee@example.com" not in await emails(teams)
