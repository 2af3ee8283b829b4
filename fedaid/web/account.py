"""A member's own account: download their data (JSON, CSV), delete the account (password re-entered)."""

from __future__ import annotations

import json

import aiohttp_jinja2
from aiohttp import web

from fedaid.client_address import client_address
from fedaid.domain.leaving import delete_own_account
from fedaid.domain.member_data import COLUMNS, member_data
from fedaid.domain.spreadsheets import as_csv
from fedaid.errors import Forbidden
from fedaid.web.forms import Form
from fedaid.web.sessions import require_viewer, sign_out


async def show_account(request: web.Request) -> web.Response:
    await require_viewer(request)
    return aiohttp_jinja2.render_template("settings/account.html", request, {"form": Form()})


async def delete_account_post(request: web.Request) -> web.Response:
    """Close the account once the password is typed again; the browser is signed out."""
    viewer = await require_viewer(request)
    form = await Form.read(request)
    if not form.get("password"):
        form.fail("password", "Fill in this field.")
    if form.is_valid:
        try:
            await delete_own_account(viewer.account, form.get("password"), address=client_address(request))
        except Forbidden as err:
            form.fail("password", str(err))
        else:
            await sign_out(request)
            raise web.HTTPSeeOther("/signin?done=deleted")
    return aiohttp_jinja2.render_template("settings/account.html", request, {"form": form}, status=400)


async def export_json(request: web.Request) -> web.Response:
    viewer = await require_viewer(request)
    data = await member_data(viewer.actor)
    return web.Response(
        text=json.dumps(data, ensure_ascii=False, indent=2),
        content_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{viewer.actor.username}-data.json"'},
    )


async def export_csv(request: web.Request) -> web.Response:
    viewer = await require_viewer(request)
    table = request.match_info["table"]
    if table not in COLUMNS:
        raise web.HTTPNotFound()
    rows = (await member_data(viewer.actor))[table]
    return web.Response(
        text=as_csv(rows, COLUMNS[table]),
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{viewer.actor.username}-{table}.csv"'},
    )
